"""MRT4xx on MySQL/MariaDB: what makes the server copy a table instead of changing it in place.

PostgreSQL's rewrites are tested in test_locks.py; these tests pin the MySQL side of the same rules, and that
none of it fires on a PostgreSQL tree. Each behaviour claimed here was checked on MariaDB 10.11 with
`ALGORITHM=INSTANT` / `ALGORITHM=INPLACE, LOCK=NONE`, which the server refuses when it would copy.
"""

from inline import alembic, of

from mrt import MRTConfig, analyze_paths

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


# -- MRT423: type changes MySQL makes by copying the table ------------------------------------------------------------


def test_MRT423_mysql_modify_to_bigint_copies_the_table():
    found = of(
        alembic(
            '    op.execute("ALTER TABLE orders MODIFY id bigint")',
            '    op.execute("ALTER TABLE orders MODIFY id int")\n',
        ),
        "MRT423",
    )
    assert len(found) == 1
    assert "INT to BIGINT" in found[0].message and "ALGORITHM=COPY" in found[0].message


def test_MRT423_mysql_alter_column_types_that_copy():
    copies = [
        "type_=sa.BigInteger(), existing_type=sa.Integer()",
        "type_=sa.String(20), existing_type=sa.String(50)",  # shrinks
        "type_=sa.String(100), existing_type=sa.String(50)",  # 200 to 400 bytes in utf8mb4: a 2-byte length prefix
        "type_=sa.Numeric(12, 2), existing_type=sa.Numeric(10, 2)",
        "type_=sa.Text(), existing_type=sa.String(200)",
    ]
    for change in copies:
        found = of(alembic(f'    op.alter_column("orders", "c", {change})', **MYSQL), "MRT423")
        assert len(found) == 1, change


def test_MRT423_django_alter_field_on_mysql_judged_against_the_previous_definition(tmp_path):
    app = tmp_path / "shop" / "migrations"
    app.mkdir(parents=True)
    (app / "0001_initial.py").write_text(
        "from django.db import migrations, models\n\nclass Migration(migrations.Migration):\n    initial = True\n"
        '    operations = [migrations.CreateModel("Order", [("id", models.AutoField(primary_key=True)), '
        '("total", models.IntegerField())])]\n'
    )
    (app / "0002_total.py").write_text(
        "from django.db import migrations, models\n\nclass Migration(migrations.Migration):\n"
        '    dependencies = [("shop", "0001_initial")]\n'
        '    operations = [migrations.AlterField("order", "total", models.BigIntegerField())]\n'
    )
    found = [f for f in analyze_paths([tmp_path], MRTConfig(**MYSQL)) if f.code == "MRT423"]
    assert len(found) == 1 and "INT to BIGINT" in found[0].message
    assert [f for f in analyze_paths([tmp_path], MRTConfig(dialect="postgresql")) if f.code == "MRT423"] == []


def test_MRT423_negative_mysql_in_place_changes_and_postgresql_tree():
    in_place = [
        "type_=sa.String(60), existing_type=sa.String(20)",  # 80 to 240 bytes: still a 1-byte prefix
        "type_=sa.String(400), existing_type=sa.String(300)",  # already a 2-byte prefix
        "type_=sa.Boolean(), existing_type=mysql.TINYINT(display_width=1)",  # the same column type
        "type_=sa.BigInteger(), existing_type=mysql.BIGINT(display_width=20)",
        "type_=sa.Float(precision=53), existing_type=mysql.DOUBLE()",  # FLOAT(53) is a DOUBLE
        "nullable=False, existing_type=sa.Integer()",
    ]
    for change in in_place:
        assert of(alembic(f'    op.alter_column("orders", "c", {change})', **MYSQL), "MRT423") == [], change
    on_postgresql = alembic(
        '    op.alter_column("orders", "c", type_=sa.BigInteger(), existing_type=sa.Integer())', dialect="postgresql"
    )
    explicit_inplace = alembic(
        '    op.execute("ALTER TABLE orders MODIFY id bigint, ALGORITHM=INPLACE")',
        '    op.execute("ALTER TABLE orders MODIFY id int")\n',
    )
    assert of(on_postgresql, "MRT423") == of(explicit_inplace, "MRT423") == []


def test_MRT423_and_MRT404_in_a_branch_for_mysql_when_the_target_is_not_known():
    upgrade = (
        "    bind = op.get_bind()\n"
        '    if bind.dialect.name == "mysql":\n'
        '        op.alter_column("orders", "c", type_=sa.String(300), existing_type=sa.String(50))\n'
        '        op.execute("ALTER TABLE orders ADD COLUMN token varchar(36) DEFAULT (uuid())")\n'
    )
    found = alembic(upgrade)
    assert {"MRT423", "MRT404"} <= {f.code for f in found}
    elsewhere = alembic(upgrade.replace('"mysql"', '"postgresql"'))
    assert not of(elsewhere, "MRT423")
