"""MRT909-MRT913: Django migrations that will not replay cleanly, or do not say what they do; naming."""

import inline
from inline import of

HEADER = """
from django.db import migrations, models
"""

MIGRATION = """

class Migration(migrations.Migration):
    dependencies = [("shop", "0002_previous")]
    operations = [migrations.RunPython(close_old, migrations.RunPython.noop)]
"""


def lint(source, path="shop/migrations/0003_close_old.py", **settings):
    return inline.lint(source, path, **({"select": ["ALL"]} | settings))


# -- MRT910 ---------------------------------------------------------------------------------------------------


def test_MRT910_module_level_import_of_a_model_used_in_runpython():
    source = (
        HEADER
        + "from shop.models import Order\n\n\n"
        + "def close_old(apps, schema_editor):\n"
        + '    Order.objects.filter(status="open").update(status="closed")\n'
        + MIGRATION
    )
    found = of(lint(source), "MRT910")
    assert len(found) == 1 and found[0].line == 3
    assert "Order" in found[0].message and "apps.get_model" in found[0].message


def test_MRT910_import_inside_the_function_and_contrib_models():
    source = (
        HEADER
        + "def close_old(apps, schema_editor):\n"
        + "    from ..models import Order\n"
        + "    from django.contrib.auth.models import Permission\n"
        + "    Permission.objects.filter(codename='x').delete()\n"
        + "    for order in Order.objects.all():\n"
        + "        order.save()\n"
        + MIGRATION
    )
    assert sorted(f.line for f in of(lint(source), "MRT910")) == [4, 5]


def test_MRT910_negative_historical_model_shadowing_the_import_and_non_model_names():
    """The corpus pattern: a module-level `from ... import ContentType` (left over), but the function asks
    `apps.get_model` for the same name, so it only ever uses the historical model."""
    source = (
        HEADER
        + "from django.contrib.contenttypes.models import ContentType\n"
        + "from django.db.models import F\n"
        + "from shop.models import OrderStatus, default_token\n\n\n"
        + "def close_old(apps, schema_editor):\n"
        + '    ContentType = apps.get_model("contenttypes", "ContentType")\n'
        + '    Order = apps.get_model("shop", "Order")\n'
        + "    ContentType.objects.get_for_model(Order)\n"
        + "    Order.objects.update(status=OrderStatus.CLOSED, total=F('total'), token=default_token())\n"
        + MIGRATION
    )
    assert of(lint(source), "MRT910") == []


# -- MRT911 ---------------------------------------------------------------------------------------------------


def test_MRT911_runpython_function_arguments_named_otherwise():
    source = HEADER + "def close_old(registry, editor):\n    pass\n" + MIGRATION
    found = of(lint(source), "MRT911")
    assert len(found) == 1 and "close_old(registry, editor)" in found[0].message


def test_MRT911_negative_conventional_names_underscored_and_off_by_default():
    conventional = HEADER + "def close_old(apps, _schema_editor):\n    pass\n" + MIGRATION
    other = HEADER + "def close_old(registry, editor):\n    pass\n" + MIGRATION
    assert of(lint(conventional), "MRT911") == of(lint(other, select=[]), "MRT911") == []


# -- MRT909 ---------------------------------------------------------------------------------------------------


def test_MRT909_auto_generated_name():
    source = HEADER + "def close_old(apps, schema_editor):\n    pass\n" + MIGRATION
    found = of(lint(source, path="shop/migrations/0005_auto_20240101_1234.py"), "MRT909")
    assert len(found) == 1 and "--name" in found[0].message


def test_MRT909_negative_descriptive_squashed_and_alembic_names_and_default_selection():
    source = HEADER + "def close_old(apps, schema_editor):\n    pass\n" + MIGRATION
    named = lint(source, path="shop/migrations/0005_order_auto_close.py")
    squashed = lint(source, path="shop/migrations/0001_squashed_0005_auto_20240101_1234.py")
    default = lint(source, path="shop/migrations/0005_auto_20240101_1234.py", select=[])
    alembic = lint(
        'from alembic import op\nrevision = "a1"\ndown_revision = None\n\n\ndef upgrade():\n    pass\n'
        "\n\ndef downgrade():\n    pass\n",
        path="versions/0005_auto_20240101_1234.py",
    )
    assert of(named, "MRT909") == of(squashed, "MRT909") == of(default, "MRT909") == of(alembic, "MRT909") == []


# -- MRT912 ---------------------------------------------------------------------------------------------------

# The team's convention: a Django number or an Alembic revision id, then words; never Django's auto names.
CONVENTION = r"(?!\d{4}_auto_)(\d{4}|[0-9a-f]{12})_[a-z][a-z0-9_]+"
ALEMBIC = 'from alembic import op\nrevision = "3f2a9c1b7d4e"\ndown_revision = None\n\n\ndef upgrade():\n    pass\n'


def test_MRT912_alembic_and_django_names_that_break_the_configured_convention():
    django = HEADER + "def close_old(apps, schema_editor):\n    pass\n" + MIGRATION
    empty_message = lint(ALEMBIC, path="versions/3f2a9c1b7d4e_.py", migration_name_pattern=CONVENTION)
    auto = lint(django, path="shop/migrations/0005_auto_20240101_1234.py", migration_name_pattern=CONVENTION)
    found = of(empty_message, "MRT912") + of(auto, "MRT912")
    assert len(found) == 2 and "'3f2a9c1b7d4e_' does not match" in found[0].message


def test_MRT912_negative_names_that_match_and_no_pattern_configured():
    django = HEADER + "def close_old(apps, schema_editor):\n    pass\n" + MIGRATION
    matching = lint(ALEMBIC, path="versions/3f2a9c1b7d4e_add_coupon.py", migration_name_pattern=CONVENTION)
    django_named = lint(django, path="shop/migrations/0005_order_coupon.py", migration_name_pattern=CONVENTION)
    unconfigured = lint(ALEMBIC, path="versions/3f2a9c1b7d4e_.py")
    assert of(matching, "MRT912") == of(django_named, "MRT912") == of(unconfigured, "MRT912") == []


# -- MRT913 ---------------------------------------------------------------------------------------------------


def runpython(body):
    return HEADER + "def close_old(apps, schema_editor):\n" + body + MIGRATION


def test_MRT913_historical_model_bound_to_another_name():
    found = of(
        lint(runpython('    Thing = apps.get_model("shop", "Order")\n    Thing.objects.update(a=1)\n')), "MRT913"
    )
    assert len(found) == 1 and found[0].message == (
        "close_old(): Thing holds the historical model Order: name the variable Order"
    )
    dotted = lint(runpython('    orders = apps.get_model("shop.Order")\n'))
    assert len(of(dotted, "MRT913")) == 1


def test_MRT913_negative_named_after_the_model_unreadable_or_not_selected():
    named = lint(
        runpython(
            '    Order = apps.get_model("shop", "Order")\n'
            '    _OrderLine = apps.get_model("shop", model_name="OrderLine")\n'
            '    customer = apps.get_model("shop", "customer")\n'
            "    Model = apps.get_model(app_label, model_name)\n"
        )
    )
    default = lint(runpython('    Thing = apps.get_model("shop", "Order")\n'), select=[])
    assert of(named, "MRT913") == of(default, "MRT913") == []
