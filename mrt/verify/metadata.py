"""SQLAlchemy model metadata for schema-drift checks: load it from "module:attr", compare, and find
tables defined in model modules that nothing imports.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from typing import Any

from mrt.verify.errors import VerifyError


def load_metadata(target: Any, search_path: str | None = None) -> Any:
    """A MetaData from a MetaData, a declarative Base, or an import path like "myapp.models:Base"."""
    if isinstance(target, str):
        module_name, _, attr = target.partition(":")
        if search_path and search_path not in sys.path:
            sys.path.insert(0, search_path)
        try:
            obj: Any = importlib.import_module(module_name)
        except ImportError as exc:
            raise VerifyError(f"target_metadata {target!r}: cannot import {module_name!r} ({exc})") from None
        for part in filter(None, attr.split(".")):
            try:
                obj = getattr(obj, part)
            except AttributeError:
                raise VerifyError(f"target_metadata {target!r}: {module_name} has no {attr!r}") from None
        target = obj
    metadata = getattr(target, "metadata", target)
    if not hasattr(metadata, "tables"):
        raise VerifyError(f"target_metadata: {target!r} is neither a MetaData nor a declarative Base")
    return metadata


def schema_differences(connection: Any, metadata: Any, version_table: str = "alembic_version") -> list[str]:
    """Alembic's autogenerate comparison between the live schema and the models, one line per change."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        return not (type_ == "table" and name == version_table)

    context = MigrationContext.configure(connection, opts={"include_object": include, "compare_type": True})
    return [_describe(diff) for diff in compare_metadata(context, metadata)]


def _describe(diff: Any) -> str:
    if isinstance(diff, list):  # column modifications come grouped
        return "; ".join(_describe(d) for d in diff)
    kind, *rest = diff
    names = []
    for item in rest:
        name = getattr(item, "name", None)
        if name is not None:
            table = getattr(getattr(item, "table", None), "name", None)
            names.append(f"{table}.{name}" if table and table != name else str(name))
        elif isinstance(item, str):
            names.append(item)
    return f"{kind.replace('_', ' ')}: {', '.join(names) if names else rest!r}"


def unregistered_tables(target: str, search_path: str | None = None) -> tuple[str, list[str]]:
    """Tables that appear on the metadata only after importing every module of the models package.

    Returns (package, missing table names). A table that appears late is defined in a module nothing
    imports, so `alembic revision --autogenerate` would not see it.
    """
    module_name = target.partition(":")[0]
    metadata = load_metadata(target, search_path)
    before = set(metadata.tables)
    module = sys.modules[module_name]
    package_name = module_name if hasattr(module, "__path__") else module_name.rpartition(".")[0]
    if not package_name:
        return module_name, []
    package = importlib.import_module(package_name)
    for info in pkgutil.walk_packages(list(getattr(package, "__path__", [])), prefix=f"{package_name}."):
        try:
            importlib.import_module(info.name)
        except Exception as exc:
            raise VerifyError(f"cannot import {info.name} while looking for models: {exc}") from None
    return package_name, sorted(set(metadata.tables) - before)
