"""A Django `AlterField` names only the new field; the type it changes from is in an earlier migration. When
`mrt check` reads the whole migrations directory, MRT418 (rewrite), MRT705 (rolling deploy) and MRT303 (lossy
change) judge it against the field's previous definition. These tests write small app histories."""

import textwrap

from inline import alter, app_history, django_migration, found

from mrt import analyze_paths

CREATE_ORDER = """
    initial = True
    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("code", models.CharField(max_length=100)),
                ("note", models.TextField(blank=True)),
                ("total", models.DecimalField(max_digits=10, decimal_places=2)),
            ],
        ),
    ]
"""


def history(tmp_path, *bodies: str) -> str:
    """The Order model's app: 0001_initial creates it, then one migration per body."""
    return app_history(tmp_path, CREATE_ORDER, *bodies)


COMPAT = {"extend_select": ["MRT7"]}


# -- MRT418: the change rewrites the table -------------------------------------------------------------------


def test_MRT418_django_char_field_becomes_an_integer_field(tmp_path):
    directory = history(tmp_path, alter("code", "models.IntegerField()"))
    [finding] = found(directory, "MRT418")
    assert finding.file.endswith("0002_change.py")
    assert (finding.table, finding.column_name) == ("shop_order", "code")
    assert "from varchar(100) to integer" in finding.message
    assert "rewrites 'shop_order'" in finding.message


def test_MRT418_django_previous_definition_is_the_latest_one(tmp_path):
    """0002 makes the code a TextField; 0003 turns that TextField into a UUIDField."""
    directory = history(tmp_path, alter("code", "models.TextField()"), alter("code", "models.UUIDField()"))
    [finding] = found(directory, "MRT418")
    assert finding.file.endswith("0003_change.py")
    assert "from text to uuid" in finding.message


def test_MRT418_django_field_added_later_and_renamed(tmp_path):
    add = "    operations = [migrations.AddField('order', 'ref', models.IntegerField(default=0))]\n"
    rename = "    operations = [migrations.RenameField('order', 'ref', 'reference')]\n"
    directory = history(tmp_path, add, rename, alter("reference", "models.BigIntegerField(default=0)"))
    [finding] = found(directory, "MRT418")
    assert finding.column_name == "reference" and finding.file.endswith("0004_change.py")
    assert "from integer to bigint" in finding.message


def test_MRT418_django_auto_field_to_big_auto_field(tmp_path):
    directory = tmp_path / "shop" / "migrations"
    history(tmp_path)
    (directory / "0001_initial.py").write_text(
        django_migration(CREATE_ORDER.replace("BigAutoField", "AutoField")), encoding="utf-8"
    )
    (directory / "0002_change.py").write_text(
        django_migration(
            alter("id", "models.BigAutoField(primary_key=True, serialize=False)"), "[('shop', '0001_initial')]"
        ),
        encoding="utf-8",
    )
    [finding] = found(str(directory), "MRT418")
    assert "from integer to bigint" in finding.message


def test_MRT418_negative_django_char_field_grows_or_becomes_text(tmp_path):
    """varchar(100) to varchar(200) and varchar to text are binary-compatible: PostgreSQL changes the catalog only."""
    directory = history(
        tmp_path, alter("code", "models.CharField(max_length=200)"), alter("code", "models.TextField()")
    )
    assert found(directory, "MRT418") == []


def test_MRT418_negative_django_same_column_type_other_options(tmp_path):
    """PositiveIntegerField is an integer with a CHECK; an EmailField of 100 is the varchar(100) it was."""
    directory = history(
        tmp_path,
        alter("code", "models.EmailField(max_length=100, unique=True)"),
        alter("total", "models.DecimalField(max_digits=12, decimal_places=2, null=True)"),
    )
    assert found(directory, "MRT418") == []


def test_MRT418_negative_django_previous_definition_unknown(tmp_path):
    """The field was created by a migration that is not in the scanned directory, by a custom operation, or
    changed by state-only operations mrt does not read: no previous type, no finding."""
    unknown_field = alter("legacy", "models.IntegerField()").replace("'order'", "'invoice'")
    separate = (
        "    operations = [migrations.SeparateDatabaseAndState(\n"
        "        state_operations=[migrations.AlterField('order', 'code', models.IntegerField())],\n"
        "        database_operations=[migrations.RunSQL('ALTER TABLE shop_order ALTER code TYPE integer USING 0')],\n"
        "    )]\n"
    )
    directory = history(tmp_path, unknown_field, separate, alter("code", "models.BigIntegerField()"))
    assert found(directory, "MRT418") == []


def test_MRT418_negative_django_relation_and_custom_field(tmp_path):
    """A ForeignKey's column type is its target's primary key type; a custom field's type is its own business."""
    directory = history(
        tmp_path,
        alter("code", "models.ForeignKey('shop.Coupon', models.CASCADE)"),
        alter("note", "fields.EncryptedTextField()"),
        alter("note", "models.IntegerField()"),
    )
    assert found(directory, "MRT418") == []


def test_MRT418_negative_django_mysql_tree(tmp_path):
    directory = history(tmp_path, alter("code", "models.IntegerField()"))
    assert found(directory, "MRT418", dialect="mysql") == []
    assert found(directory, "MRT303", dialect="mysql") == []


def test_MRT418_negative_django_new_table_or_initial_migration(tmp_path):
    """A model created earlier in the same migration, or an initial migration, has no rows to rewrite."""
    create_and_alter = textwrap.dedent(CREATE_ORDER).replace("Order", "Coupon").replace("initial = True", "")
    create_and_alter = create_and_alter.rstrip().removesuffix("]") + (
        "    migrations.AlterField('coupon', 'code', models.IntegerField()),\n]\n"
    )
    initial = "    initial = True\n" + alter("code", "models.IntegerField()")
    directory = history(tmp_path, textwrap.indent(create_and_alter, "    "), initial)
    assert found(directory, "MRT418") == []


def test_MRT418_negative_django_alter_field_checked_alone(tmp_path):
    """One file named alone cannot show the definition before it."""
    directory = history(tmp_path, alter("code", "models.IntegerField()"))
    assert [f for f in analyze_paths([f"{directory}/0002_change.py"]) if f.code == "MRT418"] == []


def test_MRT418_django_squash_stands_for_the_migrations_it_replaces(tmp_path):
    """With a squash beside the migrations it replaces, the squash stands for them, as in Django's loader: what
    they declare counts once, and the next migration is judged against the squash's definition."""
    directory = tmp_path / "shop" / "migrations"
    history(tmp_path, alter("code", "models.IntegerField()"))
    squash = CREATE_ORDER.replace("models.CharField(max_length=100)", "models.IntegerField()").replace(
        "initial = True", "replaces = [('shop', '0001_initial'), ('shop', '0002_change')]"
    )
    (directory / "0001_squashed_0002_change.py").write_text(django_migration(squash), encoding="utf-8")
    (directory / "0003_change.py").write_text(
        django_migration(alter("code", "models.BigIntegerField()"), "[('shop', '0002_change')]"), encoding="utf-8"
    )
    [finding] = found(str(directory), "MRT418")
    assert finding.file.endswith("0003_change.py")
    assert "from integer to bigint" in finding.message


def test_MRT303_negative_django_parallel_branch_definition_is_not_used(tmp_path):
    """0002_a and 0002_b both follow 0001: 0002_b's AlterField does not come after 0002_a's TextField, so it
    does not shrink a text column (whichever of the two branches Django applies first)."""
    directory = tmp_path / "shop" / "migrations"
    history(tmp_path)
    after_initial = "[('shop', '0001_initial')]"
    (directory / "0002_a.py").write_text(django_migration(alter("code", "models.TextField()"), after_initial), "utf-8")
    (directory / "0002_b.py").write_text(
        django_migration(alter("code", "models.CharField(max_length=100)"), after_initial), "utf-8"
    )
    assert found(str(directory), "MRT303") == []


# -- MRT705: the running version writes values the new type rejects --------------------------------------------


def test_MRT705_django_char_field_shrinks(tmp_path):
    directory = history(tmp_path, alter("code", "models.CharField(max_length=50)"))
    [finding] = found(directory, "MRT705", **COMPAT)
    assert "from varchar(100) to varchar(50)" in finding.message
    assert "length shrinks from 100 to 50" in finding.message


def test_MRT705_negative_django_char_field_grows_or_not_opted_in(tmp_path):
    directory = history(tmp_path, alter("code", "models.CharField(max_length=200)"))
    assert found(directory, "MRT705", **COMPAT) == []
    directory = history(tmp_path / "other", alter("code", "models.CharField(max_length=50)"))
    assert found(directory, "MRT705") == []  # rolling-deploy rules are opt-in (--check-compat)


# -- MRT303: the change can lose data ---------------------------------------------------------------------------


def test_MRT303_django_char_field_shrinks_and_decimal_loses_scale(tmp_path):
    directory = history(
        tmp_path,
        alter("code", "models.CharField(max_length=50)"),
        alter("total", "models.DecimalField(max_digits=10, decimal_places=0)"),
    )
    findings = found(directory, "MRT303")
    assert [f.column_name for f in findings] == ["code", "total"]
    assert "from varchar(100) to varchar(50) can lose data: length shrinks" in findings[0].message
    assert "from numeric(10, 2) to numeric(10, 0)" in findings[1].message


def test_MRT303_django_decimal_gains_scale_at_the_same_precision(tmp_path):
    """numeric(10, 2) to numeric(10, 3) keeps ten digits but one fewer before the point: 10,000,000 overflows."""
    directory = history(tmp_path, alter("total", "models.DecimalField(max_digits=10, decimal_places=3)"))
    [finding] = found(directory, "MRT303")
    assert finding.message.endswith("digits before the point shrink from 8 to 7 (larger values overflow)")


def test_MRT303_negative_django_widening(tmp_path):
    directory = history(
        tmp_path,
        alter("code", "models.CharField(max_length=200)"),
        alter("total", "models.DecimalField(max_digits=14, decimal_places=2)"),
        alter("note", "models.TextField(null=True)"),
    )
    assert found(directory, "MRT303") == []
