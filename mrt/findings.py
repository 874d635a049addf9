"""What the analyzer reports: one `RiskWarning` per problem, with everything a face needs.

`RiskWarning` keeps pytest-mrt's public fields (revision, file, pattern, message, severity, line,
code) so that `custom_checks` written for pytest-mrt keep working, and adds what editors and CI
formats need: a category, an exact range, related locations and fix edits. The CLI, the language
server and the pytest plugin all render this one type.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from operator import attrgetter

ERROR = "error"
WARNING = "warning"
SEVERITIES = (ERROR, WARNING)


@dataclass(frozen=True, slots=True)
class TextEdit:
    """Replace the text between two 1-based line / 0-based column positions with `new_text`."""

    line: int
    column: int
    end_line: int
    end_column: int
    new_text: str

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled as its constructor's arguments, like `RiskWarning`: a frozen slotted dataclass otherwise
        pickles through `dataclasses.fields()` for every object, and workers send back every fix of a batch."""
        return (TextEdit, (self.line, self.column, self.end_line, self.end_column, self.new_text))


@dataclass(frozen=True, slots=True)
class Fix:
    """A named set of edits that resolves a finding (rendered as a code action or `--fix` later)."""

    title: str
    edits: tuple[TextEdit, ...]

    def __reduce__(self) -> tuple[object, ...]:
        return (Fix, (self.title, self.edits))  # see `TextEdit.__reduce__`


@dataclass(frozen=True, slots=True)
class Related:
    """Another place that explains a finding, e.g. the upgrade operation a downgrade fails to undo."""

    line: int
    message: str
    column: int = 0
    file: str | None = None

    def __reduce__(self) -> tuple[object, ...]:
        return (Related, (self.line, self.message, self.column, self.file))  # see `TextEdit.__reduce__`


@dataclass(slots=True)
class RiskWarning:
    """One finding. Field order keeps pytest-mrt's positional constructor working."""

    revision: str
    file: str
    pattern: str
    message: str
    severity: str
    line: int | None = None
    code: str = ""
    category: str = ""
    column: int = 0
    end_line: int | None = None
    end_column: int | None = None
    table: str | None = None
    column_name: str | None = None
    app: str | None = None
    related: tuple[Related, ...] = ()
    fixes: tuple[Fix, ...] = ()
    path: str = field(default="", repr=False)

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled as its constructor's arguments (see `MigrationAST.__reduce__`): `mrt.workers` sends every
        finding of a large history back to the parent."""
        return (RiskWarning, _init_args(self))

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path or self.file, self.line or 0, self.column, self.code)


_init_args = attrgetter(*(f.name for f in fields(RiskWarning)))
