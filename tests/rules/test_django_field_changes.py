"""A Django `AlterField` names only the new field; whether it adds an index, a unique constraint, NOT NULL or
NULL is a comparison with the field's previous definition, in an earlier migration. When `mrt check` reads the
whole migrations directory, MRT407 (index built without CONCURRENTLY), MRT406 (unique constraint built under
lock), MRT412 (SET NOT NULL), and under --check-compat MRT706 (new unique rule) and MRT707 (NULL or no default
where the running version does not expect it) judge it against that definition. These tests write small app
histories."""

import textwrap
from pathlib import Path

from inline import alter, app_history, found

from mrt import analyze_paths

CREATE_ORDER = """
    initial = True
    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("code", models.CharField(max_length=100)),
                ("email", models.EmailField(null=True)),
                ("total", models.IntegerField()),
                ("plan", models.CharField(max_length=20, db_default="free")),
                ("token", models.CharField(max_length=40, unique=True)),
                ("owner", models.ForeignKey("auth.User", models.CASCADE, null=True)),
            ],
        ),
    ]
"""


def history(tmp_path, *bodies: str) -> str:
    """The Order model's app: 0001_initial creates it, then one migration per body."""
    return app_history(tmp_path, CREATE_ORDER, *bodies)


COMPAT = {"extend_select": ["MRT7"]}
UNKNOWN_FIELD = alter("legacy", "models.CharField(max_length=10, db_index=True, unique=True)").replace(
    "'order'", "'invoice'"
)


# -- MRT407: the field gets an index of its own ----------------------------------------------------------------


def test_MRT407_django_alter_field_adds_db_index(tmp_path):
    directory = history(tmp_path, alter("code", "models.CharField(max_length=100, db_index=True)"))
    [finding] = found(directory, "MRT407")
    assert finding.file.endswith("0002_change.py")
    assert (finding.table, finding.column_name) == ("shop_order", "code")
    assert "built without CONCURRENTLY" in finding.message and "AddIndexConcurrently" in finding.message


def test_MRT407_django_char_field_becomes_a_slug_field(tmp_path):
    """A SlugField is indexed unless it says db_index=False."""
    directory = history(tmp_path, alter("code", "models.SlugField(max_length=100)"))
    assert len(found(directory, "MRT407")) == 1


def test_MRT407_django_field_turned_into_a_foreign_key_gets_its_index(tmp_path):
    """`total` (an IntegerField) becomes a ForeignKey: Django renames the column to total_id and indexes it; an
    existing ForeignKey that stops saying db_index=False is indexed too."""
    directory = history(
        tmp_path,
        alter("total", "models.ForeignKey('shop.Customer', models.CASCADE)"),
        alter("owner", "models.ForeignKey('auth.User', models.CASCADE, null=True, db_index=False)"),
        alter("owner", "models.ForeignKey('auth.User', models.CASCADE, null=True)"),
    )
    findings = found(directory, "MRT407")
    assert [(Path(f.file).name, f.column_name) for f in findings] == [
        ("0002_change.py", "total_id"),
        ("0004_change.py", "owner_id"),
    ]
    assert "The ForeignKey's index" in findings[0].message and "AddIndexConcurrently" in findings[0].message


def test_MRT407_negative_django_foreign_key_without_index_one_to_one_or_unchanged(tmp_path):
    """db_index=False builds nothing; a OneToOneField's index is its unique constraint (MRT406); restating the
    ForeignKey with another on_delete changes no index."""
    directory = history(
        tmp_path,
        alter("total", "models.ForeignKey('shop.Customer', models.CASCADE, db_index=False)"),
        alter("code", "models.OneToOneField('shop.Customer', models.CASCADE)"),
        alter("owner", "models.ForeignKey('auth.User', models.SET_NULL, null=True)"),
    )
    assert found(directory, "MRT407") == []


def test_MRT407_negative_django_index_unchanged_or_unique(tmp_path):
    """0002 adds the index (one finding); 0003 restates it beside a longer max_length, 0004 asks for db_index on a
    unique field (its unique constraint already indexes it): nothing more is built."""
    directory = history(
        tmp_path,
        alter("code", "models.CharField(max_length=100, db_index=True)"),
        alter("code", "models.CharField(max_length=200, db_index=True)"),
        alter("token", "models.CharField(max_length=40, unique=True, db_index=True)"),
    )
    assert [Path(f.file).name for f in found(directory, "MRT407")] == ["0002_change.py"]


def test_MRT407_negative_django_previous_definition_unknown(tmp_path):
    """The model is not in the scanned directory, or the field class is not Django's (it may index itself)."""
    directory = history(
        tmp_path,
        UNKNOWN_FIELD,
        alter("code", "fields.TagField(max_length=100)"),
        alter("code", "fields.TagField(max_length=100, db_index=True)"),
    )
    assert found(directory, "MRT407") == []


def test_MRT407_negative_django_foreign_key_is_left_to_the_relation_rules(tmp_path):
    directory = history(tmp_path, alter("owner", "models.ForeignKey('auth.User', models.CASCADE, null=True)"))
    assert found(directory, "MRT407") == []


def test_MRT407_negative_django_mysql_tree(tmp_path):
    directory = history(tmp_path, alter("code", "models.CharField(max_length=100, db_index=True)"))
    assert found(directory, "MRT407", dialect="mysql") == []


def test_MRT407_negative_django_new_table_or_initial_migration(tmp_path):
    """A model created earlier in the same migration, or an initial migration, has no rows to lock."""
    create_and_alter = textwrap.dedent(CREATE_ORDER).replace("Order", "Coupon").replace("initial = True", "")
    create_and_alter = create_and_alter.rstrip().removesuffix("]") + (
        "    migrations.AlterField('coupon', 'code', models.CharField(max_length=100, db_index=True)),\n]\n"
    )
    initial = "    initial = True\n" + alter("code", "models.CharField(max_length=100, db_index=True)")
    directory = history(tmp_path, textwrap.indent(create_and_alter, "    "), initial)
    assert found(directory, "MRT407") == []


def test_MRT407_negative_django_alter_field_checked_alone(tmp_path):
    """One file named alone cannot show the definition before it."""
    directory = history(tmp_path, alter("code", "models.CharField(max_length=100, db_index=True)"))
    assert [f for f in analyze_paths([f"{directory}/0002_change.py"]) if f.code == "MRT407"] == []


# -- MRT406: a unique constraint or primary key built under lock ------------------------------------------------


def test_MRT406_django_alter_field_adds_unique(tmp_path):
    directory = history(tmp_path, alter("code", "models.CharField(max_length=100, unique=True)"))
    [finding] = found(directory, "MRT406")
    assert finding.file.endswith("0002_change.py") and finding.column_name == "code"
    assert "UNIQUE constraint AlterField adds to shop_order.code" in finding.message
    assert "USING INDEX" in finding.message


def test_MRT406_django_alter_field_makes_the_primary_key(tmp_path):
    directory = history(tmp_path, alter("code", "models.CharField(max_length=100, primary_key=True)"))
    [finding] = found(directory, "MRT406")
    assert finding.message.startswith("PRIMARY KEY on shop_order.code")


def test_MRT406_negative_django_unique_unchanged_or_removed(tmp_path):
    """token was unique already (restated with a longer max_length, then made plain): no constraint is built."""
    directory = history(
        tmp_path,
        alter("token", "models.CharField(max_length=64, unique=True)"),
        alter("token", "models.CharField(max_length=64)"),
        UNKNOWN_FIELD,
    )
    assert found(directory, "MRT406") == []


def test_MRT406_negative_django_mysql_tree_or_initial_migration(tmp_path):
    unique = alter("code", "models.CharField(max_length=100, unique=True)")
    assert found(history(tmp_path / "a", unique), "MRT406", dialect="mysql") == []
    assert found(history(tmp_path / "b", "    initial = True\n" + unique), "MRT406") == []


# -- MRT412: SET NOT NULL ---------------------------------------------------------------------------------------


def test_MRT412_django_alter_field_drops_null_true(tmp_path):
    directory = history(tmp_path, alter("email", "models.EmailField()"))
    [finding] = found(directory, "MRT412")
    assert finding.file.endswith("0002_change.py") and finding.column_name == "email"
    assert "SET NOT NULL on shop_order.email (null=True dropped)" in finding.message


def test_MRT412_django_foreign_key_drops_null_true(tmp_path):
    """Nullability means the same for a relation: its owner_id column gets SET NOT NULL."""
    directory = history(tmp_path, alter("owner", "models.ForeignKey('auth.User', models.CASCADE)"))
    [finding] = found(directory, "MRT412")
    assert finding.column_name == "owner_id"


def test_MRT412_django_one_off_default_is_reported_once(tmp_path):
    """`preserve_default=False` says it in the file already: the per-file check reports it, the history does not
    report it again."""
    directory = history(tmp_path, alter("email", "models.EmailField(default='')", ", preserve_default=False"))
    [finding] = found(directory, "MRT412")
    assert "(null=True dropped)" not in finding.message


def test_MRT412_negative_django_field_was_not_null_already(tmp_path):
    """total was NOT NULL: a default added to it changes no nullability; the Order model of another app's
    directory is unknown."""
    directory = history(tmp_path, alter("total", "models.IntegerField(default=0)"), UNKNOWN_FIELD)
    assert found(directory, "MRT412") == []


def test_MRT412_negative_django_check_validated_first(tmp_path):
    """The recipe: a CHECK (email IS NOT NULL) validated earlier in the migration lets SET NOT NULL skip its scan."""
    validate = (
        "    operations = [\n"
        "        migrations.RunSQL('ALTER TABLE shop_order VALIDATE CONSTRAINT email_nn', migrations.RunSQL.noop),\n"
        "        migrations.AlterField('order', 'email', models.EmailField()),\n"
        "    ]\n"
    )
    directory = history(tmp_path, validate)
    assert found(directory, "MRT412") == []


def test_MRT412_negative_django_mysql_tree_or_alone(tmp_path):
    directory = history(tmp_path, alter("email", "models.EmailField()"))
    assert found(directory, "MRT412", dialect="mysql") == []
    assert [f for f in analyze_paths([f"{directory}/0002_change.py"]) if f.code == "MRT412"] == []


# -- MRT706: a new unique rule the running version does not know --------------------------------------------------


def test_MRT706_django_alter_field_adds_unique(tmp_path):
    directory = history(tmp_path, alter("code", "models.CharField(max_length=100, unique=True)"))
    [finding] = found(directory, "MRT706", **COMPAT)
    assert finding.message.startswith("New unique rule on shop_order.code (AlterField unique=True)")


def test_MRT706_negative_django_field_added_in_the_same_migration_or_not_opted_in(tmp_path):
    """A field added by the same migration is not written by the running version; without --check-compat the
    rule is off."""
    add_then_alter = (
        "    operations = [\n"
        "        migrations.AddField('order', 'ref', models.IntegerField(null=True)),\n"
        "        migrations.AlterField('order', 'ref', models.IntegerField(null=True, unique=True)),\n"
        "    ]\n"
    )
    directory = history(tmp_path, add_then_alter, alter("code", "models.CharField(max_length=100, unique=True)"))
    assert [Path(f.file).name for f in found(directory, "MRT706", **COMPAT)] == ["0003_change.py"]
    assert found(directory, "MRT706") == []


def test_MRT706_negative_django_unique_field_made_the_primary_key(tmp_path):
    """token was unique already: as the primary key it rejects no value it did not reject before (the new primary
    key index is still built under lock: MRT406)."""
    directory = history(tmp_path, alter("token", "models.CharField(max_length=40, unique=True, primary_key=True)"))
    assert found(directory, "MRT706", **COMPAT) == []
    assert len(found(directory, "MRT406")) == 1


# -- MRT707: NULL, or no default, where the running version does not expect it -------------------------------------


def test_MRT707_django_alter_field_adds_null_true(tmp_path):
    directory = history(tmp_path, alter("total", "models.IntegerField(null=True)"))
    [finding] = found(directory, "MRT707", **COMPAT)
    assert finding.message == "shop_order.total becomes nullable: the running version does not expect NULL there"


def test_MRT707_django_alter_field_removes_db_default(tmp_path):
    directory = history(tmp_path, alter("plan", "models.CharField(max_length=20)"))
    [finding] = found(directory, "MRT707", **COMPAT)
    assert finding.message.startswith("The db_default of shop_order.plan is dropped")


def test_MRT707_negative_django_nullable_already_or_initial(tmp_path):
    """email was nullable already (restated beside a new max_length); an initial migration runs on an empty
    database, before any running version."""
    directory = history(
        tmp_path,
        alter("email", "models.EmailField(max_length=300, null=True)"),
        "    initial = True\n" + alter("total", "models.IntegerField(null=True)"),
    )
    assert found(directory, "MRT707", **COMPAT) == []
