"""The migration steps a walk over the history hands to Alembic, without a walk over the history each.

Before Alembic records a downgrade in its version table, it asks whether the step removes a branch
(`RevisionStep.should_delete_branch`). For a revision with a down revision, that is whether
`_unmerge_to_revisions` comes back empty, and Alembic finds out by collecting every ancestor of the
revision's down revisions: a walk from the revision to base on every downgrade, so a check of n
revisions cost O(n²) in Alembic's revision map (a tenth of mrt's client time at 300 revisions,
growing with the history).

Where the database's only head is the revision being downgraded and it has a single down revision
(every step of a linear history), the answer needs no walk: the ancestors of that down revision, the
down revision itself excluded, cannot include it (the history is acyclic), so what remains is that
down revision. Every other case (branches, merges, dependencies) is left to Alembic's own code.

`_unmerge_to_revisions` is Alembic's private method: when an Alembic release no longer has it with this
signature, the steps are Alembic's own again (slower, never wrong).
"""

from __future__ import annotations

import inspect
from typing import Any

from alembic.runtime.migration import RevisionStep


class _Step(RevisionStep):
    """A RevisionStep that knows the one-head, one-parent answer of `_unmerge_to_revisions`."""

    def _unmerge_to_revisions(self, heads: set[str]) -> tuple[str, ...]:
        to_revisions = self.to_revisions
        if not self.is_upgrade and len(to_revisions) == 1 and set(heads) <= {self.revision.revision}:
            return tuple(to_revisions)
        return super()._unmerge_to_revisions(heads)


def _overridable(cls: type[RevisionStep] = RevisionStep) -> bool:
    """Does this Alembic's RevisionStep have `_unmerge_to_revisions(self, heads)`, the method `_Step` replaces?"""
    method = getattr(cls, "_unmerge_to_revisions", None)
    try:
        return method is not None and list(inspect.signature(method).parameters) == ["self", "heads"]
    except (TypeError, ValueError):
        return False


_STEP: type[RevisionStep] = _Step if _overridable() else RevisionStep


def upgrade_step(revision_map: Any, script: Any) -> RevisionStep:
    """The step that upgrades to `script` (Alembic's `MigrationStep.upgrade_from_script`)."""
    return _STEP(revision_map, script, True)


def downgrade_step(revision_map: Any, script: Any) -> RevisionStep:
    """The step that downgrades `script` (Alembic's `MigrationStep.downgrade_from_script`)."""
    return _STEP(revision_map, script, False)
