"""`MigrationAST`: one parsed migration file, framework-neutral.

The name is the spec's (pytest-mrt's `custom_checks` receive a `MigrationAST`), and so are
`revision`, `filename` and `source`. Everything else is the model the rules read: header facts
(parents, branch labels, Django dependencies, `replaces`, `atomic`) and the operation list.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from operator import attrgetter

from mrt.model.ops import DOWNGRADE, UPGRADE, Operation, Span

ALEMBIC = "alembic"
DJANGO = "django"
UNKNOWN_FRAMEWORK = "unknown"

# How a downgrade is written: missing, a body that does nothing, one that only raises, or real code.
DOWNGRADE_MISSING = "missing"
DOWNGRADE_EMPTY = "empty"
DOWNGRADE_RAISES = "raises"
DOWNGRADE_BODY = "body"


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    message: str
    line: int
    column: int = 0


@dataclass(slots=True)
class MigrationAST:
    """A migration file as the rules see it. Built by `mrt.model.parse_migration`, never by importing."""

    path: str
    source: str
    framework: str = UNKNOWN_FRAMEWORK
    revision: str = ""
    down_revisions: tuple[str, ...] = ()
    branch_labels: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    # Django
    app: str | None = None
    dependencies: tuple[tuple[str, str], ...] = ()
    replaces: tuple[tuple[str, str], ...] = ()
    atomic: bool = True
    initial: bool = False
    operations_readable: bool = True
    # Both
    ops: list[Operation] = field(default_factory=list)
    upgrade_span: Span | None = None
    downgrade_span: Span | None = None
    upgrade_shape: str = DOWNGRADE_BODY
    downgrade_shape: str = DOWNGRADE_MISSING
    header_span: Span | None = None
    syntax_error: SyntaxProblem | None = None
    helpers_called: tuple[str, ...] = ()
    # Facts derived once and shared by the rules (e.g. the indexed downgrade); not part of the model.
    derived: dict[str, object] = field(default_factory=dict, repr=False, compare=False)
    _name: str = field(default="", init=False, repr=False, compare=False)

    @property
    def filename(self) -> str:
        return os.path.basename(self.path)

    @property
    def name(self) -> str:
        """Django's migration name (file stem); for Alembic the stem as well.

        Computed once: graph building, labels and the Django field history ask for it many times per file.
        """
        if not self._name:
            self._name = os.path.splitext(os.path.basename(self.path))[0]
        return self._name

    @property
    def is_migration(self) -> bool:
        return self.framework != UNKNOWN_FRAMEWORK

    @property
    def is_merge(self) -> bool:
        return len(self.down_revisions) > 1

    @property
    def label(self) -> str:
        """The id users name a migration by: the Alembic revision, or `app.name` for Django."""
        if self.framework == DJANGO:
            return f"{self.app}.{self.name}" if self.app else self.name
        return self.revision or self.name

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled (by `mrt.workers`, for every file of a large history) as its constructor's arguments: a slots
        dataclass otherwise pickles through Python-level `__getstate__`/`__setstate__` that walk `fields()`."""
        return (MigrationAST, _init_args(self))

    def upgrade_ops(self) -> list[Operation]:
        return [op for op in self.ops if op.side == UPGRADE]

    def downgrade_ops(self) -> list[Operation]:
        return [op for op in self.ops if op.side == DOWNGRADE]


_init_args = attrgetter(*(f.name for f in fields(MigrationAST) if f.init))
