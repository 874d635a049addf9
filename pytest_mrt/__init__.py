"""pytest-mrt compatibility: `from pytest_mrt import MRTConfig` keeps working after switching to mrt."""

from mrt.config import MRTConfig
from mrt.findings import RiskWarning
from mrt.model.migration import MigrationAST

__all__ = ["MRTConfig", "MigrationAST", "RiskWarning"]
