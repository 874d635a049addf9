"""Write synthetic but realistic Alembic and Django migration histories (stdlib only, deterministic).

    python benchmarks/generate_history.py OUT_DIR --alembic 1000 --django 3000 --seed 7

or, from Python, ``generate(out_dir, alembic=1000, django=3000, seed=7)``, which returns a summary of
what it wrote. The output is shaped after the measurements in shared/reference/corpus.md ("What real
histories look like"):

* ``OUT_DIR/alembic/alembic.ini`` and ``OUT_DIR/alembic/versions/<rev>_<slug>.py``: one linear chain
  with a branch point and a merge revision every ~200 revisions and an occasional ``depends_on``;
  modern (annotated) and legacy headers mixed. About 23% of files use ``batch_alter_table``, 21% run raw
  SQL through ``op.execute``, 16% migrate data through ``op.get_bind()``, 6% have an empty or ``pass``
  downgrade; the rest of the mix is create_table (+ create_index on the new table), add/drop column,
  alter_column type and nullability changes, renames, constraints and indexes, mostly with correct
  downgrades.
* ``OUT_DIR/django/<app>/migrations/NNNN_<slug>.py`` over 15 apps: CreateModel (ForeignKey and
  ManyToMany fields), AddField (many of them many-to-many), lots of AlterField, RemoveField, RunPython
  (with and without ``reverse_code``, ``RunPython.noop``), RunSQL (string and list forms, with and
  without ``reverse_sql``), SeparateDatabaseAndState, AddIndex and AddIndexConcurrently (in
  ``atomic = False`` migrations), cross-app dependencies and a few squashed migrations (``replaces``).

The same seed always writes byte-identical files. Every file is checked with ``ast.parse`` before it
is written. Nothing here imports mrt, Alembic or Django.
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

# -- vocabulary ------------------------------------------------------------------------------------------

_TABLE_WORDS = [
    "users",
    "accounts",
    "organizations",
    "teams",
    "memberships",
    "projects",
    "tasks",
    "comments",
    "attachments",
    "orders",
    "order_lines",
    "invoices",
    "payments",
    "refunds",
    "customers",
    "addresses",
    "products",
    "variants",
    "categories",
    "tags",
    "reviews",
    "shipments",
    "warehouses",
    "stock_levels",
    "vouchers",
    "notifications",
    "events",
    "webhooks",
    "api_keys",
    "sessions",
    "audit_logs",
    "reports",
    "exports",
    "settings",
    "channels",
    "plugins",
    "subscriptions",
    "plans",
    "features",
    "pages",
    "menus",
    "menu_items",
    "jobs",
    "schedules",
    "labels",
    "regions",
    "currencies",
    "tax_rates",
    "contracts",
    "documents",
    "folders",
    "messages",
    "threads",
    "devices",
    "tokens",
    "roles",
    "permissions",
    "groups",
    "datasets",
    "queries",
    "dashboards",
    "widgets",
    "alerts",
    "metrics",
]

_TABLE_PREFIXES = ["user", "team", "project", "order", "product", "billing", "report", "account", "legacy", "tenant"]

# (name, type expression); the type is what sa.Column gets.
_ALEMBIC_COLUMNS = [
    ("name", "sa.String(length=255)"),
    ("title", "sa.String(length=255)"),
    ("slug", "sa.String(length=128)"),
    ("code", "sa.String(length=32)"),
    ("email", "sa.String(length=254)"),
    ("description", "sa.Text()"),
    ("status", "sa.String(length=32)"),
    ("is_active", "sa.Boolean()"),
    ("is_deleted", "sa.Boolean()"),
    ("position", "sa.Integer()"),
    ("quantity", "sa.Integer()"),
    ("amount", "sa.Numeric(precision=12, scale=2)"),
    ("price", "sa.Numeric(precision=10, scale=2)"),
    ("weight", "sa.Float()"),
    ("created_at", "sa.DateTime()"),
    ("updated_at", "sa.DateTime()"),
    ("deleted_at", "sa.DateTime(timezone=True)"),
    ("published_at", "sa.DateTime(timezone=True)"),
    ("due_date", "sa.Date()"),
    ("metadata", "sa.JSON()"),
    ("settings", "postgresql.JSONB(astext_type=sa.Text())"),
    ("external_id", "sa.String(length=64)"),
    ("locale", "sa.String(length=10)"),
    ("currency", "sa.String(length=3)"),
    ("url", "sa.String(length=2048)"),
    ("token", "sa.String(length=128)"),
    ("counter", "sa.BigInteger()"),
    ("score", "sa.Float()"),
    ("notes", "sa.Text()"),
    ("uuid", "postgresql.UUID(as_uuid=True)"),
]

# Type changes seen in real alter_column calls (old -> new); some widen, some narrow.
_TYPE_CHANGES = {
    "sa.String(length=32)": ["sa.String(length=64)", "sa.Text()"],
    "sa.String(length=64)": ["sa.String(length=128)", "sa.String(length=255)"],
    "sa.String(length=128)": ["sa.String(length=255)"],
    "sa.String(length=255)": ["sa.Text()", "sa.String(length=512)", "sa.String(length=128)"],
    "sa.String(length=254)": ["sa.String(length=320)"],
    "sa.String(length=10)": ["sa.String(length=16)"],
    "sa.String(length=3)": ["sa.String(length=8)"],
    "sa.Text()": ["sa.String(length=255)", "sa.Unicode()"],
    "sa.Integer()": ["sa.BigInteger()", "sa.SmallInteger()"],
    "sa.BigInteger()": ["sa.Integer()"],
    "sa.Float()": ["sa.Numeric(precision=12, scale=4)"],
    "sa.Numeric(precision=10, scale=2)": ["sa.Numeric(precision=12, scale=2)"],
    "sa.Numeric(precision=12, scale=2)": ["sa.Numeric(precision=18, scale=4)"],
    "sa.DateTime()": ["sa.DateTime(timezone=True)"],
    "sa.DateTime(timezone=True)": ["sa.DateTime()"],
    "sa.JSON()": ["postgresql.JSONB(astext_type=sa.Text())"],
    "sa.Boolean()": ["sa.Integer()"],
    "sa.Date()": ["sa.DateTime()"],
}

_RENAMES = {
    "name": "display_name",
    "title": "headline",
    "code": "short_code",
    "status": "state",
    "description": "summary",
    "notes": "internal_notes",
    "position": "sort_order",
    "amount": "total_amount",
    "is_active": "enabled",
    "score": "rank",
    "url": "link",
    "token": "secret",
    "counter": "hits",
}

_APPS = [
    "accounts",
    "billing",
    "catalog",
    "checkout",
    "core",
    "events",
    "inventory",
    "notifications",
    "orders",
    "payments",
    "reports",
    "search",
    "shipping",
    "social",
    "warehouse",
]

_MODEL_WORDS = [
    "Order",
    "OrderLine",
    "Invoice",
    "Customer",
    "Address",
    "Product",
    "Category",
    "Tag",
    "Review",
    "Shipment",
    "Warehouse",
    "Stock",
    "Payment",
    "Refund",
    "Voucher",
    "Page",
    "Menu",
    "MenuItem",
    "Notification",
    "Event",
    "Attachment",
    "Comment",
    "Team",
    "Membership",
    "ApiToken",
    "Webhook",
    "Report",
    "Export",
    "Plugin",
    "Setting",
    "Channel",
    "Attribute",
    "AttributeValue",
    "Collection",
    "Discount",
    "Transaction",
    "Checkout",
    "GiftCard",
    "Site",
    "Profile",
    "Session",
    "AuditLog",
    "Job",
    "Schedule",
    "Task",
    "Label",
    "Region",
    "Currency",
    "TaxRate",
    "Subscription",
    "Plan",
    "Feature",
]
_MODEL_SUFFIXES = ["Translation", "History", "Snapshot", "Link", "Version", "Log", "Rule", "Option"]

# Django fields: (name, class, kwargs); kwargs values are rendered Python source.
_DJANGO_FIELDS = [
    ("name", "CharField", {"max_length": "120"}),
    ("title", "CharField", {"max_length": "255"}),
    ("slug", "SlugField", {"max_length": "255", "unique": "True"}),
    ("description", "TextField", {"blank": "True"}),
    ("is_active", "BooleanField", {"default": "True"}),
    ("is_published", "BooleanField", {"default": "False"}),
    ("quantity", "PositiveIntegerField", {"default": "0"}),
    ("price", "DecimalField", {"decimal_places": "2", "max_digits": "12"}),
    ("created_at", "DateTimeField", {"auto_now_add": "True"}),
    ("updated_at", "DateTimeField", {"auto_now": "True"}),
    ("metadata", "JSONField", {"blank": "True", "default": "dict"}),
    ("email", "EmailField", {"max_length": "254"}),
    (
        "status",
        "CharField",
        {
            "choices": '[("new", "New"), ("active", "Active"), ("closed", "Closed")]',
            "default": '"new"',
            "max_length": "32",
        },
    ),
    ("token", "UUIDField", {"default": "uuid.uuid4", "editable": "False", "unique": "True"}),
    ("position", "IntegerField", {"default": "0"}),
    ("external_id", "CharField", {"blank": "True", "max_length": "64", "null": "True"}),
    ("published_at", "DateTimeField", {"blank": "True", "null": "True"}),
    ("weight", "FloatField", {"blank": "True", "null": "True"}),
    ("currency", "CharField", {"default": '"USD"', "max_length": "3"}),
    ("notes", "TextField", {"blank": "True", "default": '""'}),
    ("url", "URLField", {"blank": "True", "max_length": "500"}),
    ("sort_order", "IntegerField", {"db_index": "True", "editable": "False", "null": "True"}),
    ("code", "CharField", {"max_length": "32", "unique": "True"}),
    ("amount", "DecimalField", {"decimal_places": "3", "default": "0", "max_digits": "20"}),
    ("start_date", "DateField", {"blank": "True", "null": "True"}),
    ("private_metadata", "JSONField", {"blank": "True", "default": "dict", "null": "True"}),
    ("seo_title", "CharField", {"blank": "True", "max_length": "70", "null": "True"}),
    ("rating", "SmallIntegerField", {"blank": "True", "null": "True"}),
]

_DJANGO_VERSIONS = [
    (2019, "2.2.4"),
    (2020, "3.0.8"),
    (2021, "3.2.5"),
    (2022, "4.0.6"),
    (2023, "4.2.7"),
    (2024, "5.0.4"),
    (2025, "5.1.3"),
]


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _slugify(message: str, limit: int = 40) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")
    return slug[:limit].rstrip("_")


def _indent(lines: list[str], by: int) -> list[str]:
    pad = " " * by
    return [pad + line if line else line for line in lines]


def _check(text: str, path: Path) -> None:
    try:
        ast.parse(text, filename=str(path))
    except SyntaxError as exc:  # a generator bug: fail loudly, never write a broken history
        raise RuntimeError(f"generated file does not parse: {path}: {exc}") from exc


def _write(path: Path, text: str) -> None:
    if path.suffix == ".py":
        _check(text, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


# -- Alembic ---------------------------------------------------------------------------------------------


@dataclass
class _Table:
    columns: dict[str, str]  # name -> type expression
    indexes: dict[str, list[str]] = field(default_factory=dict)  # name -> columns
    constraints: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (type_, create line)
    referenced: bool = False


@dataclass
class _Step:
    up: list[str]
    down: list[str]


class _AlembicHistory:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.tables: dict[str, _Table] = {}
        self.used_ids: set[str] = set()
        self.counter = 0  # for unique names
        self.needs_postgresql = False
        self.stats = {
            "files": 0,
            "batch": 0,
            "execute": 0,
            "get_bind": 0,
            "empty_downgrade": 0,
            "merge": 0,
            "depends_on": 0,
            "modern_header": 0,
        }

    # names
    def new_rev(self) -> str:
        while True:
            rev = f"{self.rng.getrandbits(48):012x}"
            if rev not in self.used_ids:
                self.used_ids.add(rev)
                return rev

    def _unique(self, base: str) -> str:
        self.counter += 1
        return f"{base}_{self.counter}"

    def new_table_name(self) -> str:
        free = [t for t in _TABLE_WORDS if t not in self.tables]
        if free and self.rng.random() < 0.6:
            return self.rng.choice(free)
        for _ in range(20):
            name = f"{self.rng.choice(_TABLE_PREFIXES)}_{self.rng.choice(_TABLE_WORDS)}"
            if name not in self.tables:
                return name
        return self._unique(self.rng.choice(_TABLE_WORDS))

    def pick_table(self, min_columns: int = 0) -> str | None:
        names = [n for n, t in self.tables.items() if len(t.columns) >= min_columns]
        return self.rng.choice(names) if names else None

    def plain_columns(self, table: str) -> list[str]:
        """Columns no index or constraint uses: safe to drop, retype or rename."""
        t = self.tables[table]
        used = {c for cols in t.indexes.values() for c in cols}
        constrained = " ".join(create for _, create in t.constraints.values())
        return [
            c
            for c in t.columns
            if c != "id"
            and not c.endswith("_id")
            and c not in used
            and f'"{c}"' not in constrained
            and f'"{c} ' not in constrained
        ]

    def fresh_column(self, table: str) -> tuple[str, str]:
        t = self.tables[table]
        choices = [(n, ty) for n, ty in _ALEMBIC_COLUMNS if n not in t.columns]
        if not choices:
            name, ty = self.rng.choice(_ALEMBIC_COLUMNS)
            return self._unique(name), ty
        return self.rng.choice(choices)

    def _type(self, ty: str) -> str:
        if ty.startswith("postgresql."):
            self.needs_postgresql = True
        return ty

    # schema steps: each returns the upgrade lines and the downgrade lines that undo them
    def step_create_table(self) -> _Step:
        rng = self.rng
        name = self.new_table_name()
        columns: dict[str, str] = {"id": "sa.Integer()"}
        for col, ty in rng.sample(_ALEMBIC_COLUMNS, rng.randint(2, 6)):
            columns[col] = ty
        parent = self.pick_table() if rng.random() < 0.6 else None
        fk_col = None
        if parent is not None and parent != name:
            fk_col = f"{parent.rstrip('s')}_id"
            columns[fk_col] = "sa.Integer()"
        if rng.random() < 0.7:
            columns.setdefault("created_at", "sa.DateTime()")
        up = ["op.create_table(", f'    "{name}",']
        for col, ty in columns.items():
            nullable = "False" if col in ("id", "name", "created_at") or rng.random() < 0.3 else "True"
            extra = ""
            if col == "created_at" and rng.random() < 0.5:
                extra = ', server_default=sa.text("now()")'
            elif ty == "sa.Boolean()" and rng.random() < 0.6:
                extra = ", server_default=sa.false()"
            up.append(f'    sa.Column("{col}", {self._type(ty)}, nullable={nullable}{extra}),')
        if fk_col is not None:
            ondelete = rng.choice(["CASCADE", "SET NULL", None])
            tail = f', ondelete="{ondelete}"' if ondelete else ""
            up.append(f'    sa.ForeignKeyConstraint(["{fk_col}"], ["{parent}.id"]{tail}),')
            self.tables[parent].referenced = True
        up.append('    sa.PrimaryKeyConstraint("id"),')
        if "slug" in columns and rng.random() < 0.5:
            up.append(f'    sa.UniqueConstraint("slug", name="uq_{name}_slug"),')
        up.append(")")
        table = _Table(columns=columns)
        down = []
        index_cols = [c for c in (fk_col, "slug", "status", "created_at", "email") if c and c in columns]
        for col in index_cols[: rng.randint(1, 2)]:
            ix = f"ix_{name}_{col}"
            unique = "True" if col in ("slug", "email") and rng.random() < 0.5 else "False"
            if rng.random() < 0.5:
                up.append(f'op.create_index(op.f("{ix}"), "{name}", ["{col}"], unique={unique})')
                down.append(f'op.drop_index(op.f("{ix}"), table_name="{name}")')
            else:
                up.append(f'op.create_index("{ix}", "{name}", ["{col}"], unique={unique})')
                down.append(f'op.drop_index("{ix}", table_name="{name}")')
            table.indexes[ix] = [col]
        down.append(f'op.drop_table("{name}")')
        self.tables[name] = table
        return _Step(up, down)

    def step_add_column(self) -> _Step | None:
        table = self.pick_table()
        if table is None:
            return None
        col, ty = self.fresh_column(table)
        roll = self.rng.random()
        if roll < 0.65:
            spec = "nullable=True"
        elif roll < 0.93:
            default = {"sa.Boolean()": "sa.false()", "sa.Integer()": '"0"', "sa.BigInteger()": '"0"'}.get(ty, '""')
            if "DateTime" in ty:
                default = 'sa.text("now()")'
            spec = f"nullable=False, server_default={default}"
        else:
            spec = "nullable=False"
        self.tables[table].columns[col] = ty
        up = [f'op.add_column("{table}", sa.Column("{col}", {self._type(ty)}, {spec}))']
        return _Step(up, [f'op.drop_column("{table}", "{col}")'])

    def step_drop_column(self) -> _Step | None:
        candidates = [t for t in self.tables if len(self.plain_columns(t)) >= 2]
        if not candidates:
            return None
        table = self.rng.choice(candidates)
        col = self.rng.choice(self.plain_columns(table))
        ty = self.tables[table].columns.pop(col)
        up = [f'op.drop_column("{table}", "{col}")']
        down = [f'op.add_column("{table}", sa.Column("{col}", {self._type(ty)}, autoincrement=False, nullable=True))']
        return _Step(up, down)

    def step_alter_type(self) -> _Step | None:
        options = [
            (t, c) for t in self.tables for c in self.plain_columns(t) if self.tables[t].columns[c] in _TYPE_CHANGES
        ]
        if not options:
            return None
        table, col = self.rng.choice(options)
        old = self.tables[table].columns[col]
        new = self.rng.choice(_TYPE_CHANGES[old])
        self.tables[table].columns[col] = new
        using_up = using_down = ""
        if "Integer" in new and "Integer" not in old and self.rng.random() < 0.7:
            using_up = f', postgresql_using="{col}::integer"'
        up = [
            "op.alter_column(",
            f'    "{table}",',
            f'    "{col}",',
            f"    existing_type={self._type(old)},",
            f"    type_={self._type(new)},",
            f"    existing_nullable=True{using_up},",
            ")",
        ]
        down = [
            "op.alter_column(",
            f'    "{table}",',
            f'    "{col}",',
            f"    existing_type={new},",
            f"    type_={old},",
            f"    existing_nullable=True{using_down},",
            ")",
        ]
        return _Step(up, down)

    def step_alter_nullable(self) -> _Step | None:
        table = self.pick_table()
        if table is None or not self.plain_columns(table):
            return None
        col = self.rng.choice(self.plain_columns(table))
        ty = self.tables[table].columns[col]
        up = []
        if self.rng.random() < 0.3:
            value = "0" if "Integer" in ty or "Numeric" in ty else ("false" if "Boolean" in ty else "''")
            if "Date" in ty:
                value = "now()"
            up.append(f'op.execute("UPDATE {table} SET {col} = {value} WHERE {col} IS NULL")')
        up.append(f'op.alter_column("{table}", "{col}", existing_type={self._type(ty)}, nullable=False)')
        down = [f'op.alter_column("{table}", "{col}", existing_type={ty}, nullable=True)']
        return _Step(up, down)

    def step_rename_column(self) -> _Step | None:
        options = [(t, c) for t in self.tables for c in self.plain_columns(t) if c in _RENAMES]
        options = [(t, c) for t, c in options if _RENAMES[c] not in self.tables[t].columns]
        if not options:
            return None
        table, col = self.rng.choice(options)
        new = _RENAMES[col]
        cols = self.tables[table].columns
        cols[new] = cols.pop(col)
        up = [f'op.alter_column("{table}", "{col}", new_column_name="{new}")']
        down = [f'op.alter_column("{table}", "{new}", new_column_name="{col}")']
        return _Step(up, down)

    def step_rename_table(self) -> _Step | None:
        options = [t for t, v in self.tables.items() if not v.referenced]
        if not options:
            return None
        old = self.rng.choice(options)
        new = f"{self.rng.choice(_TABLE_PREFIXES)}_{old}"
        if new in self.tables or len(new) > 50:
            new = self._unique(old)
        self.tables[new] = self.tables.pop(old)
        return _Step([f'op.rename_table("{old}", "{new}")'], [f'op.rename_table("{new}", "{old}")'])

    def step_create_index(self) -> _Step | None:
        table = self.pick_table()
        if table is None or not self.plain_columns(table):
            return None
        cols = self.rng.sample(
            self.plain_columns(table), min(len(self.plain_columns(table)), self.rng.choice([1, 1, 2]))
        )
        ix = f"ix_{table}_{'_'.join(cols)}"
        if ix in self.tables[table].indexes:
            return None
        self.tables[table].indexes[ix] = cols
        col_list = ", ".join(f'"{c}"' for c in cols)
        if self.rng.random() < 0.05:  # concurrently, the rare careful one
            up = [
                "with op.get_context().autocommit_block():",
                f'    op.create_index("{ix}", "{table}", [{col_list}], unique=False, postgresql_concurrently=True)',
            ]
            down = [
                "with op.get_context().autocommit_block():",
                f'    op.drop_index("{ix}", table_name="{table}", postgresql_concurrently=True)',
            ]
            return _Step(up, down)
        return _Step(
            [f'op.create_index("{ix}", "{table}", [{col_list}], unique=False)'],
            [f'op.drop_index("{ix}", table_name="{table}")'],
        )

    def step_drop_index(self) -> _Step | None:
        options = [(t, ix) for t, v in self.tables.items() for ix in v.indexes]
        if not options:
            return None
        table, ix = self.rng.choice(options)
        cols = self.tables[table].indexes.pop(ix)
        col_list = ", ".join(f'"{c}"' for c in cols)
        return _Step(
            [f'op.drop_index("{ix}", table_name="{table}")'],
            [f'op.create_index("{ix}", "{table}", [{col_list}], unique=False)'],
        )

    def step_constraint(self) -> _Step | None:
        rng = self.rng
        table = self.pick_table()
        if table is None:
            return None
        t = self.tables[table]
        kind = rng.choice(["foreignkey", "unique", "check"])
        if kind == "foreignkey":
            parent = self.pick_table()
            if parent is None or parent == table:
                return None
            col = f"{parent.rstrip('s')}_id"
            if col in t.columns:
                return None
            name = f"fk_{table}_{col}_{parent}"
            create = f'op.create_foreign_key("{name}", "{table}", "{parent}", ["{col}"], ["id"], ondelete="SET NULL")'
            t.columns[col] = "sa.Integer()"
            self.tables[parent].referenced = True
            t.constraints[name] = ("foreignkey", create)
            up = [f'op.add_column("{table}", sa.Column("{col}", sa.Integer(), nullable=True))', create]
            down = [
                f'op.drop_constraint("{name}", "{table}", type_="foreignkey")',
                f'op.drop_column("{table}", "{col}")',
            ]
            return _Step(up, down)
        cols = self.plain_columns(table)
        if not cols:
            return None
        col = rng.choice(cols)
        if kind == "unique":
            name = f"uq_{table}_{col}"
            create = f'op.create_unique_constraint("{name}", "{table}", ["{col}"])'
        else:
            name = f"ck_{table}_{col}_not_blank"
            create = f'op.create_check_constraint("{name}", "{table}", "{col} IS NOT NULL")'
        if name in t.constraints:
            return None
        t.constraints[name] = (kind, create)
        return _Step([create], [f'op.drop_constraint("{name}", "{table}", type_="{kind}")'])

    def step_drop_constraint(self) -> _Step | None:
        options = [(t, n) for t, v in self.tables.items() for n in v.constraints]
        if not options:
            return None
        table, name = self.rng.choice(options)
        kind, create = self.tables[table].constraints.pop(name)
        return _Step([f'op.drop_constraint("{name}", "{table}", type_="{kind}")'], [create])

    def step_drop_table(self) -> _Step | None:
        options = [t for t, v in self.tables.items() if not v.referenced and not v.constraints and len(self.tables) > 8]
        if not options:
            return None
        name = self.rng.choice(options)
        table = self.tables.pop(name)
        down = ["op.create_table(", f'    "{name}",']
        for col, ty in table.columns.items():
            nullable = "False" if col == "id" else "True"
            down.append(f'    sa.Column("{col}", {self._type(ty)}, autoincrement=False, nullable={nullable}),')
        down += [f'    sa.PrimaryKeyConstraint("id", name="{name}_pkey"),', ")"]
        up = []
        for ix in table.indexes:
            up.append(f'op.drop_index("{ix}", table_name="{name}")')
        for ix, cols in reversed(table.indexes.items()):
            col_list = ", ".join(f'"{c}"' for c in cols)
            down.append(f'op.create_index("{ix}", "{name}", [{col_list}], unique=False)')
        up.append(f'op.drop_table("{name}")')
        return _Step(up, down)

    # batch mode: the table comes from the `with` statement
    def step_batch(self) -> _Step | None:
        rng = self.rng
        table = self.pick_table()
        if table is None:
            return None
        t = self.tables[table]
        up: list[str] = []
        down: list[str] = []
        for _ in range(rng.randint(1, 3)):
            kind = rng.choice(["add", "add", "alter", "alter", "drop", "index", "fk", "unique", "nullable"])
            cols = self.plain_columns(table)
            if kind == "add" or not cols:
                col, ty = self.fresh_column(table)
                t.columns[col] = ty
                up.append(f'batch_op.add_column(sa.Column("{col}", {self._type(ty)}, nullable=True))')
                down.insert(0, f'batch_op.drop_column("{col}")')
            elif kind == "alter" and any(t.columns[c] in _TYPE_CHANGES for c in cols):
                col = rng.choice([c for c in cols if t.columns[c] in _TYPE_CHANGES])
                old = t.columns[col]
                new = rng.choice(_TYPE_CHANGES[old])
                t.columns[col] = new
                up.append(
                    f'batch_op.alter_column("{col}", existing_type={self._type(old)}, type_={self._type(new)}, existing_nullable=True)'
                )
                down.insert(
                    0, f'batch_op.alter_column("{col}", existing_type={new}, type_={old}, existing_nullable=True)'
                )
            elif kind == "nullable":
                col = rng.choice(cols)
                up.append(f'batch_op.alter_column("{col}", existing_type={self._type(t.columns[col])}, nullable=False)')
                down.insert(0, f'batch_op.alter_column("{col}", existing_type={t.columns[col]}, nullable=True)')
            elif kind == "drop" and len(cols) >= 2:
                col = rng.choice(cols)
                ty = t.columns.pop(col)
                up.append(f'batch_op.drop_column("{col}")')
                down.insert(
                    0, f'batch_op.add_column(sa.Column("{col}", {self._type(ty)}, autoincrement=False, nullable=True))'
                )
            elif kind == "index":
                col = rng.choice(cols)
                ix = f"ix_{table}_{col}"
                if ix in t.indexes:
                    continue
                t.indexes[ix] = [col]
                up.append(f'batch_op.create_index(batch_op.f("{ix}"), ["{col}"], unique=False)')
                down.insert(0, f'batch_op.drop_index(batch_op.f("{ix}"))')
            elif kind == "fk":
                parent = self.pick_table()
                if parent is None or parent == table:
                    continue
                col = f"{parent.rstrip('s')}_id"
                if col in t.columns:
                    continue
                name = f"fk_{table}_{col}"
                t.columns[col] = "sa.Integer()"
                self.tables[parent].referenced = True
                up.append(f'batch_op.add_column(sa.Column("{col}", sa.Integer(), nullable=True))')
                up.append(f'batch_op.create_foreign_key("{name}", "{parent}", ["{col}"], ["id"])')
                down.insert(0, f'batch_op.drop_column("{col}")')
                down.insert(0, f'batch_op.drop_constraint("{name}", type_="foreignkey")')
            else:
                col = rng.choice(cols)
                name = f"uq_{table}_{col}"
                if name in t.constraints:
                    continue
                t.constraints[name] = ("unique", f'op.create_unique_constraint("{name}", "{table}", ["{col}"])')
                up.append(f'batch_op.create_unique_constraint("{name}", ["{col}"])')
                down.insert(0, f'batch_op.drop_constraint("{name}", type_="unique")')
        if not up:
            return None
        schema = ", schema=None" if rng.random() < 0.7 else ""
        head = f'with op.batch_alter_table("{table}"{schema}) as batch_op:'
        return _Step([head, *_indent(up, 4)], [head, *_indent(down, 4)])

    # raw SQL through op.execute
    def step_execute(self) -> _Step | None:
        rng = self.rng
        table = self.pick_table()
        if table is None:
            return None
        t = self.tables[table]
        cols = self.plain_columns(table)
        col = rng.choice(cols) if cols else "id"
        kind = rng.choice(
            [
                "update",
                "update",
                "insert",
                "index",
                "alter_add",
                "default",
                "view",
                "text",
                "extension",
                "enum",
                "function",
                "delete",
            ]
        )
        if kind == "update":
            return _Step([f"op.execute(\"UPDATE {table} SET {col} = NULL WHERE {col} = ''\")"], [])
        if kind == "insert":
            return _Step(
                [f'op.execute("INSERT INTO {table} (id, {col}) VALUES (1000000, NULL) ON CONFLICT DO NOTHING")'],
                [f'op.execute("DELETE FROM {table} WHERE id = 1000000")'],
            )
        if kind == "index":
            ix = f"ix_{table}_{col}_lower"
            return _Step(
                [f'op.execute("CREATE INDEX {ix} ON {table} (lower({col}))")'], [f'op.execute("DROP INDEX {ix}")']
            )
        if kind == "alter_add":
            new, ty = self.fresh_column(table)
            t.columns[new] = ty
            sql_ty = "VARCHAR(64)" if "String" in ty else ("INTEGER" if "Integer" in ty else "TEXT")
            return _Step(
                [f'op.execute("ALTER TABLE {table} ADD COLUMN {new} {sql_ty}")'],
                [f'op.execute("ALTER TABLE {table} DROP COLUMN {new}")'],
            )
        if kind == "default":
            return _Step(
                [f"op.execute(\"ALTER TABLE {table} ALTER COLUMN {col} SET DEFAULT ''\")"],
                [f'op.execute("ALTER TABLE {table} ALTER COLUMN {col} DROP DEFAULT")'],
            )
        if kind == "view":
            view = self._unique(f"v_{table}")
            return _Step(
                [
                    "op.execute(",
                    '    """',
                    f"    CREATE OR REPLACE VIEW {view} AS",
                    f"    SELECT id, {col}",
                    f"    FROM {table}",
                    f"    WHERE {col} IS NOT NULL",
                    '    """',
                    ")",
                ],
                [f'op.execute("DROP VIEW IF EXISTS {view}")'],
            )
        if kind == "text":
            return _Step(
                [f'op.execute(sa.text("UPDATE {table} SET {col} = NULL WHERE id < 0"))'],
                [],
            )
        if kind == "extension":
            return _Step(['op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")'], [])
        if kind == "enum":
            value = rng.choice(["archived", "pending_review", "expired", "on_hold"])
            enum = f"{table.rstrip('s')}_status"
            return _Step(
                [f"op.execute(\"ALTER TYPE {enum} ADD VALUE IF NOT EXISTS '{value}'\")"],
                ["# PostgreSQL cannot drop a value from an enum type; nothing to undo."],
            )
        if kind == "function":
            fn = self._unique(f"touch_{table}")
            return _Step(
                [
                    "op.execute(",
                    '    """',
                    f"    CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger AS $$",
                    "    BEGIN",
                    "        NEW.updated_at = now();",
                    "        RETURN NEW;",
                    "    END;",
                    "    $$ LANGUAGE plpgsql;",
                    '    """',
                    ")",
                ],
                [f'op.execute("DROP FUNCTION IF EXISTS {fn}()")'],
            )
        return _Step([f'op.execute("DELETE FROM {table} WHERE {col} IS NULL")'], [])

    # data migration through a connection
    def step_data(self) -> _Step | None:
        rng = self.rng
        table = self.pick_table()
        if table is None or not self.plain_columns(table):
            return None
        col = rng.choice(self.plain_columns(table))
        variant = rng.choice(["update", "loop", "select_insert"])
        if variant == "update":
            up = [
                "conn = op.get_bind()",
                "conn.execute(",
                f'    sa.text("UPDATE {table} SET {col} = :value WHERE {col} IS NULL"),',
                '    {"value": "unknown"},',
                ")",
            ]
            down = []
            if rng.random() < 0.5:
                down = [
                    "conn = op.get_bind()",
                    f"conn.execute(sa.text(\"UPDATE {table} SET {col} = NULL WHERE {col} = 'unknown'\"))",
                ]
            return _Step(up, down)
        if variant == "loop":
            up = [
                "conn = op.get_bind()",
                f'rows = conn.execute(sa.text("SELECT id, {col} FROM {table}")).fetchall()',
                "for row in rows:",
                "    conn.execute(",
                f'        sa.text("UPDATE {table} SET {col} = :value WHERE id = :id"),',
                f'        {{"value": str(row.{col}).strip(), "id": row.id}},',
                "    )",
            ]
            return _Step(up, [])
        other = self.pick_table()
        up = (
            [
                "conn = op.get_bind()",
                "conn.execute(",
                "    sa.text(",
                f'        "INSERT INTO {table} ({col}) "',
                f'        "SELECT {col} FROM {other} WHERE {col} IS NOT NULL"',
                "    )",
                ")",
            ]
            if other and col in self.tables[other].columns
            else [
                "conn = op.get_bind()",
                f'count = conn.execute(sa.text("SELECT count(*) FROM {table}")).scalar()',
                "if count:",
                f'    conn.execute(sa.text("UPDATE {table} SET {col} = {col}"))',
            ]
        )
        return _Step(up, ["conn = op.get_bind()", f'conn.execute(sa.text("DELETE FROM {table} WHERE id > 1000000"))'])

    def schema_step(self) -> _Step | None:
        makers = [
            (self.step_create_table, 12),
            (self.step_add_column, 22),
            (self.step_drop_column, 7),
            (self.step_alter_type, 14),
            (self.step_alter_nullable, 7),
            (self.step_rename_column, 4),
            (self.step_rename_table, 1),
            (self.step_create_index, 8),
            (self.step_drop_index, 3),
            (self.step_constraint, 8),
            (self.step_drop_constraint, 3),
            (self.step_drop_table, 3),
        ]
        if len(self.tables) < 4:
            return self.step_create_table()
        maker = self.rng.choices([m for m, _ in makers], weights=[w for _, w in makers])[0]
        return maker()

    # one revision file
    def revision_file(
        self,
        rev: str,
        down: tuple[str, ...] | None,
        when: dt.datetime,
        *,
        merge: bool = False,
        depends_on: str | None = None,
    ) -> tuple[str, str]:
        rng = self.rng
        self.needs_postgresql = False
        steps: list[_Step] = []
        flags = {"batch": False, "execute": False, "get_bind": False}
        empty_down = False
        raises = False
        if merge:
            message = "merge heads"
        else:
            want_batch = rng.random() < 0.225
            want_exec = rng.random() < 0.17
            want_data = rng.random() < 0.175
            n_schema = rng.choices([0, 1, 2, 3, 4, 5, 6], weights=[12, 30, 25, 14, 9, 6, 4])[0]
            if not (want_batch or want_exec or want_data) and n_schema == 0:
                n_schema = 1
            for _ in range(n_schema):
                step = self.schema_step()
                if step is not None:
                    steps.append(step)
            for wanted, maker, key in (
                (want_batch, self.step_batch, "batch"),
                (want_exec, self.step_execute, "execute"),
                (want_data, self.step_data, "get_bind"),
            ):
                if wanted:
                    step = maker()
                    if step is not None:
                        steps.append(step)
                        flags[key] = True
            if not steps:
                steps.append(self.step_create_table())
            tries = 0
            while sum(len(s.up) + len(s.down) for s in steps) < 10 and tries < 10:  # real files are >= 30 lines
                tries += 1
                step = self.schema_step()
                if step is not None:
                    steps.insert(0, step)
            roll = rng.random()
            empty_down = roll < 0.06
            raises = 0.06 <= roll < 0.07
            message = self.message_for(steps)
        for key, value in flags.items():
            self.stats[key] += value
        self.stats["empty_downgrade"] += empty_down or merge
        self.stats["merge"] += merge
        self.stats["depends_on"] += depends_on is not None

        modern = rng.random() < 0.5
        self.stats["modern_header"] += modern
        autogen = not merge and rng.random() < 0.5
        up_lines = [line for step in steps for line in step.up]
        down_lines = [line for step in reversed(steps) for line in step.down]
        if merge:
            up_lines, down_lines = ["pass"], ["pass"]
        elif empty_down:
            down_lines = ["pass"]
        elif raises:
            down_lines = ['raise NotImplementedError("This migration cannot be reversed.")']
        elif all(line.lstrip().startswith("#") for line in down_lines):
            down_lines = [*down_lines, "pass"]
        if autogen:
            up_lines = [
                "# ### commands auto generated by Alembic - please adjust! ###",
                *up_lines,
                "# ### end Alembic commands ###",
            ]
            down_lines = [
                "# ### commands auto generated by Alembic - please adjust! ###",
                *down_lines,
                "# ### end Alembic commands ###",
            ]
        text = self.render(rev, down, when, message, modern, up_lines, down_lines, depends_on)
        return message, text

    def message_for(self, steps: list[_Step]) -> str:
        first = " ".join(line.strip() for line in steps[0].up[:3])
        match = re.search(
            r"(create_table|add_column|drop_column|alter_column|rename_table|create_index|drop_index|"
            r"create_foreign_key|create_unique_constraint|create_check_constraint|drop_constraint|"
            r'drop_table|batch_alter_table|execute|get_bind)\(\s*"?([a-z_0-9]*)',
            first,
        )
        verb, table = (match.group(1), match.group(2)) if match else ("update", "schema")
        words = {
            "create_table": f"create {table} table",
            "add_column": f"add column to {table}",
            "drop_column": f"drop column from {table}",
            "alter_column": f"alter {table} column",
            "rename_table": f"rename {table}",
            "create_index": f"add index {table}",
            "drop_index": f"drop index {table}",
            "drop_table": f"drop {table}",
            "batch_alter_table": f"alter {table} in batch mode",
            "execute": "raw sql changes",
            "get_bind": "backfill data",
        }
        base = words.get(verb, f"{verb.replace('_', ' ')} {table}")
        if len(steps) > 1 and self.rng.random() < 0.5:
            base += " and more"
        return base[0].upper() + base[1:]

    def render(
        self,
        rev: str,
        down: tuple[str, ...] | None,
        when: dt.datetime,
        message: str,
        modern: bool,
        up_lines: list[str],
        down_lines: list[str],
        depends_on: str | None,
    ) -> str:
        q = (lambda s: f'"{s}"') if modern else (lambda s: f"'{s}'")
        if down is None:
            down_src, revises = "None", ""
        elif len(down) == 1:
            down_src, revises = q(down[0]), down[0]
        else:
            down_src, revises = "(" + ", ".join(q(d) for d in down) + ")", ", ".join(down)
        dep_src = q(depends_on) if depends_on else "None"
        lines = [
            f'"""{message}',
            "",
            f"Revision ID: {rev}",
            f"Revises: {revises}",
            f"Create Date: {when.isoformat(sep=' ', timespec='microseconds')}",
            "",
            '"""',
        ]
        if modern:
            lines += ["from typing import Sequence, Union", ""]
        lines += ["from alembic import op", "import sqlalchemy as sa"]
        if self.needs_postgresql:
            lines.append("from sqlalchemy.dialects import postgresql")
        lines += ["", "", "# revision identifiers, used by Alembic."]
        if modern:
            lines += [
                f"revision: str = {q(rev)}",
                f"down_revision: Union[str, None] = {down_src}",
                "branch_labels: Union[str, Sequence[str], None] = None",
                f"depends_on: Union[str, Sequence[str], None] = {dep_src}",
            ]
        else:
            lines += [
                f"revision = {q(rev)}",
                f"down_revision = {down_src}",
                "branch_labels = None",
                f"depends_on = {dep_src}",
            ]
        sig = " -> None" if modern else ""
        lines += [
            "",
            "",
            f"def upgrade(){sig}:",
            *_indent(up_lines, 4),
            "",
            "",
            f"def downgrade(){sig}:",
            *_indent(down_lines, 4),
            "",
        ]
        return "\n".join(lines)


def _generate_alembic(root: Path, count: int, rng: random.Random) -> dict[str, int]:
    history = _AlembicHistory(rng)
    versions = root / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    _write(root / "alembic.ini", "[alembic]\nscript_location = %(here)s\n")
    when = dt.datetime(2018, 1, 8, 9, 30, 0, 0)
    head: str | None = None
    chain: list[str] = []
    next_fork = rng.randint(180, 220)
    written = 0

    def emit(rev: str, down: tuple[str, ...] | None, *, merge: bool = False, depends_on: str | None = None) -> None:
        nonlocal when, written
        when += dt.timedelta(hours=rng.randint(1, 72), minutes=rng.randint(0, 59), microseconds=rng.randint(0, 999999))
        message, text = history.revision_file(rev, down, when, merge=merge, depends_on=depends_on)
        _write(versions / f"{rev}_{_slugify(message)}.py", text)
        written += 1

    while written < count:
        if written >= next_fork and head is not None and count - written >= 3:
            left, right, merged = history.new_rev(), history.new_rev(), history.new_rev()
            emit(left, (head,))
            emit(right, (head,))
            emit(merged, (left, right), merge=True)
            chain += [left, right, merged]
            head = merged
            next_fork = written + rng.randint(180, 220)
            continue
        rev = history.new_rev()
        depends_on = None
        if len(chain) > 10 and rng.random() < 0.02:
            depends_on = rng.choice(chain[:-2])
        emit(rev, (head,) if head else None, depends_on=depends_on)
        chain.append(rev)
        head = rev
    history.stats["files"] = written
    return history.stats


# -- Django ----------------------------------------------------------------------------------------------


@dataclass
class _Field:
    cls: str
    kwargs: dict[str, str]

    def render(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in sorted(self.kwargs.items()))
        return f"models.{self.cls}({args})"

    @property
    def relational(self) -> bool:
        return self.cls in ("ForeignKey", "ManyToManyField", "OneToOneField")


@dataclass
class _Model:
    name: str
    fields: dict[str, _Field]
    created_in: int
    indexes: list[str] = field(default_factory=list)


@dataclass
class _App:
    label: str
    migrations: list[str] = field(default_factory=list)
    models: dict[str, _Model] = field(default_factory=dict)
    last_squash: int = 0  # index of the first migration not yet covered by a squash


@dataclass
class _DjangoFile:
    ops: list[str] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)
    deps: list[tuple[str, str]] = field(default_factory=list)  # rendered ("app", "name") or swappable
    imports: dict[str, None] = field(default_factory=dict)
    name_parts: list[str] = field(default_factory=list)
    atomic: bool = True
    initial: bool = False


def _call(name: str, kwargs: list[tuple[str, str]]) -> list[str]:
    out = [f"{name}("]
    for key, value in kwargs:
        value_lines = value.split("\n")
        out.append(f"    {key}={value_lines[0]}" if key else f"    {value_lines[0]}")
        out.extend("    " + line for line in value_lines[1:])
        out[-1] += ","
    out.append("),")
    return out


class _DjangoHistory:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.apps = {label: _App(label) for label in _APPS}
        self.when = dt.datetime(2019, 3, 4, 10, 0)
        self.stats = {
            "files": 0,
            "AlterField": 0,
            "RemoveField": 0,
            "AddField": 0,
            "AddField_m2m": 0,
            "CreateModel": 0,
            "RunPython_files": 0,
            "RunPython_no_reverse": 0,
            "RunPython_noop": 0,
            "RunSQL_files": 0,
            "SeparateDatabaseAndState": 0,
            "AddIndexConcurrently": 0,
            "non_atomic": 0,
            "squashed": 0,
        }
        self.counter = 0

    def _unique(self) -> str:
        self.counter += 1
        return f"{self.rng.getrandbits(24):06x}"

    def all_models(self) -> list[tuple[str, str]]:
        return [(a.label, m) for a in self.apps.values() for m in a.models]

    def new_model_name(self, app: _App) -> str:
        free = [m for m in _MODEL_WORDS if m not in app.models]
        if free:
            return self.rng.choice(free)
        while True:
            name = self.rng.choice(_MODEL_WORDS) + self.rng.choice(_MODEL_SUFFIXES)
            if name not in app.models:
                return name

    def relation(self, app: _App, f: _DjangoFile, kind: str, related_name: str) -> _Field | None:
        """A ForeignKey/ManyToManyField/OneToOneField to an existing model, with the dependency it needs."""
        rng = self.rng
        if rng.random() < 0.15:
            target = "settings.AUTH_USER_MODEL"
            f.imports["from django.conf import settings"] = None
            dep = ("SWAPPABLE", "")
        else:
            same = [(app.label, m) for m in app.models]
            pool = same if same and rng.random() < 0.6 else self.all_models()
            if not pool:
                return None
            label, model = rng.choice(pool)
            target = f'"{label}.{model.lower()}"'
            dep = (label, self.apps[label].migrations[-1]) if label != app.label else None
            if label == app.label and model not in app.models:
                return None
        if dep is not None and dep not in f.deps:
            f.deps.append(dep)
        if kind == "ManyToManyField":
            return _Field("ManyToManyField", {"blank": "True", "related_name": f'"{related_name}"', "to": target})
        f.imports["import django.db.models.deletion"] = None
        on_delete = rng.choice(["CASCADE", "CASCADE", "SET_NULL", "PROTECT"])
        kwargs = {
            "on_delete": f"django.db.models.deletion.{on_delete}",
            "related_name": f'"{related_name}"',
            "to": target,
        }
        if on_delete == "SET_NULL":
            kwargs.update(blank="True", null="True")
        return _Field(kind, kwargs)

    def plain_field(self, model: _Model, f: _DjangoFile) -> tuple[str, _Field]:
        options = [x for x in _DJANGO_FIELDS if x[0] not in model.fields]
        name, cls, kwargs = self.rng.choice(options or _DJANGO_FIELDS)
        if name in model.fields:
            name = f"{name}_{self._unique()[:3]}"
        if "uuid.uuid4" in kwargs.values():
            f.imports["import uuid"] = None
        return name, _Field(cls, dict(kwargs))

    # operations
    def op_create_model(self, app: _App, f: _DjangoFile, index: int) -> None:
        rng = self.rng
        name = self.new_model_name(app)
        fields: dict[str, _Field] = {
            "id": _Field(
                "BigAutoField" if self.when.year >= 2021 else "AutoField",
                {"auto_created": "True", "primary_key": "True", "serialize": "False", "verbose_name": '"ID"'},
            ),
        }
        model = _Model(name, fields, index)
        for _ in range(rng.randint(2, 7)):
            fname, fdef = self.plain_field(model, f)
            fields[fname] = fdef
        if rng.random() < 0.55:
            rel = self.relation(app, f, rng.choice(["ForeignKey", "ForeignKey", "OneToOneField"]), f"{_snake(name)}s")
            if rel is not None:
                target = rel.kwargs["to"]
                fname = "user" if "AUTH_USER" in target else target.strip('"').split(".")[1]
                if fname not in fields:
                    fields[fname] = rel
        m2m = None
        if rng.random() < 0.2:
            m2m = self.relation(app, f, "ManyToManyField", f"{_snake(name)}_set")
            if m2m is not None:
                fields["tags" if "tags" not in fields else "related"] = m2m
        rendered = ",\n".join(f'    ("{k}", {v.render()})' for k, v in fields.items())
        kwargs = [("name", f'"{name}"'), ("fields", "[\n" + rendered + ",\n]")]
        roll = rng.random()
        if roll < 0.25:
            kwargs.append(("options", '{\n    "ordering": ["-id"],\n}'))
        elif roll < 0.35:
            kwargs.append(
                ("options", f'{{\n    "verbose_name": "{_snake(name).replace("_", " ")}",\n    "abstract": False,\n}}')
            )
        f.ops.append("\n".join(_call("migrations.CreateModel", kwargs)))
        app.models[name] = model
        f.name_parts.append(name.lower())
        self.stats["CreateModel"] += 1

    def op_add_field(self, app: _App, f: _DjangoFile) -> None:
        rng = self.rng
        if not app.models:
            return
        model = app.models[rng.choice(list(app.models))]
        roll = rng.random()
        fdef: _Field | None
        if roll < 0.3:
            fname = rng.choice(["tags", "members", "collections", "products", "channels", "groups", "followers"])
            if fname in model.fields:
                return
            fdef = self.relation(app, f, "ManyToManyField", f"{_snake(model.name)}_{fname}")
            self.stats["AddField_m2m"] += fdef is not None
        elif roll < 0.5:
            fdef = self.relation(app, f, "ForeignKey", f"{_snake(model.name)}s")
            if fdef is None:
                return
            target = fdef.kwargs["to"]
            fname = "owner" if "AUTH_USER" in target else target.strip('"').split(".")[1]
            if fname in model.fields:
                fname += "_ref"
            if fname in model.fields:
                return
            if "null" not in fdef.kwargs and rng.random() < 0.7:
                fdef.kwargs.update(null="True", blank="True")
        else:
            fname, fdef = self.plain_field(model, f)
            if rng.random() < 0.12 and "default" not in fdef.kwargs and "null" not in fdef.kwargs:
                # NOT NULL with a one-off default, as makemigrations writes it after asking
                one_off = {
                    "BooleanField": "False",
                    "DateTimeField": "django.utils.timezone.now",
                    "DateField": "django.utils.timezone.now",
                    "JSONField": "dict",
                    "UUIDField": "uuid.uuid4",
                }.get(fdef.cls, '""' if "Char" in fdef.cls or "Text" in fdef.cls else "0")
                if one_off.startswith("django.utils"):
                    f.imports["import django.utils.timezone"] = None
                if one_off.startswith("uuid."):
                    f.imports["import uuid"] = None
                with_default = _Field(fdef.cls, {**fdef.kwargs, "default": one_off})
                kwargs = [
                    ("model_name", f'"{model.name.lower()}"'),
                    ("name", f'"{fname}"'),
                    ("field", with_default.render()),
                    ("preserve_default", "False"),
                ]
                model.fields[fname] = fdef
                f.ops.append("\n".join(_call("migrations.AddField", kwargs)))
                f.name_parts.append(f"{model.name.lower()}_{fname}")
                self.stats["AddField"] += 1
                return
        if fdef is None:
            return
        model.fields[fname] = fdef
        kwargs = [("model_name", f'"{model.name.lower()}"'), ("name", f'"{fname}"'), ("field", fdef.render())]
        f.ops.append("\n".join(_call("migrations.AddField", kwargs)))
        f.name_parts.append(f"{model.name.lower()}_{fname}")
        self.stats["AddField"] += 1

    def op_alter_field(self, app: _App, f: _DjangoFile) -> None:
        rng = self.rng
        options = [(m, n) for m in app.models.values() for n, fd in m.fields.items() if n != "id"]
        if not options:
            return
        model, fname = rng.choice(options)
        fdef = model.fields[fname]
        kw = dict(fdef.kwargs)
        if fdef.cls == "ManyToManyField":
            kw["blank"] = "True"
            kw["help_text"] = f'"Related {fname}."'
        elif fdef.relational:
            choice = rng.choice(["on_delete", "null", "related_name"])
            if choice == "on_delete":
                kw["on_delete"] = rng.choice(["django.db.models.deletion.CASCADE", "django.db.models.deletion.PROTECT"])
                f.imports["import django.db.models.deletion"] = None
            elif choice == "null":
                kw["null"], kw["blank"] = "True", "True"
                kw["on_delete"] = "django.db.models.deletion.SET_NULL"
                f.imports["import django.db.models.deletion"] = None
            else:
                kw["related_name"] = f'"{_snake(model.name)}_{fname}_set"'
        else:
            choice = rng.choice(["max_length", "blank", "null", "db_index", "help_text", "verbose_name", "default"])
            if choice == "max_length" and "max_length" in kw:
                kw["max_length"] = str(int(kw["max_length"]) * 2)
            elif choice == "null":
                if kw.get("null") == "True":
                    kw.pop("null")
                else:
                    kw["null"] = "True"
            elif choice == "db_index" and "unique" not in kw:
                kw["db_index"] = "True"
            elif choice == "help_text":
                kw["help_text"] = f'"The {fname.replace("_", " ")} of this {_snake(model.name).replace("_", " ")}."'
            elif choice == "verbose_name":
                kw["verbose_name"] = f'"{fname.replace("_", " ")}"'
            elif choice == "default" and fdef.cls in ("IntegerField", "PositiveIntegerField", "SmallIntegerField"):
                kw["default"] = str(rng.randint(1, 10))
            else:
                kw["blank"] = "True"
        if "uuid.uuid4" in kw.values():
            f.imports["import uuid"] = None
        if "settings.AUTH_USER_MODEL" in kw.values():
            f.imports["from django.conf import settings"] = None
        new = _Field(fdef.cls, kw)
        model.fields[fname] = new
        kwargs = [("model_name", f'"{model.name.lower()}"'), ("name", f'"{fname}"'), ("field", new.render())]
        f.ops.append("\n".join(_call("migrations.AlterField", kwargs)))
        f.name_parts.append(f"alter_{model.name.lower()}_{fname}")
        self.stats["AlterField"] += 1

    def op_remove_field(self, app: _App, f: _DjangoFile) -> None:
        options = [(m, n) for m in app.models.values() for n in m.fields if n != "id"]
        options = [(m, n) for m, n in options if len(m.fields) > 3]
        if not options:
            return
        model, fname = self.rng.choice(options)
        del model.fields[fname]
        kwargs = [("model_name", f'"{model.name.lower()}"'), ("name", f'"{fname}"')]
        f.ops.append("\n".join(_call("migrations.RemoveField", kwargs)))
        f.name_parts.append(f"remove_{model.name.lower()}_{fname}")
        self.stats["RemoveField"] += 1

    def op_misc(self, app: _App, f: _DjangoFile) -> None:
        rng = self.rng
        if not app.models:
            return
        model = app.models[rng.choice(list(app.models))]
        mname = model.name.lower()
        plain = [n for n, fd in model.fields.items() if n != "id" and not fd.relational]
        kind = rng.choice(
            [
                "options",
                "options",
                "rename",
                "unique_together",
                "constraint",
                "index",
                "index",
                "remove_index",
                "delete",
                "rename_model",
            ]
        )
        if kind == "rename" and plain:
            old = rng.choice(plain)
            new = _RENAMES.get(old, f"{old}_old")
            if new in model.fields:
                return
            model.fields[new] = model.fields.pop(old)
            f.ops.append(
                "\n".join(
                    _call(
                        "migrations.RenameField",
                        [("model_name", f'"{mname}"'), ("old_name", f'"{old}"'), ("new_name", f'"{new}"')],
                    )
                )
            )
            f.name_parts.append(f"rename_{old}_{mname}_{new}")
        elif kind == "unique_together" and len(plain) >= 2:
            a, b = rng.sample(plain, 2)
            f.ops.append(
                "\n".join(
                    _call(
                        "migrations.AlterUniqueTogether",
                        [("name", f'"{mname}"'), ("unique_together", f'{{("{a}", "{b}")}}')],
                    )
                )
            )
            f.name_parts.append(f"alter_{mname}_unique_together")
        elif kind == "constraint" and plain:
            col = rng.choice(plain)
            cname = f"{app.label}_{mname}_{col}_uniq"[:60]
            if rng.random() < 0.5:
                expr = f'models.UniqueConstraint(fields=("{col}",), name="{cname}")'
            else:
                cname = cname.replace("_uniq", "_check")
                expr = f'models.CheckConstraint(check=models.Q(("{col}__isnull", False)), name="{cname}")'
            f.ops.append(
                "\n".join(_call("migrations.AddConstraint", [("model_name", f'"{mname}"'), ("constraint", expr)]))
            )
            f.name_parts.append(f"{mname}_{cname}")
        elif kind == "index" and plain:
            col = rng.choice(plain)
            iname = f"{mname[:8]}_{col[:8]}_{self._unique()}_idx"
            model.indexes.append(iname)
            expr = f'models.Index(fields=["{col}"], name="{iname}")'
            f.ops.append("\n".join(_call("migrations.AddIndex", [("model_name", f'"{mname}"'), ("index", expr)])))
            f.name_parts.append(f"{mname}_{iname}")
        elif kind == "remove_index" and model.indexes:
            iname = model.indexes.pop(0)
            f.ops.append(
                "\n".join(_call("migrations.RemoveIndex", [("model_name", f'"{mname}"'), ("name", f'"{iname}"')]))
            )
            f.name_parts.append(f"remove_{mname}_{iname}")
        elif kind == "delete" and len(app.models) > 3:
            referenced = any(
                fd.kwargs.get("to") == f'"{app.label}.{mname}"'
                for a in self.apps.values()
                for m in a.models.values()
                for fd in m.fields.values()
            )
            if referenced:
                return
            del app.models[model.name]
            f.ops.append("\n".join(_call("migrations.DeleteModel", [("name", f'"{model.name}"')])))
            f.name_parts.append(f"delete_{mname}")
        elif kind == "rename_model":
            return
        else:
            ordering = rng.choice(['["-id"]', '["position"]', '["name"]', '["-created_at"]'])
            opts = f'{{"ordering": {ordering}, "verbose_name_plural": "{_snake(model.name).replace("_", " ")}s"}}'
            f.ops.append("\n".join(_call("migrations.AlterModelOptions", [("name", f'"{mname}"'), ("options", opts)])))
            f.name_parts.append(f"alter_{mname}_options")

    def op_run_python(self, app: _App, f: _DjangoFile) -> None:
        rng = self.rng
        if not app.models:
            return
        model = app.models[rng.choice(list(app.models))]
        plain = [n for n, fd in model.fields.items() if n != "id" and not fd.relational] or ["id"]
        col = rng.choice(plain)
        func = f"populate_{_snake(model.name)}_{col}"
        if any(fn.startswith(f"def {func}(") for fn in f.functions):
            func += "_again"
        variant = rng.choice(["update", "loop", "create"])
        body = [
            f"def {func}(apps, schema_editor):",
            f'    {model.name} = apps.get_model("{app.label}", "{model.name}")',
        ]
        if variant == "update":
            body += [f"    {model.name}.objects.filter({col}__isnull=True).update({col}=None)"]
        elif variant == "loop":
            body += [
                "    db_alias = schema_editor.connection.alias",
                f"    for obj in {model.name}.objects.using(db_alias).all().iterator():",
                f'        obj.{col} = getattr(obj, "{col}", None)',
                f'        obj.save(update_fields=["{col}"])',
            ]
        else:
            body += [
                f"    if not {model.name}.objects.exists():",
                f"        {model.name}.objects.bulk_create([{model.name}() for _ in range(3)])",
            ]
        f.functions.append("\n".join(body))
        roll = rng.random()
        if roll < 0.25:
            call = f"migrations.RunPython({func}),"
            self.stats["RunPython_no_reverse"] += 1
        elif roll < 0.88:
            if rng.random() < 0.5:
                call = f"migrations.RunPython({func}, migrations.RunPython.noop),"
            else:
                call = f"migrations.RunPython({func}, reverse_code=migrations.RunPython.noop),"
            self.stats["RunPython_noop"] += 1
        else:
            reverse = f"reverse_{func}"
            f.functions.append(
                "\n".join(
                    [
                        f"def {reverse}(apps, schema_editor):",
                        f'    {model.name} = apps.get_model("{app.label}", "{model.name}")',
                        f"    {model.name}.objects.update({col}=None)" if col != "id" else "    pass",
                    ]
                )
            )
            call = f"migrations.RunPython({func}, {reverse}),"
        f.ops.append(call)
        f.name_parts.append(func)

    def op_run_sql(self, app: _App, f: _DjangoFile) -> None:
        rng = self.rng
        if not app.models:
            return
        model = app.models[rng.choice(list(app.models))]
        table = f"{app.label}_{model.name.lower()}"
        plain = [n for n, fd in model.fields.items() if n != "id" and not fd.relational] or ["id"]
        col = rng.choice(plain)
        variant = rng.choice(["index", "update_str", "list", "list_noop", "trigger", "no_reverse"])
        if variant == "index":
            ix = f"{table}_{col}_lower_idx"
            kwargs = [
                ("sql", f'"CREATE INDEX {ix} ON {table} (lower({col}::text));"'),
                ("reverse_sql", f'"DROP INDEX IF EXISTS {ix};"'),
            ]
        elif variant == "update_str":
            kwargs = [
                ("", f'"UPDATE {table} SET {col} = NULL WHERE {col} IS NULL;"'),
                ("reverse_sql", "migrations.RunSQL.noop"),
            ]
        elif variant == "list":
            kwargs = [
                (
                    "",
                    f'[\n    "ALTER TABLE {table} ALTER COLUMN {col} DROP DEFAULT;",\n'
                    f'    "UPDATE {table} SET {col} = {col};",\n]',
                ),
                ("reverse_sql", f'[\n    "ALTER TABLE {table} ALTER COLUMN {col} SET DEFAULT NULL;",\n]'),
            ]
        elif variant == "list_noop":
            kwargs = [
                ("", f'[\n    ("UPDATE {table} SET {col} = %s WHERE id < %s;", [None, 0]),\n]'),
                ("reverse_sql", "migrations.RunSQL.noop"),
            ]
        elif variant == "trigger":
            fn = f"{table}_touch"
            kwargs = [
                (
                    "sql",
                    f'"""\nCREATE OR REPLACE FUNCTION {fn}() RETURNS trigger AS $$\nBEGIN\n'
                    f'    RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;\n"""',
                ),
                ("reverse_sql", f'"DROP FUNCTION IF EXISTS {fn}();"'),
            ]
        else:
            kwargs = [("", f'"DELETE FROM {table} WHERE id < 0;"')]
        f.ops.append("\n".join(_call("migrations.RunSQL", kwargs)))
        f.name_parts.append(f"{model.name.lower()}_sql")

    def op_separate(self, app: _App, f: _DjangoFile) -> None:
        rng = self.rng
        options = [(m, n) for m in app.models.values() for n, fd in m.fields.items() if n != "id" and not fd.relational]
        if not options:
            return
        model, fname = rng.choice(options)
        mname = model.name.lower()
        table = f"{app.label}_{mname}"
        if rng.random() < 0.5:
            del model.fields[fname]
            state = "\n".join(_call("migrations.RemoveField", [("model_name", f'"{mname}"'), ("name", f'"{fname}"')]))
            db = "[]"
        else:
            fdef = model.fields[fname]
            kw = dict(fdef.kwargs)
            kw["db_column"] = f'"{fname}_legacy"'
            model.fields[fname] = _Field(fdef.cls, kw)
            state = "\n".join(
                _call(
                    "migrations.AlterField",
                    [("model_name", f'"{mname}"'), ("name", f'"{fname}"'), ("field", model.fields[fname].render())],
                )
            )
            db = (
                "[\n"
                + "\n".join(
                    "    " + line
                    for line in _call(
                        "migrations.RunSQL",
                        [
                            ("sql", f'"ALTER TABLE {table} RENAME COLUMN {fname} TO {fname}_legacy;"'),
                            ("reverse_sql", f'"ALTER TABLE {table} RENAME COLUMN {fname}_legacy TO {fname};"'),
                        ],
                    )
                )
                + "\n]"
            )
        state = "[\n" + "\n".join("    " + line for line in state.split("\n")) + "\n]"
        f.ops.append(
            "\n".join(
                _call("migrations.SeparateDatabaseAndState", [("state_operations", state), ("database_operations", db)])
            )
        )
        f.name_parts.append(f"{mname}_{fname}_state")
        self.stats["SeparateDatabaseAndState"] += 1

    def op_index_concurrently(self, app: _App, f: _DjangoFile) -> None:
        rng = self.rng
        options = [(m, n) for m in app.models.values() for n, fd in m.fields.items() if n != "id" and not fd.relational]
        if not options:
            return
        model, col = rng.choice(options)
        mname = model.name.lower()
        iname = f"{mname[:8]}_{col[:8]}_{self._unique()}_idx"
        model.indexes.append(iname)
        f.imports["from django.contrib.postgres.operations import AddIndexConcurrently"] = None
        f.atomic = False
        expr = f'models.Index(fields=["{col}"], name="{iname}")'
        f.ops.append("\n".join(_call("AddIndexConcurrently", [("model_name", f'"{mname}"'), ("index", expr)])))
        f.name_parts.append(f"{mname}_{iname}")
        self.stats["AddIndexConcurrently"] += 1

    # files
    def next_file(self, app: _App) -> tuple[str, str]:
        rng = self.rng
        index = len(app.migrations) + 1
        f = _DjangoFile()
        if app.migrations:
            f.deps.append((app.label, app.migrations[-1]))
        else:
            f.initial = True
        if not app.models:
            for _ in range(rng.randint(1, 4)):
                self.op_create_model(app, f, index)
            if rng.random() < 0.3:
                self.op_add_field(app, f)
        else:
            plan: list[str] = []
            if rng.random() < 0.15:
                plan += ["create"] * rng.choice([1, 1, 2])
            if rng.random() < 0.33:
                plan += ["add"] * rng.choice([1, 1, 2, 3])
            if rng.random() < 0.375:
                plan += ["alter"] * rng.choices([1, 2, 3, 4, 6], weights=[40, 25, 15, 12, 8])[0]
            if rng.random() < 0.125:
                plan += ["remove"] * rng.choice([1, 1, 1, 2])
            if rng.random() < 0.22:
                plan += ["misc"]
            special = rng.random()
            if special < 0.17:
                plan += ["python"] * rng.choice([1, 1, 1, 2])
            elif special < 0.21:
                plan += ["sql"]
            elif special < 0.24:
                plan += ["separate"]
            elif special < 0.264:
                plan = ["concurrently"] * rng.choice([1, 1, 2])
            elif special < 0.268:
                f.atomic = False
                plan += ["python"]
            if not plan:
                plan = [rng.choice(["add", "alter", "alter", "create", "misc"])]
            makers = {
                "create": lambda: self.op_create_model(app, f, index),
                "add": lambda: self.op_add_field(app, f),
                "alter": lambda: self.op_alter_field(app, f),
                "remove": lambda: self.op_remove_field(app, f),
                "misc": lambda: self.op_misc(app, f),
                "python": lambda: self.op_run_python(app, f),
                "sql": lambda: self.op_run_sql(app, f),
                "separate": lambda: self.op_separate(app, f),
                "concurrently": lambda: self.op_index_concurrently(app, f),
            }
            for step in plan:
                makers[step]()
            if not f.ops:
                self.op_create_model(app, f, index)
            if rng.random() < 0.04 and len(self.apps) > 1:
                other = self.apps[rng.choice([a for a in _APPS if a != app.label])]
                if other.migrations and (other.label, other.migrations[-1]) not in f.deps:
                    f.deps.append((other.label, other.migrations[-1]))
        if "RunPython(" in "".join(f.ops):
            self.stats["RunPython_files"] += 1
        if "RunSQL(" in "".join(f.ops):
            self.stats["RunSQL_files"] += 1
        self.stats["non_atomic"] += not f.atomic
        name = self.migration_name(index, f)
        app.migrations.append(name)
        return name, self.render(f)

    def migration_name(self, index: int, f: _DjangoFile) -> str:
        if f.initial:
            return f"{index:04d}_initial"
        joined = "_".join(f.name_parts)
        if len(joined) > 52 or not joined:
            joined = f"auto_{self.when:%Y%m%d_%H%M}"
        return f"{index:04d}_{_slugify(joined, 60)}"

    def squash_file(self, app: _App) -> tuple[str, str] | None:
        start, end = app.last_squash, len(app.migrations)
        if end - start < 4:
            return None
        replaced = app.migrations[start:end]
        app.last_squash = end
        f = _DjangoFile(initial=start == 0)
        if start > 0:
            f.deps.append((app.label, app.migrations[start - 1]))
        for model in list(app.models.values())[:4]:
            fields = {k: v for k, v in model.fields.items() if not v.relational}
            rendered = ",\n".join(f'    ("{k}", {v.render()})' for k, v in fields.items())
            if "uuid.uuid4" in rendered:
                f.imports["import uuid"] = None
            f.ops.append(
                "\n".join(
                    _call(
                        "migrations.CreateModel", [("name", f'"{model.name}"'), ("fields", "[\n" + rendered + ",\n]")]
                    )
                )
            )
        if self.rng.random() < 0.5:
            f.functions.append("def noop_backfill(apps, schema_editor):\n    pass")
            f.ops.append(
                "migrations.RunPython(\n    code=noop_backfill,\n    reverse_code=migrations.RunPython.noop,"
                "\n    elidable=True,\n),"
            )
        replaces = "[\n" + "\n".join(f'    ("{app.label}", "{r}"),' for r in replaced) + "\n]"
        name = f"{start + 1:04d}_squashed_{end:04d}_{_slugify(replaced[-1][5:], 30)}"
        self.stats["squashed"] += 1
        return name, self.render(f, replaces=replaces)

    def render(self, f: _DjangoFile, replaces: str | None = None) -> str:
        version = next((v for year, v in reversed(_DJANGO_VERSIONS) if self.when.year >= year), "2.2.4")
        lines = [f"# Generated by Django {version} on {self.when:%Y-%m-%d %H:%M}", ""]
        imports = dict(f.imports)
        if any("models." in op for op in f.ops):
            imports["from django.db import migrations, models"] = None
        else:
            imports["from django.db import migrations"] = None
        froms = sorted(i for i in imports if i.startswith("from "))
        plain = sorted(i for i in imports if i.startswith("import "))
        lines += froms + plain
        for func in f.functions:
            lines += ["", "", *func.split("\n")]
        lines += ["", "", "class Migration(migrations.Migration):"]
        if replaces is not None:
            lines += ["", *_indent(f"replaces = {replaces}".split("\n"), 4)]
        if not f.atomic:
            lines += ["    atomic = False"]
        if f.initial:
            lines += ["", "    initial = True"]
        lines += ["", "    dependencies = ["]
        for label, name in f.deps:
            if label == "SWAPPABLE":
                lines.append("        migrations.swappable_dependency(settings.AUTH_USER_MODEL),")
            else:
                lines.append(f'        ("{label}", "{name}"),')
        lines += ["    ]", "", "    operations = ["]
        for op in f.ops:
            lines += _indent(op.split("\n"), 8)
        lines += ["    ]", ""]
        return "\n".join(lines)


def _generate_django(root: Path, count: int, rng: random.Random) -> dict[str, int]:
    history = _DjangoHistory(rng)
    weights = [rng.uniform(0.4, 1.6) for _ in _APPS]
    written = 0
    for label in _APPS:
        _write(root / label / "__init__.py", "")
        _write(root / label / "migrations" / "__init__.py", "")
    while written < count:
        history.when += dt.timedelta(hours=rng.randint(0, 24), minutes=rng.randint(0, 59))
        label = rng.choices(_APPS, weights=weights)[0]
        if written < len(_APPS):
            label = _APPS[written]  # every app starts early so cross-app relations have targets
        app = history.apps[label]
        if count - written >= 2 and len(app.migrations) >= 8 and rng.random() < 0.028:
            squashed = history.squash_file(app)
            if squashed is not None:
                name, text = squashed
                _write(root / label / "migrations" / f"{name}.py", text)
                written += 1
                continue
        name, text = history.next_file(app)
        _write(root / label / "migrations" / f"{name}.py", text)
        written += 1
    history.stats["files"] = written
    return history.stats


# -- entry points ----------------------------------------------------------------------------------------


def generate(out_dir: str | Path, alembic: int = 1000, django: int = 3000, seed: int = 7) -> dict[str, dict[str, int]]:
    """Write `alembic` Alembic revisions and `django` Django migrations under `out_dir`.

    Returns a summary per framework (file counts and how many files/operations of each kind).
    """
    out = Path(out_dir)
    rng = random.Random(seed)
    summary: dict[str, dict[str, int]] = {}
    if alembic > 0:
        summary["alembic"] = _generate_alembic(out / "alembic", alembic, random.Random(rng.getrandbits(64)))
    else:
        rng.getrandbits(64)
    if django > 0:
        summary["django"] = _generate_django(out / "django", django, random.Random(rng.getrandbits(64)))
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", metavar="OUT_DIR", help="directory to write alembic/ and django/ into")
    parser.add_argument("--alembic", type=int, default=1000, help="number of Alembic revision files (default 1000)")
    parser.add_argument("--django", type=int, default=3000, help="number of Django migration files (default 3000)")
    parser.add_argument("--seed", type=int, default=7, help="random seed; the same seed writes the same files")
    args = parser.parse_args(argv)
    if args.alembic < 0 or args.django < 0:
        parser.error("counts must be >= 0")
    summary = generate(args.out_dir, alembic=args.alembic, django=args.django, seed=args.seed)
    for framework, stats in summary.items():
        files = stats["files"] or 1
        parts = []
        for key, value in stats.items():
            if key == "files":
                continue
            parts.append(f"{key}={value} ({100 * value / files:.0f}%)")
        print(f"{framework}: {stats['files']} files -> {Path(args.out_dir) / framework}")
        print("  " + ", ".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
