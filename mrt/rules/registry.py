"""The rule catalog: one registry that the CLI, the language server, the docs and pytest all read.

A rule is a code, a pattern name, a category, a default severity, its documentation (what it finds /
why it is risky / the safe alternative / an example) and a check function over one `MigrationAST`.
The documentation lives with the rule, in the rule's own module, and is rendered from here into
`docs/rules/<CODE>.md`, `mrt rule CODE` and editor hovers.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import TypeVar

from mrt.config import MRTConfig
from mrt.findings import ERROR, WARNING, Fix, Related
from mrt.model.migration import ALEMBIC, DJANGO, MigrationAST
from mrt.model.ops import Operation, Span

# Categories, in the order the catalog lists them.
REVERSIBILITY = "reversibility"
DATA_LOSS = "data-loss"
ASYMMETRY = "asymmetry"
LOCKS = "locks"
LEFTOVERS = "leftovers"
SQUASH = "squash"
ROLLING_DEPLOY = "rolling-deploy"
RAW_SQL = "raw-sql"
GRAPH = "graph"
PARSING = "parsing"
HYGIENE = "hygiene"  # choices that cost later: column types, migration names, live imports

BOTH = frozenset({ALEMBIC, DJANGO})
ALEMBIC_ONLY = frozenset({ALEMBIC})
DJANGO_ONLY = frozenset({DJANGO})

# Family modules, imported on first use of the registry.
_FAMILIES = (
    "mrt.rules.reversibility",
    "mrt.rules.data_loss",
    "mrt.rules.asymmetry",
    "mrt.rules.leftovers",
    "mrt.rules.squash",
    "mrt.rules.parsing",
    "mrt.rules.locks",
    "mrt.rules.rewrites",
    "mrt.rules.graph",
    "mrt.rules.rolling_deploy",
    "mrt.rules.raw_sql",
    "mrt.rules.types",
    "mrt.rules.foreign_keys",
    "mrt.rules.rerun",
    "mrt.rules.django_code",
)

DOCS_BASE_URL = "https://github.com/mrt-tools/mrt/blob/main/docs/rules/"


@dataclass(frozen=True, slots=True)
class Hit:
    """What a check reports; the analyzer turns it into a `RiskWarning`."""

    message: str
    span: Span | None
    table: str | None = None
    column: str | None = None
    related: tuple[Related, ...] = ()
    fixes: tuple[Fix, ...] = ()
    # Codes of the findings this one is reported instead of (MRT710 for MRT701/702/703): a suppression of one
    # of them silences it too, so an accepted drop stays accepted when `--base-ref` hands it to another rule.
    stands_for: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RuleDocs:
    what: str
    why: str
    instead: str
    example: str
    fixed: str = ""
    notes: str = ""


T = TypeVar("T")
Check = Callable[[MigrationAST, MRTConfig], Iterable[Hit]]
# A project rule reads every migration at once (revision graphs) and says which file each hit belongs to.
ProjectCheck = Callable[[list[MigrationAST], MRTConfig], Iterable[tuple[MigrationAST, Hit]]]


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    name: str
    category: str
    severity: str
    summary: str
    docs: RuleDocs
    check: Check
    frameworks: frozenset[str] = BOTH
    needs_downgrade: bool = False  # meaningless in a project that declares `downgrades = false`
    # Compares the upgrade with the downgrade: silent when an Alembic downgrade is missing, empty or only
    # raises, because MRT101/102/109 already report that once.
    compares_downgrade: bool = False
    default_enabled: bool = True
    aliases: tuple[str, ...] = ()  # pytest-mrt codes folded into this rule (suppressions keep working)
    project_check: ProjectCheck | None = None  # set by @project_rule; run once per analyze_paths call
    # The operation kinds the check reads: a migration with none of them cannot give a hit, so the
    # analyzer does not call the check (most files touch a few kinds; the catalog asks about dozens).
    # None: the check looks at more than operations of given kinds (shapes, SQL flags, every op).
    kinds: frozenset[str] | None = None
    # A project rule that needs more of each file than its header: what it keeps of one migration,
    # computed while the model is whole (a batch run releases each file's operations after its own
    # rules ran). The check reads it back with `file_facts(migration, function)`.
    file_facts: Callable[[MigrationAST], object] | None = None

    @property
    def reads_one_file(self) -> bool:
        """Whether the rule has a per-file check (a `project_rule` has only the history pass)."""
        return self.check is not _no_file_check

    @property
    def url(self) -> str:
        return f"{DOCS_BASE_URL}{self.code}.md"


_RULES: dict[str, Rule] = {}
_ALIASES: dict[str, str] = {}
_loaded = False
_generation = 0  # bumped on every registration, so caches of "the enabled rules" notice changes


def rule(
    *,
    code: str,
    name: str,
    category: str,
    severity: str,
    summary: str,
    docs: RuleDocs,
    frameworks: frozenset[str] = BOTH,
    needs_downgrade: bool = False,
    compares_downgrade: bool = False,
    default_enabled: bool = True,
    aliases: tuple[str, ...] = (),
    kinds: Iterable[str] | None = None,
) -> Callable[[Check], Check]:
    """Register the decorated check function as rule `code`.

    `kinds`: see `Rule.kinds`; declare it only when every hit comes from an operation of those kinds
    (tests/rules/test_rule_kinds.py checks that on generated and fuzzed migrations).
    """
    if severity not in (ERROR, WARNING):
        raise ValueError(f"{code}: severity must be error or warning")

    def register(check: Check) -> Check:
        if code in _RULES or code in _ALIASES:
            raise ValueError(f"rule code {code} registered twice")
        _RULES[code] = Rule(
            code=code,
            name=name,
            category=category,
            severity=severity,
            summary=summary,
            docs=docs,
            check=check,
            frameworks=frameworks,
            needs_downgrade=needs_downgrade or compares_downgrade,
            compares_downgrade=compares_downgrade,
            default_enabled=default_enabled,
            aliases=aliases,
            kinds=frozenset(kinds) if kinds is not None else None,
        )
        for alias in aliases:
            _ALIASES[alias] = code
        global _generation
        _generation += 1
        return check

    return register


def project_rule(
    *,
    code: str,
    name: str,
    category: str,
    severity: str,
    summary: str,
    docs: RuleDocs,
    frameworks: frozenset[str] = BOTH,
    default_enabled: bool = True,
    aliases: tuple[str, ...] = (),
    facts: Callable[[MigrationAST], object] | None = None,
) -> Callable[[ProjectCheck], ProjectCheck]:
    """Register a rule over all migrations at once (revision graphs need every file).

    `mrt.analyzer.analyze_paths` runs it once after the per-file pass; on a single buffer
    (`analyze_source`) it reports nothing, because one file cannot show a graph. A rule that reads
    operations, not only headers, names the function that extracts what it needs of one file
    (`facts`) and reads it with `file_facts`.
    """

    def register(check: ProjectCheck) -> ProjectCheck:
        rule(
            code=code,
            name=name,
            category=category,
            severity=severity,
            summary=summary,
            docs=docs,
            frameworks=frameworks,
            default_enabled=default_enabled,
            aliases=aliases,
        )(_no_file_check)
        _RULES[code] = replace(_RULES[code], project_check=check, file_facts=facts)
        return check

    return register


_FACT_KEYS: dict[Callable[[MigrationAST], object], str] = {}


def file_facts(migration: MigrationAST, facts: Callable[[MigrationAST], T]) -> T:
    """`facts(migration)`, computed once: kept from the per-file pass of a batch run (whose models
    are released afterwards), or computed now from a whole model (the language server's history)."""
    key = _FACT_KEYS.get(facts)
    if key is None:  # one key string per extractor, not one per file: a batch keeps it for every file
        key = _FACT_KEYS[facts] = f"facts:{facts.__module__}.{facts.__qualname__}"
    if key not in migration.derived:
        migration.derived[key] = facts(migration)
    return migration.derived[key]  # type: ignore[return-value]


def history_check(
    code: str, *, facts: Callable[[MigrationAST], object] | None = None
) -> Callable[[ProjectCheck], ProjectCheck]:
    """Give per-file rule `code` a second pass over the whole history, for the cases one file cannot
    decide (a Django `AlterField` says the new type; the old one is in an earlier migration). Its hits
    are the rule's own: same code, docs and settings. Register it after the rule itself."""

    def register(check: ProjectCheck) -> ProjectCheck:
        if code not in _RULES:
            raise ValueError(f"history_check for {code}: register the rule first")
        global _generation
        _RULES[code] = replace(_RULES[code], project_check=check, file_facts=facts)
        _generation += 1
        return check

    return register


def _no_file_check(migration: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    return iter(())


def _load() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for module in _FAMILIES:
            importlib.import_module(module)


def catalog_generation() -> tuple[int, int]:
    """Changes whenever a rule is registered or removed (e.g. a plugin or a test adds one)."""
    _load()
    return (_generation, len(_RULES))


def all_rules() -> list[Rule]:
    _load()
    return sorted(_RULES.values(), key=lambda r: r.code)


def get_rule(code: str) -> Rule | None:
    _load()
    code = code.upper()
    return _RULES.get(code) or _RULES.get(_ALIASES.get(code, ""))


def canonical_code(code: str) -> str:
    """The code a pytest-mrt alias (e.g. MRT209) now reports under (MRT201)."""
    _load()
    return _ALIASES.get(code.upper(), code.upper())


def aliases_of(code: str) -> tuple[str, ...]:
    found = get_rule(code)
    return found.aliases if found else ()


# -- small helpers the checks share ----------------------------------------------------------------------


def hit(op: Operation, message: str, **extra: object) -> Hit:
    """A hit located at `op`, naming its table and column."""
    return Hit(message=message, span=op.span, table=op.table, column=op.column, **extra)  # type: ignore[arg-type]


def related(op: Operation, message: str) -> Related:
    return Related(line=op.span.line, column=op.span.column, message=message)


def ops_of(migration: MigrationAST, side: str, *kinds: str) -> Iterator[Operation]:
    for op in migration.ops:
        if op.side == side and op.kind in kinds:
            yield op
