"""MRT4xx on MySQL/MariaDB: what makes the server copy a table instead of changing it in place.

PostgreSQL's rewrites are tested in test_locks.py; these tests pin the MySQL side of the same rules, and that
none of it fires on a PostgreSQL tree. Each behaviour claimed here was checked on MariaDB 10.11 with
`ALGORITHM=INSTANT` / `ALGORITHM=INPLACE, LOCK=NONE`, which the server refuses when it would copy.
"""

from inline import alembic, of

MYSQL = {"dialect": "mysql"}

# -- MRT404: per-row defaults ----------------------------------------------------------------------------------------


def test_MRT404_mysql_uuid_expression_default_copies_the_table():
    found = of(
        alembic('    op.execute("ALTER TABLE orders ADD COLUMN token varchar(36) DEFAULT (uuid())")', **MYSQL), "MRT404"
    )
    assert len(found) == 1
    assert "ALGORITHM=COPY" in found[0].message and "SET DEFAULT" in found[0].message


def test_MRT404_mysql_default_in_alembic_and_backticked_sql():
    sa_text = '    op.add_column("orders", sa.Column("token", sa.String(36), server_default=sa.text("(uuid())")))'
    backticks = '    op.execute("ALTER TABLE `orders` ADD COLUMN `b` binary(16) DEFAULT (uuid_to_bin(uuid()))")'
    assert len(of(alembic(sa_text, **MYSQL), "MRT404")) == 1
    assert len(of(alembic(backticks), "MRT404")) == 1  # only MySQL parses backticks: the engine is known


def test_MRT404_negative_mysql_constant_or_current_timestamp_default_and_postgresql_tree():
    constant = (
        '    op.execute("ALTER TABLE orders ADD COLUMN n int DEFAULT (1 + 1), ADD COLUMN d datetime DEFAULT now()")'
    )
    assert of(alembic(constant, **MYSQL), "MRT404") == []
    uuid_on_postgresql = '    op.execute("ALTER TABLE orders ADD COLUMN token varchar(36) DEFAULT (uuid())")'
    assert of(alembic(uuid_on_postgresql, dialect="postgresql"), "MRT404") == []  # a user function there
    created = (
        '    op.create_table("tokens", sa.Column("id", sa.Integer, primary_key=True))\n'
        '    op.execute("ALTER TABLE tokens ADD COLUMN token varchar(36) DEFAULT (uuid())")'
    )
    assert of(alembic(created, **MYSQL), "MRT404") == []


# -- MRT419: AUTO_INCREMENT column added ------------------------------------------------------------------------------


def test_MRT419_mysql_auto_increment_column_added_to_an_existing_table():
    found = of(alembic('    op.execute("ALTER TABLE orders ADD COLUMN n int AUTO_INCREMENT UNIQUE")'), "MRT419")
    assert len(found) == 1
    assert "LOCK=NONE" in found[0].message and "gh-ost" in found[0].message


def test_MRT419_negative_mysql_plain_column_or_auto_increment_on_a_new_table():
    plain = '    op.execute("ALTER TABLE orders ADD COLUMN n int UNIQUE, AUTO_INCREMENT = 5")'
    created = (
        '    op.create_table("tickets", sa.Column("id", sa.Integer, primary_key=True))\n'
        '    op.execute("ALTER TABLE tickets ADD COLUMN n int AUTO_INCREMENT UNIQUE")'
    )
    assert of(alembic(plain, **MYSQL), "MRT419") == of(alembic(created, **MYSQL), "MRT419") == []
