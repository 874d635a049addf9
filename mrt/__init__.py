"""mrt: what a migration does to your data and uptime, and whether rolling it back is safe.

The public API is imported lazily so that `import mrt` (and a static `mrt check`) stays cheap:
nothing here pulls in SQLAlchemy, Alembic, Django or Anthropic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from mrt.analyzer import analyze_paths, analyze_source
    from mrt.config import MRTConfig, load_config
    from mrt.findings import RiskWarning
    from mrt.model.migration import MigrationAST

_EXPORTS = {
    "analyze_source": "mrt.analyzer",
    "analyze_paths": "mrt.analyzer",
    "MRTConfig": "mrt.config",
    "load_config": "mrt.config",
    "RiskWarning": "mrt.findings",
    "MigrationAST": "mrt.model.migration",
}

__all__ = ["MRTConfig", "MigrationAST", "RiskWarning", "__version__", "analyze_paths", "analyze_source", "load_config"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mrt' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
