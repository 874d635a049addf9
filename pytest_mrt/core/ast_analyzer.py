"""`from pytest_mrt.core.ast_analyzer import MigrationAST` (pytest-mrt's documented import path)."""

from mrt.model.migration import MigrationAST

__all__ = ["MigrationAST"]
