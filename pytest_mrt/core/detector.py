"""`from pytest_mrt.core.detector import RiskWarning` (pytest-mrt's documented import path)."""

from mrt.findings import RiskWarning

__all__ = ["RiskWarning"]
