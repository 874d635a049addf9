"""pytest-mrt compatibility: `from pytest_mrt import MRTConfig` keeps working after switching to mrt.

The fixture and result types resolve lazily, so importing this package in a conftest stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mrt.config import MRTConfig
from mrt.findings import RiskWarning
from mrt.model.migration import MigrationAST

if TYPE_CHECKING:
    from mrt.pytest_plugin import MRTFixture
    from mrt.verify.result import RevisionResult

_LAZY = {"MRTFixture": "mrt.pytest_plugin", "RevisionResult": "mrt.verify.result"}

__all__ = ["MRTConfig", "MRTFixture", "MigrationAST", "RevisionResult", "RiskWarning"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pytest_mrt' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
