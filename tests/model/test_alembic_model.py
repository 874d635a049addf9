"""Reading Alembic revisions into the model — never importing them."""

import textwrap

from mrt.model import Kind, parse_migration


def model(source: str, path: str = "versions/abc.py"):
    return parse_migration(textwrap.dedent(source), path)


def kinds(m, side="upgrade"):
    return [(op.kind, op.table, op.column or op.name) for op in m.ops if op.side == side]


def test_typed_and_untyped_headers_and_merge_parents():
    typed = model("""
        from typing import Union
        revision: str = "b2"
        down_revision: Union[str, None] = ("a1", "a2")
        branch_labels = ("feature",)
        depends_on = "c3"
        def upgrade(): pass
        def downgrade(): pass
    """)
    assert (typed.framework, typed.revision, typed.down_revisions) == ("alembic", "b2", ("a1", "a2"))
    assert typed.branch_labels == ("feature",) and typed.depends_on == ("c3",) and typed.is_merge
    legacy = model("revision = 'x1'\ndown_revision = None\ndef upgrade(): pass\n")
    assert (legacy.revision, legacy.down_revisions) == ("x1", ())


def test_op_alias_batch_table_autocommit_and_dialect_branch():
    m = model("""
        from alembic import op as alembic_op
        import sqlalchemy as sa
        revision = "r"
        def upgrade():
            with alembic_op.batch_alter_table("users", schema=None) as b:
                b.drop_column("fax")
                b.alter_column("name", type_=sa.String(20))
            with alembic_op.get_context().autocommit_block():
                alembic_op.create_index("ix", "users", ["email"], postgresql_concurrently=True)
            if alembic_op.get_bind().dialect.name == "postgresql":
                alembic_op.execute("ALTER TYPE mood ADD VALUE 'x'")
    """)
    fax, name, index, enum = m.ops
    assert (fax.kind, fax.table, fax.column, fax.in_batch) == (Kind.DROP_COLUMN, "users", "fax", True)
    assert (name.table, name.column, name.args["type"]["args"]) == ("users", "name", (20,))
    assert index.autocommit and index.args["concurrently"]
    assert enum.kind == Kind.ADD_ENUM_VALUE and "postgresql" in enum.condition


def test_module_level_helpers_called_from_upgrade_are_followed():
    m = model("""
        from alembic import op
        revision = "r"
        def _cleanup(table):
            op.drop_table("legacy")
            _cleanup(table)  # recursion is not followed twice
        def upgrade():
            _cleanup("x")
    """)
    assert kinds(m) == [(Kind.DROP_TABLE, "legacy", None)]
    assert m.ops[0].helper == "_cleanup" and m.ops[0].line == 5


def test_execute_forms_string_constant_text_fstring_and_connection():
    m = model("""
        from alembic import op
        import sqlalchemy as sa
        from sqlalchemy import text
        revision = "r"
        SQL = "UPDATE users SET a = 1"
        def upgrade():
            op.execute(SQL)
            op.execute(sa.text("DELETE FROM sessions WHERE id = :id"))
            table = "logs"
            op.execute(f"TRUNCATE {table}")
            conn = op.get_bind()
            conn.execute(text("INSERT INTO audit (x) VALUES (%(x)s)"))
            op.get_bind().execute(sa.table("t").update().values(a=1))
            op.execute(make_sql())
    """)
    assert [op.kind for op in m.ops] == [
        Kind.UPDATE,
        Kind.DELETE,
        Kind.TRUNCATE,
        Kind.INSERT,
        Kind.UPDATE,
        Kind.RAW_SQL,
    ]
    assert [op.table for op in m.ops[:5]] == ["users", "sessions", None, "audit", "t"]
    assert m.ops[2].args.get("formatted") is True


def test_unparseable_sql_is_kept_opaque():
    m = model("""
        from alembic import op
        revision = "r"
        def upgrade():
            op.execute("ALTER TABLE t FROBNICATE EVERYTHING")
    """)
    assert [(op.kind, op.sql) for op in m.ops] == [(Kind.RAW_SQL, "ALTER TABLE t FROBNICATE EVERYTHING")]


def test_multi_statement_sql_becomes_several_operations():
    m = model('''
        from alembic import op
        revision = "r"
        def upgrade():
            op.execute("""
                ALTER TABLE users DROP COLUMN fax;
                CREATE UNIQUE INDEX CONCURRENTLY ix_email ON users (email);
                not sql at all;
            """)
    ''')
    assert [op.kind for op in m.ops] == [Kind.DROP_COLUMN, Kind.CREATE_INDEX, Kind.RAW_SQL]
    assert m.ops[1].args == {"concurrently": True, "unique": True, "columns": ("email",)}


def test_bulk_insert_and_create_table_columns():
    m = model("""
        from alembic import op
        import sqlalchemy as sa
        revision = "r"
        def upgrade():
            roles = op.create_table(
                "roles",
                sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("name", sa.String(50), nullable=False, server_default="x"),
                sa.Column("owner_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE")),
            )
            op.bulk_insert(roles, [{"id": 1}])
    """)
    create, insert = m.ops
    cols = {c["name"]: c for c in create.args["columns"]}
    assert cols["name"]["nullable"] is False and cols["name"]["server_default"]
    assert cols["owner_id"]["ondelete"] == "CASCADE" and cols["id"]["primary_key"]
    assert (insert.kind, insert.table, insert.new_table) == (Kind.INSERT, "roles", True)


def test_downgrade_shapes():
    assert model("revision='r'\ndef upgrade(): pass\n").downgrade_shape == "missing"
    assert model("revision='r'\ndef downgrade():\n    '''doc'''\n    pass\n").downgrade_shape == "empty"
    assert model("revision='r'\ndef downgrade():\n    raise NotImplementedError()\n").downgrade_shape == "raises"
    assert model("revision='r'\ndef downgrade():\n    op.drop_table('t')\n").downgrade_shape == "body"
