"""The dynamic verifier: seed a disposable database, upgrade, downgrade, and prove nothing was lost.

Usable without pytest::

    from mrt.config import MRTConfig
    from mrt.verify import AlembicRunner

    with AlembicRunner(MRTConfig(alembic_ini="alembic.ini", db_url="sqlite:///test.db")) as runner:
        for result in runner.check_all():
            print(result.revision, result.label, result.failure_summary())

Importing this package is cheap; SQLAlchemy and Alembic load when a runner is created.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mrt.verify.errors import UnsafeDatabaseError, VerifyError
    from mrt.verify.result import RevisionResult
    from mrt.verify.runner import AlembicRunner, MigrationFailed

_EXPORTS = {
    "AlembicRunner": "mrt.verify.runner",
    "MigrationFailed": "mrt.verify.runner",
    "RevisionResult": "mrt.verify.result",
    "UnsafeDatabaseError": "mrt.verify.errors",
    "VerifyError": "mrt.verify.errors",
}

__all__ = ["AlembicRunner", "MigrationFailed", "RevisionResult", "UnsafeDatabaseError", "VerifyError"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mrt.verify' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
