"""Editor settings: what the client sends as `mrt` in initializationOptions and workspace/configuration.

Project rules (select, ignore, per-rule severity, dialect, explain_model, db_url) stay in `[tool.mrt]`
so that CI and the editor agree; these settings only say how the editor behaves. Keys are camelCase in
JSON (the VS Code convention) and may be nested (`{"codeActions": {"fix": false}}`) or dotted
(`{"codeActions.fix": false}`). Unknown keys and bad values are reported once in the log and ignored,
so a typo never stops diagnostics.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

ON_TYPE = "onType"
ON_SAVE = "onSave"
EDITOR_SEVERITIES = ("error", "warning", "information", "hint")


@dataclass(frozen=True)
class Settings:
    enable: bool = True
    run: str = ON_TYPE  # onType: analyse while typing (debounced); onSave: only on open and save
    debounce_ms: int = 300
    # Severity for findings whose rule has no `[tool.mrt] severity` entry; None keeps the rule's own.
    severity_default: str | None = None
    fix: bool = True  # rule fixes ("Generate downgrade()", "Add reverse_code=...")
    disable_for_line: bool = True
    disable_for_file: bool = True
    fix_all: bool = True  # source.fixAll.mrt
    explain_provider: str = "static"  # static | claude
    explain_model: str | None = None  # None: `[tool.mrt] explain_model`
    explain_timeout_ms: int = 1500  # how long a hover waits for Claude before showing the fallback
    max_analysis_seconds: float = 5.0
    verify_database_url: str | None = None  # None: `[tool.mrt] db_url`
    problems: tuple[str, ...] = field(default=(), compare=False)  # what was wrong with the input


# JSON key (flattened, camelCase) -> field name, with the type each value must have.
_KEYS: dict[str, tuple[str, type | tuple[type, ...]]] = {
    "enable": ("enable", bool),
    "run": ("run", str),
    "debounceMs": ("debounce_ms", int),
    "severity.default": ("severity_default", (str, type(None))),
    "codeActions.fix": ("fix", bool),
    "codeActions.disableForLine": ("disable_for_line", bool),
    "codeActions.disableForFile": ("disable_for_file", bool),
    "codeActions.fixAll": ("fix_all", bool),
    "explain.provider": ("explain_provider", str),
    "explain.model": ("explain_model", (str, type(None))),
    "explain.timeoutMs": ("explain_timeout_ms", int),
    "maxAnalysisSeconds": ("max_analysis_seconds", (int, float)),
    "verify.databaseUrl": ("verify_database_url", (str, type(None))),
}
_CHOICES = {
    "run": (ON_TYPE, ON_SAVE),
    "severity_default": (*EDITOR_SEVERITIES, None),
    "explain_provider": ("static", "claude"),
}


def setting_keys() -> tuple[str, ...]:
    """Every accepted key, dotted (what an editor extension should declare)."""
    return tuple(_KEYS)


def parse_settings(raw: Any, base: Settings | None = None) -> Settings:
    """Settings from a client payload: `{"mrt": {...}}` or the `mrt` section itself, on top of `base`."""
    settings = base or Settings()
    if not isinstance(raw, Mapping):
        return settings
    if isinstance(raw.get("mrt"), Mapping):
        raw = raw["mrt"]
    values: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in _flatten(raw).items():
        known = _KEYS.get(key)
        if known is None:
            problems.append(f"unknown setting mrt.{key}")
            continue
        name, expected = known
        valid = isinstance(value, expected) and not (expected is int and isinstance(value, bool))
        if not valid or value not in _CHOICES.get(name, (value,)):
            problems.append(f"mrt.{key} = {value!r} is not valid; keeping {getattr(settings, name)!r}")
            continue
        values[name] = value
    return replace(settings, **values, problems=tuple(problems))


def _flatten(raw: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in raw.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and dotted not in _KEYS:
            flat.update(_flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def as_json(settings: Settings) -> dict[str, Any]:
    """The settings in the client's spelling (for logs and the editor extensions' contract test)."""
    names = {f.name for f in fields(Settings)}
    return {key: getattr(settings, name) for key, (name, _) in _KEYS.items() if name in names}
