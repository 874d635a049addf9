"""Django migrations that will not replay (live model imports in RunPython, argument names), and naming.

A migration runs again years later (a new developer's database, CI, a disaster recovery) against the models
of that day. `RunPython` code that imports the application's models instead of asking `apps.get_model` sees
fields that did not exist yet, and breaks once a model is renamed or removed. The RunPython functions are
read from the migration's own source with `ast` (never imported), and only when it has a `RunPython` step.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from mrt.config import MRTConfig
from mrt.findings import ERROR, WARNING
from mrt.model.migration import MigrationAST
from mrt.model.ops import Kind, Span
from mrt.model.pyexpr import span_of
from mrt.rules.registry import DJANGO_ONLY, HYGIENE, Hit, RuleDocs, rule

# What code does with a model class (and not with an enum or a helper function imported from models.py).
_MODEL_ATTRIBUTES = frozenset({"objects", "_default_manager", "_base_manager", "DoesNotExist", "_meta"})
_MODELS_IMPORT = re.compile(r"^\s*from\s+[\w.]*\bmodels\b[\w.]*\s+import\b", re.MULTILINE)
_AUTO_NAME = re.compile(r"^\d{4}_auto_\d{8}_\d{4}$")
_ARGUMENTS = ("apps", "schema_editor")


_Functions = dict[str, "ast.FunctionDef | ast.AsyncFunctionDef"]


def runpython_code(m: MigrationAST) -> tuple[list[ast.stmt], _Functions]:
    """The module's top-level statements and the module-level functions its RunPython steps call, by name.
    Parsed once per file, and only for a migration that has a RunPython step naming a function."""
    names = {name for op in m.ops if op.kind == Kind.RUN_PYTHON for name in op.args.get("functions") or ()}
    if not names:
        return [], {}
    cached = m.derived.get("runpython_code")
    if cached is None:
        try:
            body = ast.parse(m.source).body
        except (SyntaxError, ValueError):  # MRT902 reports the file
            body = []
        functions = {
            node.name: node
            for node in body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in names
        }
        cached = m.derived["runpython_code"] = (body, functions)
    return cached  # type: ignore[return-value]


def _models_module(node: ast.ImportFrom) -> bool:
    """`from shop.models import Order`, `from ..models import Order`, `from shop.models.order import Order`;
    not `from django.db.models import F` (query expressions, not a model)."""
    module = node.module or ""
    return "models" in module.split(".") and not module.startswith("django.db")


class _FunctionFacts:
    """What one walk over a RunPython function finds: its imports from models modules, the names it binds itself
    (parameters, assignments: `Order = apps.get_model(...)` shadows a module-level import), and the names it uses
    as models (`Order.objects`)."""

    def __init__(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        params = function.args.posonlyargs + function.args.args + function.args.kwonlyargs
        self.imports: list[ast.ImportFrom] = []
        self.bound = {a.arg for a in params}
        self.models: set[str] = set()
        for node in ast.walk(function):
            if isinstance(node, ast.Attribute) and node.attr in _MODEL_ATTRIBUTES and isinstance(node.value, ast.Name):
                self.models.add(node.value.id)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                self.bound.add(node.id)
            elif isinstance(node, ast.ImportFrom) and _models_module(node):
                self.imports.append(node)


def _imported(node: ast.ImportFrom) -> dict[str, str]:
    return {(alias.asname or alias.name): alias.name for alias in node.names if alias.name != "*"}


@rule(
    code="MRT910",
    kinds=(Kind.RUN_PYTHON,),  # the functions read are the ones RunPython steps name
    name="RunPython uses a live model",
    category=HYGIENE,
    severity=ERROR,
    summary="RunPython code imports the application's model instead of apps.get_model: the migration breaks later.",
    frameworks=DJANGO_ONLY,
    docs=RuleDocs(
        what="A function run by `migrations.RunPython` that uses a model imported from a `models` module "
        "(`from shop.models import Order`, at the top of the migration or inside the function) as a model: "
        "`Order.objects`, `Order._meta`, `Order.DoesNotExist`. Names imported from `models.py` that are not used "
        "as models (enums, helper functions, field defaults) are not reported, nor is `django.db.models`.",
        why="Django replays migrations against the historical state of each model, and hands it to the function as "
        "`apps`. The imported class is today's model: it selects columns that a migration further down the "
        "history adds, so on a fresh database (CI, a new developer, a restore) the query fails with 'column does "
        "not exist'; once the model is renamed or deleted, the import itself fails and the whole history can no "
        "longer be applied. Custom managers and `save()` overrides of today's model also run inside the data "
        "migration.",
        instead='Ask for the historical model: `Order = apps.get_model("shop", "Order")` inside the function '
        "(Django passes `apps` as the first argument).",
        example="# Django\n"
        "from shop.models import Order\n\n\n"
        "def close_old(apps, schema_editor):\n"
        '    Order.objects.filter(status="open").update(status="closed")\n',
        fixed="# Django\n"
        "def close_old(apps, schema_editor):\n"
        '    Order = apps.get_model("shop", "Order")\n'
        '    Order.objects.filter(status="open").update(status="closed")\n',
    ),
)
def runpython_live_model(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    if not _MODELS_IMPORT.search(m.source):
        return  # nothing imported from a models module: no need to read the functions
    body, functions = runpython_code(m)
    module_imports = [n for n in body if isinstance(n, ast.ImportFrom) and _models_module(n)]
    reported: set[int] = set()
    for name, function in functions.items():
        facts = _FunctionFacts(function)
        for node in facts.imports + module_imports:
            names = set(_imported(node))
            if node not in facts.imports:
                names -= facts.bound
            used = names & facts.models
            if not used or id(node) in reported:
                continue
            reported.add(id(node))
            shown = ", ".join(sorted(used))
            yield Hit(
                message=f"RunPython function {name}() uses the live model {shown} imported from {node.module}: use "
                f"apps.get_model(...) so the migration keeps working when the model changes",
                span=Span(*span_of(node)),
            )


@rule(
    code="MRT911",
    kinds=(Kind.RUN_PYTHON,),  # the functions read are the ones RunPython steps name
    name="RunPython function arguments",
    category=HYGIENE,
    severity=WARNING,
    summary="A RunPython function whose arguments are not named (apps, schema_editor).",
    frameworks=DJANGO_ONLY,
    default_enabled=False,
    docs=RuleDocs(
        what="A module-level function passed to `migrations.RunPython` (as code or reverse code) whose two parameters "
        "are not named `apps, schema_editor` (a leading underscore, as in `_schema_editor`, is accepted). "
        "Opt-in: a naming convention (django-migration-linter's RUNPYTHON_ARGS_NAMING_CONVENTION).",
        why="Django calls the function with the historical app registry and the schema editor. A first argument "
        "named `models` or `registry` hides that it holds *historical* models, which is how live-model imports "
        "(MRT910) creep in; other names make the function read like something it is not.",
        instead="Name them `apps, schema_editor` (or `_schema_editor` when unused).",
        example='# Django\ndef forwards(registry, editor):\n    Order = registry.get_model("shop", "Order")\n',
        fixed='# Django\ndef forwards(apps, schema_editor):\n    Order = apps.get_model("shop", "Order")\n',
    ),
)
def runpython_argument_names(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    for name, function in runpython_code(m)[1].items():
        params = [a.arg for a in function.args.posonlyargs + function.args.args]
        if len(params) != 2 or tuple(p.lstrip("_") for p in params) == _ARGUMENTS:
            continue
        yield Hit(
            message=f"RunPython function {name}({', '.join(params)}): name its arguments (apps, schema_editor)",
            span=Span(*span_of(function)),
        )


@rule(
    code="MRT909",
    name="Auto-generated migration name",
    category=HYGIENE,
    severity=WARNING,
    summary="A Django migration named 0005_auto_<date>_<time> says nothing about what it changes.",
    frameworks=DJANGO_ONLY,
    default_enabled=False,
    docs=RuleDocs(
        what="A Django migration whose file name is the one `makemigrations` generates when it cannot describe the "
        "change (`0005_auto_20240101_1234`). Opt-in: about a fifth of the Django migrations in the public "
        "histories checked are named this way (django-test-migrations' AutoNames check).",
        why="The migration name is what `showmigrations`, `migrate app 0005_...`, `dependencies`, review tools and "
        "incident notes refer to. An auto name makes a rollback target ('migrate back to before the coupon "
        "change') a search through file contents, and two developers' auto-named migrations are easy to mix "
        "up when resolving conflicts.",
        instead="Name it when creating it: `python manage.py makemigrations shop --name order_coupon`, or rename "
        "the file (and every `dependencies` entry that names it) before it is merged.",
        example="# Django\n# shop/migrations/0005_auto_20240101_1234.py\n",
        fixed="# Django\n# shop/migrations/0005_order_coupon.py\n",
    ),
)
def auto_generated_name(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    if _AUTO_NAME.match(m.name):
        yield Hit(
            message=f"Migration {m.name} has an auto-generated name: name it after its change (makemigrations --name)",
            span=m.header_span,
        )


@rule(
    code="MRT912",
    name="Migration name breaks the project's convention",
    category=HYGIENE,
    severity=WARNING,
    summary="A migration file name does not match `migration_name_pattern` (only when that setting is given).",
    docs=RuleDocs(
        what="An Alembic or Django migration whose file name, without `.py`, does not match in full the regular "
        "expression in `[tool.mrt] migration_name_pattern` (or `MRTConfig(migration_name_pattern=...)`). Silent "
        "until the pattern is set: that setting is the opt-in. Beside MRT909, which knows only Django's "
        "`auto_` names, this is the convention your team writes down (Atlas' NM rules, alembic-gauntlet's naming "
        "test).",
        why="Names are what `alembic history`, `showmigrations`, dependencies, review tools and incident notes "
        "refer to. Alembic's default `abc123def456_.py` (an empty message) or a name without the ticket or date "
        "your team sorts by makes the rollback target a search through file contents.",
        instead="Rename the file to match, before it is merged: for Alembic pass a message (`alembic revision -m "
        "'add order coupon'`) or set `file_template` in alembic.ini; for Django use `makemigrations --name`.",
        example="# pyproject.toml\n"
        "[tool.mrt]\n"
        "migration_name_pattern = '(?!\\d{4}_auto_)(\\d{4}|[0-9a-f]{12})_[a-z][a-z0-9_]+'\n\n"
        "# Alembic: migrations/versions/3f2a9c1b7d4e_.py\n"
        "# Django:  shop/migrations/0005_auto_20240101_1234.py\n",
        fixed="# Alembic: migrations/versions/3f2a9c1b7d4e_add_order_coupon.py\n"
        "# Django:  shop/migrations/0005_order_coupon.py\n",
    ),
)
def name_breaks_convention(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    pattern = config.migration_name_pattern
    if pattern and m.name != "__init__" and re.fullmatch(pattern, m.name) is None:
        yield Hit(
            message=f"Migration name {m.name!r} does not match the project's migration_name_pattern {pattern!r}: "
            "rename the file before it is merged",
            span=m.header_span,
        )


def _model_name(call: ast.expr) -> str | None:
    """The model a literal `apps.get_model("shop", "Order")` / `apps.get_model("shop.Order")` asks for."""
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "get_model"):
        return None
    values = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    values += [k.value.value for k in call.keywords if k.arg == "model_name" and isinstance(k.value, ast.Constant)]
    if len(values) == 1 and "." in values[0]:
        return values[0].rsplit(".", 1)[1]
    return str(values[-1]) if len(values) == 2 else None


def _names_the_model(variable: str, model: str) -> bool:
    """`Order = ...get_model("shop", "Order")`; a lower-case model name ("order") leaves the case to the author."""
    name = variable.lstrip("_")
    return name == model or (model.islower() and name.lower() == model)


@rule(
    code="MRT913",
    kinds=(Kind.RUN_PYTHON,),  # the functions read are the ones RunPython steps name
    name="Historical model bound to another name",
    category=HYGIENE,
    severity=WARNING,
    summary='`X = apps.get_model("app", "Order")` in RunPython code: the variable is not named after the model '
    "(opt-in).",
    frameworks=DJANGO_ONLY,
    default_enabled=False,
    docs=RuleDocs(
        what="In a function run by `migrations.RunPython`, an assignment of `apps.get_model(...)` with literal "
        'arguments to a variable whose name is not the model\'s (`Thing = apps.get_model("shop", "Order")`); a '
        "leading underscore is accepted. Opt-in: a naming convention (django-migration-linter's "
        "RUNPYTHON_MODEL_VARIABLE_NAME).",
        why="The function reads like application code, and `Order.objects` is what everyone searches for when the "
        "model changes. Under another name the historical model hides from that search, and a later edit is more "
        "likely to import the live model (MRT910) beside it.",
        instead='Name the variable after the model: `Order = apps.get_model("shop", "Order")`.',
        example='# Django\ndef forwards(apps, schema_editor):\n    Thing = apps.get_model("shop", "Order")\n'
        '    Thing.objects.update(status="open")\n',
        fixed='# Django\ndef forwards(apps, schema_editor):\n    Order = apps.get_model("shop", "Order")\n'
        '    Order.objects.update(status="open")\n',
    ),
)
def runpython_model_variable(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    for name, function in runpython_code(m)[1].items():
        for node in ast.walk(function):
            if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
                continue
            model = _model_name(node.value)
            variable = node.targets[0].id
            if model and not _names_the_model(variable, model):
                yield Hit(
                    message=f"{name}(): {variable} holds the historical model {model}: name the variable {model}",
                    span=Span(*span_of(node)),
                )
