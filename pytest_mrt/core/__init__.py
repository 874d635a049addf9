"""pytest-mrt's module layout, kept so that `custom_checks` imports work unchanged."""
