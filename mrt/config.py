"""One settings object for every face: `MRTConfig`.

The spec's `MRTConfig` (pytest-mrt's conftest object) and `[tool.mrt]` in pyproject.toml describe the
same things, so they are the same class. Merge order, lowest first (documented in the README):

1. the defaults below;
2. `[tool.mrt]` in the nearest pyproject.toml (keys may use `-` or `_`);
3. an `MRTConfig(...)` built in conftest.py — only the fields the user actually passed;
4. command-line options (CLI) or editor settings (language server).

Step 3 needs to know which fields were passed, so `MRTConfig` records them in `explicit`.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mrt.findings import SEVERITIES

if TYPE_CHECKING:
    from mrt.git import GitChanges

DIALECTS = ("postgresql", "mysql", "sqlite")
_DIALECT_ALIASES = {
    "postgres": "postgresql",
    "pg": "postgresql",
    "psql": "postgresql",
    "mariadb": "mysql",
    "sqlite3": "sqlite",
}


class ConfigError(ValueError):
    """Bad configuration: the message names the key and what was expected."""


@dataclass
class MRTConfig:
    """Settings for static analysis, rollback verification and the editor.

    The first fourteen fields are the spec's (pytest-mrt compatible); the rest are mrt's own.
    """

    alembic_ini: str = "alembic.ini"
    db_url: str = ""
    seed_rows: int = 3
    skip: dict[str, str] = field(default_factory=dict)
    severity_overrides: dict[str, str] = field(default_factory=dict)
    custom_seeds: dict[str, Callable[..., Any]] = field(default_factory=dict)
    custom_checks: list[Callable[..., Any]] = field(default_factory=list)
    migration_timeout: int | None = 60
    minimum_downgrade_revision: str | None = None
    target_metadata: str | None = None
    django_settings: str | None = None
    django_apps: list[str] | None = None
    django_project_dir: str | None = None
    explain_model: str = "claude-opus-4-5"
    # mrt's own settings
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    dialect: str | None = None
    dialect_version: str | None = None
    downgrades: bool = True
    allow_unsafe_database: bool = False
    root: str | None = None
    # A regular expression every migration file name (without `.py`) must match in full (rule MRT912).
    migration_name_pattern: str | None = None
    # What git says changed since a base branch (rules MRT914, MRT710). Set by `mrt check --base-ref REF`,
    # which runs git; not a [tool.mrt] key.
    git_changes: GitChanges | None = None

    def __post_init__(self) -> None:
        self._validate()

    def _validate(self) -> None:
        for key, sev in self.severity_overrides.items():
            if sev not in SEVERITIES:
                raise ConfigError(f"severity_overrides[{key!r}] = {sev!r}: expected one of {', '.join(SEVERITIES)}")
        if self.dialect is not None:
            dialect = _DIALECT_ALIASES.get(self.dialect.lower(), self.dialect.lower())
            if dialect not in DIALECTS:
                raise ConfigError(f"dialect = {self.dialect!r}: expected one of {', '.join(DIALECTS)}")
            self.dialect = dialect
        if self.seed_rows < 1:
            raise ConfigError(f"seed_rows = {self.seed_rows}: expected at least 1")
        if self.git_changes is not None:
            from mrt.git import GitChanges

            if not isinstance(self.git_changes, GitChanges):
                raise ConfigError("git_changes is set by `mrt check --base-ref REF`, not in the configuration")
        if self.migration_name_pattern is not None:
            try:
                re.compile(self.migration_name_pattern)
            except re.error as exc:
                raise ConfigError(f"migration_name_pattern = {self.migration_name_pattern!r}: {exc}") from exc

    # -- merging -----------------------------------------------------------------------------

    def merged(self, overrides: Mapping[str, Any]) -> MRTConfig:
        """A copy with `overrides` applied on top (keys are field names; unknown keys are an error)."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(unknown)}")
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        values.update(overrides)
        merged = MRTConfig(**values)
        merged.explicit = self.explicit | frozenset(overrides)  # type: ignore[attr-defined]
        return merged

    def explicit_values(self) -> dict[str, Any]:
        """The fields the user passed to the constructor (or that a merge set)."""
        return {name: getattr(self, name) for name in self.explicit}  # type: ignore[attr-defined]

    # -- queries used by the analyzer ------------------------------------------------------------

    def ignored_for_path(self, path: str) -> frozenset[str]:
        """Codes ignored for `path` by `per_file_ignores` (glob patterns, relative to the root)."""
        if not self.per_file_ignores:
            return frozenset()
        codes: set[str] = set()
        rel = _relative(path, self.root)
        for pattern, pattern_codes in self.per_file_ignores.items():
            if fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(path, pattern):
                codes.update(pattern_codes)
        return frozenset(codes)


_init = MRTConfig.__init__


def _recording_init(self: MRTConfig, *args: Any, **kwargs: Any) -> None:
    _init(self, *args, **kwargs)
    names = [f.name for f in dataclasses.fields(MRTConfig)]
    self.explicit = frozenset(names[: len(args)]) | frozenset(kwargs)  # type: ignore[attr-defined]


MRTConfig.__init__ = _recording_init  # type: ignore[method-assign]


def _relative(path: str, root: str | None) -> str:
    if not root:
        return path
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return path


# -- pyproject.toml -------------------------------------------------------------------------------

_LIST_KEYS = ("select", "ignore", "extend_select", "django_apps")


def find_pyproject(start: str | Path) -> Path | None:
    """The nearest pyproject.toml at or above `start` (a file or a directory)."""
    here = Path(start).resolve()
    if here.is_file():
        here = here.parent
    for directory in (here, *here.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; unreadable or invalid files raise `ConfigError` naming the file."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})") from exc


def read_pyproject_table(path: Path) -> dict[str, Any]:
    """The `[tool.mrt]` table with keys normalised to field names; errors name the file."""
    table = load_toml(path).get("tool", {}).get("mrt", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.mrt] must be a table")
    values = {key.replace("-", "_"): value for key, value in table.items()}
    # Friendly spellings from the docs.
    if "severity" in values:
        values["severity_overrides"] = values.pop("severity")
    if "version" in values:
        values["dialect_version"] = str(values.pop("version"))
    if "dialect_version" in values:
        values["dialect_version"] = str(values["dialect_version"])
    for key in _LIST_KEYS:
        if isinstance(values.get(key), str):
            values[key] = [values[key]]
    return values


def load_config(
    start: str | Path = ".",
    *,
    base: MRTConfig | None = None,
    overrides: Mapping[str, Any] | None = None,
    pyproject: Path | None = None,
) -> MRTConfig:
    """Apply the documented merge order: defaults < [tool.mrt] < `base`'s explicit fields < overrides."""
    path = pyproject or find_pyproject(start)
    config = MRTConfig()
    if path is not None:
        table = read_pyproject_table(path)
        table.setdefault("root", str(path.parent))
        try:
            config = config.merged(table)
        except (ConfigError, TypeError) as exc:
            raise ConfigError(f"{path}: [tool.mrt]: {exc}") from exc
    if base is not None:
        config = config.merged(base.explicit_values())
    if overrides:
        config = config.merged({k: v for k, v in overrides.items() if v is not None})
    return config


def code_matches(code: str, selectors: Iterable[str]) -> bool:
    """True when `code` is named by any selector: a full code, a prefix (`MRT2`), or `ALL`."""
    return any(sel == "ALL" or code.startswith(sel.upper()) for sel in selectors)
