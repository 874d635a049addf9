"""In-file suppressions: `# noqa`, `# noqa: MRT201`, `# mrt: ignore[MRT201] -- reason`, `# mrt: ignore-file[...]`.

pytest-mrt's forms keep working (users switch without touching their files). A comment silences a
finding when it sits on any line of the finding's statement, so a `# noqa` on the closing line of a
multi-line call counts. Comments are found with `tokenize`, so a `# noqa` inside a string is not a
suppression; files without "noqa"/"mrt:" are not tokenized at all.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import Any

ALL = "*"

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
_MRT = re.compile(
    r"#\s*mrt:\s*(?P<kind>ignore-file|ignore)(?:\[(?P<codes>[^\]]*)\])?(?:\s*--\s*(?P<reason>.*))?",
    re.IGNORECASE,
)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)


@dataclass(slots=True)
class Directive:
    """One suppression comment: where it is, what it names (or ALL), and whether it was used."""

    line: int
    column: int
    end_column: int
    codes: frozenset[str]
    file_level: bool
    text: str
    used: set[str] = field(default_factory=set)


@dataclass(slots=True)
class Suppressions:
    by_line: dict[int, list[Directive]] = field(default_factory=dict)
    file_level: list[Directive] = field(default_factory=list)

    def matches(self, code: str, aliases: tuple[str, ...], first_line: int, last_line: int) -> Directive | None:
        """The directive that silences `code` for a finding spanning the given lines, if any."""
        names = (code, *aliases)
        for directive in self.file_level:
            if _names(directive, names):
                _mark_used(directive, code, names)
                return directive
        for line in range(first_line, last_line + 1):
            for directive in self.by_line.get(line, ()):
                if _names(directive, names):
                    _mark_used(directive, code, names)
                    return directive
        return None

    def all(self) -> list[Directive]:
        return [d for ds in self.by_line.values() for d in ds] + self.file_level

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled (by `mrt.workers`) as itself, and the shared empty set as the shared empty set."""
        if self is NO_SUPPRESSIONS:
            return (_no_suppressions, ())
        return (Suppressions, (self.by_line, self.file_level))


NO_SUPPRESSIONS = Suppressions()  # never added to: `matches` and `all` only read


def _no_suppressions() -> Suppressions:
    return NO_SUPPRESSIONS


def _names(directive: Directive, codes: tuple[str, ...]) -> bool:
    return ALL in directive.codes or any(code in directive.codes for code in codes)


def _mark_used(directive: Directive, code: str, names: tuple[str, ...]) -> None:
    """Record the rule's code, and each name the comment gave it by (a pytest-mrt alias such as MRT209, the code
    a finding stands for): the unused-suppression check asks about the names the comment wrote."""
    directive.used.add(code)
    directive.used.update(name for name in names if name in directive.codes)


def parse_suppressions(source: str) -> Suppressions:
    lowered = source.lower()
    if "noqa" not in lowered and "mrt:" not in lowered:
        return NO_SUPPRESSIONS  # most files: one shared empty answer, not an object per file of a batch
    found = Suppressions()
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return found  # the file has a syntax error; MRT902 is reported and nothing else
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        directive = _directive(token.string, token.start[0], token.start[1])
        if directive is None:
            continue
        if directive.file_level:
            found.file_level.append(directive)
        else:
            found.by_line.setdefault(directive.line, []).append(directive)
    return found


def _directive(comment: str, line: int, column: int) -> Directive | None:
    match = _MRT.search(comment)
    if match:
        codes = frozenset(c.upper() for c in _CODE.findall(match.group("codes") or "")) or frozenset({ALL})
        return Directive(
            line=line,
            column=column + match.start(),
            end_column=column + match.end(),
            codes=codes,
            file_level=match.group("kind").lower() == "ignore-file",
            text=match.group(0),
        )
    match = _NOQA.search(comment)
    if match:
        codes = frozenset(c.upper() for c in _CODE.findall(match.group("codes") or "")) or frozenset({ALL})
        return Directive(
            line=line,
            column=column + match.start(),
            end_column=column + match.end(),
            codes=codes,
            file_level=False,
            text=match.group(0),
        )
    return None
