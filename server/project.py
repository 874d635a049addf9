"""`[tool.mrt]` for each document: the nearest pyproject.toml, loaded once and reloaded when it changes.

The editor must report exactly what `mrt check` reports, so the server reads the same file with the
same loader (`mrt.config.load_config`). A broken pyproject.toml must not silence the editor: the
error is logged once and the defaults are used until the file is fixed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from mrt.config import ConfigError, MRTConfig, find_pyproject, load_config


class ProjectConfigs:
    def __init__(self, log: Callable[[str], None]) -> None:
        self._log = log
        self._pyproject_of: dict[Path, Path | None] = {}
        self._configs: dict[Path | None, MRTConfig] = {}

    def for_path(self, path: str | None, fallback_dir: str | None) -> MRTConfig:
        """The project settings that apply to the file at `path` (or to an untitled buffer)."""
        directory = Path(path).parent if path else Path(fallback_dir or ".")
        if directory not in self._pyproject_of:
            self._pyproject_of[directory] = find_pyproject(directory) if directory.exists() else None
        pyproject = self._pyproject_of[directory]
        config = self._configs.get(pyproject)
        if config is None:
            config = self._load(directory, pyproject)
            self._configs[pyproject] = config
        return config

    def _load(self, directory: Path, pyproject: Path | None) -> MRTConfig:
        if pyproject is None:
            return MRTConfig()
        try:
            return load_config(directory, pyproject=pyproject)
        except ConfigError as exc:
            self._log(f"mrt: ignoring [tool.mrt] until it is fixed: {exc}")
            return MRTConfig()

    def reload(self) -> None:
        """Forget every loaded file (a pyproject.toml was created, changed or deleted)."""
        self._pyproject_of.clear()
        self._configs.clear()
