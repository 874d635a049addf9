"""Hypothesis strategies that write Alembic and Django migrations the way people (and generators) do.

Shared by the property tests (tests/fuzz/) and the long fuzz run (benchmarks/fuzz_static.py).
"""

from __future__ import annotations

from hypothesis import strategies as st

NAMES = st.sampled_from(["users", "orders", "t", "Users", "x_1", "caf\u00e9", "a" * 70, "", "select", "ix_users_email"])
SQL = st.sampled_from(
    [
        "UPDATE users SET a = 1",
        "DELETE FROM sessions",
        "ALTER TABLE users DROP COLUMN phone",
        "CREATE INDEX CONCURRENTLY ix ON users (email)",
        "ALTER TYPE mood ADD VALUE 'x'",
        "CREATE TRIGGER trg BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f()",
        "TRUNCATE users",
        "SELECT setval('s', 1)",
        "BEGIN; COMMIT;",
        "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES b (id) NOT VALID",
        "not sql at all",
        "UPDATE t SET a = :a WHERE b = %(b)s",
        "",
        ";;;",
        "CREATE TABLE x (id int); DROP TABLE y",
    ]
)


def _lit(draw) -> str:  # type: ignore[no-untyped-def]
    return repr(draw(NAMES))


@st.composite
def alembic_call(draw) -> str:  # type: ignore[no-untyped-def]
    kind = draw(
        st.sampled_from(
            [
                "add",
                "drop",
                "alter",
                "index",
                "dropindex",
                "table",
                "droptable",
                "exec",
                "fk",
                "dropc",
                "rename",
                "bulk",
                "text",
                "fstring",
                "bind",
                "weird",
            ]
        )
    )
    t, c = _lit(draw), _lit(draw)
    return {
        "add": f"op.add_column({t}, sa.Column({c}, sa.String({draw(st.integers(-5, 10**6))}), nullable={draw(st.booleans())}))",
        "drop": f"op.drop_column({t}, {c})",
        "alter": f"op.alter_column({t}, {c}, type_=sa.Numeric({draw(st.integers(0, 40))}, 2), existing_type=sa.Text(), nullable=False)",
        "index": f"op.create_index({c}, {t}, [{c}], unique={draw(st.booleans())}, postgresql_concurrently=True)",
        "dropindex": f"op.drop_index({c}, table_name={t})",
        "table": f"op.create_table({t}, sa.Column('id', sa.Integer, primary_key=True), sa.Column({c}, sa.Integer, sa.ForeignKey('u.id', ondelete='CASCADE')))",
        "droptable": f"op.drop_table({t})",
        "exec": f"op.execute({draw(SQL)!r})",
        "fk": f"op.create_foreign_key(None, {t}, 'users', [{c}], ['id'])",
        "dropc": f"op.drop_constraint({c}, {t}, type_={draw(st.sampled_from(['foreignkey', 'unique', None]))!r})",
        "rename": f"op.rename_table(old_table_name={t}, new_table_name={c})",
        "bulk": f"op.bulk_insert(sa.table({t}), [{{'id': 1}}])",
        "text": f"op.get_bind().execute(sa.text({draw(SQL)!r}))",
        "fstring": f'op.execute(f"UPDATE {{{draw(st.sampled_from(["t", "x.y", "f()"]))}}} SET a = 1")',
        "bind": f"conn = op.get_bind()\n    conn.execute(sa.table({t}).update().values(a=1))",
        "weird": draw(
            st.sampled_from(
                [
                    "op.drop_column()",
                    "op.add_column(*args)",
                    "op.execute(**kw)",
                    "op.batch_alter_table",
                    "helper()",
                    "op.create_index(None, None, None)",
                    "op.alter_column(t, new_column_name=1)",
                ]
            )
        ),
    }[kind]


def _body(draw, calls) -> str:  # type: ignore[no-untyped-def]
    lines = []
    for call in calls:
        wrap = draw(st.sampled_from(["", "batch", "autocommit", "if", "for", "try"]))
        if wrap == "batch":
            lines.append(
                f"    with op.batch_alter_table({_lit(draw)}) as batch_op:\n        {call.replace('op.', 'batch_op.', 1)}"
            )
        elif wrap == "autocommit":
            lines.append(f"    with op.get_context().autocommit_block():\n        {call}")
        elif wrap == "if":
            lines.append(f"    if op.get_bind().dialect.name == 'postgresql':\n        {call}")
        elif wrap == "for":
            lines.append(f"    for _ in range(2):\n        {call}")
        elif wrap == "try":
            lines.append(f"    try:\n        {call}\n    except Exception:\n        pass")
        else:
            lines.append(f"    {call}")
    return "\n".join(lines) or "    pass"


@st.composite
def alembic_migration(draw) -> str:  # type: ignore[no-untyped-def]
    header = draw(
        st.sampled_from(
            [
                'revision = "r1"\ndown_revision = None',
                'revision: str = "r2"\ndown_revision: Union[str, None] = ("a", "b")',
                'revision = 5\ndown_revision = ["x", None]',
                "",
            ]
        )
    )
    up = _body(draw, draw(st.lists(alembic_call(), max_size=6)))
    down = _body(draw, draw(st.lists(alembic_call(), max_size=6)))
    downgrade = draw(
        st.sampled_from([f"def downgrade():\n{down}\n", "def downgrade():\n    raise NotImplementedError\n", ""])
    )
    helper = "def helper():\n    op.drop_table('legacy')\n    helper()\n\n" if draw(st.booleans()) else ""
    return (
        "from alembic import op\nimport sqlalchemy as sa\nfrom typing import Union\n"
        f"{header}\n\n{helper}def upgrade():\n{up}\n\n{downgrade}"
    )


DJANGO_OPS = st.sampled_from(
    [
        'migrations.AddField("m", "f", models.CharField(max_length=10))',
        'migrations.AddField(model_name="m", name="tags", field=models.ManyToManyField(to="a.B"))',
        'migrations.RemoveField("m", "f")',
        'migrations.AlterField("m", "f", models.IntegerField(null=True, db_default=0))',
        "migrations.RunPython(f)",
        "migrations.RunPython(f, migrations.RunPython.noop)",
        'migrations.RunSQL("UPDATE a SET b = 1")',
        'migrations.RunSQL(["DROP TABLE x", ("DELETE FROM y WHERE id = %s", [1])], reverse_sql=migrations.RunSQL.noop)',
        'migrations.SeparateDatabaseAndState(database_operations=[migrations.RunSQL("TRUNCATE z")])',
        'migrations.AddIndexConcurrently("m", models.Index(fields=["f"], name="ix"))',
        'migrations.CreateModel("M", fields=[("id", models.AutoField(primary_key=True))], options={"db_table": "t"})',
        'migrations.DeleteModel("M")',
        "migrations.AddField()",
        "CustomOperation(1, 2)",
        "*EXTRA",
    ]
)


@st.composite
def django_migration(draw) -> str:  # type: ignore[no-untyped-def]
    ops = draw(st.lists(DJANGO_OPS, max_size=8))
    atomic = draw(st.sampled_from(["", "    atomic = False\n", "    atomic = maybe\n"]))
    replaces = draw(st.sampled_from(["", '    replaces = [("a", "0001")]\n', "    replaces = 3\n"]))
    return (
        "from django.db import migrations, models\nEXTRA = []\n\n"
        "class Migration(migrations.Migration):\n"
        f"{atomic}{replaces}"
        '    dependencies = [("a", "0001_initial")]\n'
        f"    operations = [\n        {(',' + chr(10) + '        ').join(ops)}\n    ] + EXTRA\n"
    )


@st.composite
def mutated(draw, source: st.SearchStrategy[str]) -> bytes:  # type: ignore[no-untyped-def]
    """A valid migration, then truncated, spliced or sprinkled with hostile bytes."""
    data = draw(source).encode("utf-8")
    how = draw(st.sampled_from(["none", "truncate", "insert", "flip", "encoding"]))
    if how == "truncate" and data:
        data = data[: draw(st.integers(0, len(data)))]
    elif how == "insert":
        at = draw(st.integers(0, len(data)))
        junk = draw(
            st.sampled_from([b"\x00", b"\xff\xfe", b"(" * 200, b"'", b'"""', b"\t\t", b"\r", b"# noqa: MRT201", b"\\"])
        )
        data = data[:at] + junk + data[at:]
    elif how == "flip" and data:
        at = draw(st.integers(0, len(data) - 1))
        data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
    elif how == "encoding":
        data = draw(st.sampled_from([b"# -*- coding: latin-1 -*-\n", b"# coding: klingon\n", b"\xef\xbb\xbf"])) + data
    return data
