"""Django models without a table of their own: deleting one drops nothing.

A proxy model (`options={"proxy": True}`) or an unmanaged one (`"managed": False`) gets no table from its
`CreateModel`, and its `DeleteModel` runs no SQL. One file cannot tell: the options sit in the migration that
created the model, the deletion comes years later (netbox, wagtail). So the per-file rules report such a
`DeleteModel` like any table drop (MRT202, MRT703, ...), and the batch run takes those findings back once it
has read the app's history: `tableless_facts` is what each file declares, `drop_tableless_deletions` the
correction, made before the project rules and the report.

The app's migrations are read in discovery order, which is their numbering; a model made unmanaged later by
`AlterModelOptions` is not followed (the reader does not read that operation).
"""

from __future__ import annotations

import os

from mrt.findings import RiskWarning
from mrt.model.migration import DJANGO, MigrationAST
from mrt.model.ops import UPGRADE, Kind
from mrt.rules.registry import file_facts

# ("create", model, tableless) for a CreateModel; ("delete", model, table, first line, last line) for a DeleteModel.
Event = tuple[object, ...]
_NOTHING: tuple[Event, ...] = ()


def tableless_facts(m: MigrationAST) -> tuple[Event, ...]:
    """The models migration `m` creates (with or without a table) and deletes, in operation order."""
    if m.framework != DJANGO:
        return _NOTHING
    events: list[Event] = []
    for op in m.ops:
        if op.side != UPGRADE or op.origin != "django" or not op.name:
            continue
        if op.kind == Kind.CREATE_TABLE and op.call.endswith("CreateModel"):
            events.append(("create", op.name.lower(), bool(op.args.get("no_table"))))
        elif op.kind == Kind.DROP_TABLE and op.call.endswith("DeleteModel"):
            events.append(("delete", op.name.lower(), op.table, op.span.line, op.span.end_line))
    return tuple(events) if events else _NOTHING


def drop_tableless_deletions(migrations: list[MigrationAST], findings: list[RiskWarning]) -> list[RiskWarning]:
    """`findings` without those located on the `DeleteModel` of a model its app created without a table."""
    tableless: dict[tuple[str | None, str], bool] = {}
    phantom: dict[str, list[tuple[str | None, int, int]]] = {}  # absolute path -> (table, lines) dropping nothing
    for m in migrations:
        for event in file_facts(m, tableless_facts):
            if event[0] == "create":
                tableless[(m.app, event[1])] = bool(event[2])  # type: ignore[index]
            elif tableless.get((m.app, event[1])):  # type: ignore[index]
                _, _, table, first, last = event
                phantom.setdefault(os.path.abspath(m.path), []).append((table, first, last))  # type: ignore[arg-type]
    if not phantom:
        return findings
    return [f for f in findings if not _on_phantom(f, phantom.get(f.path or ""))]


def _on_phantom(finding: RiskWarning, deletions: list[tuple[str | None, int, int]] | None) -> bool:
    return bool(deletions) and any(
        finding.table == table and first <= (finding.line or 0) <= last
        for table, first, last in deletions  # type: ignore[union-attr]
    )
