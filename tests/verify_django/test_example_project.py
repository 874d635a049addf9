"""Django mode on the example shop (examples/django_project), on SQLite, PostgreSQL and MariaDB.

Every migration gets the label a reviewer would give it: the RemoveField and the RunPython.noop
reverse lose data, RunSQL/RunPython without a reverse are irreversible (with their line), and the
cross-app foreign keys, the state-only SeparateDatabaseAndState, the squash, the integer -> bigint
AlterField and the PostgreSQL-only concurrent index all round-trip cleanly.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.verify_django.conftest import EXAMPLE

EXPECTED = {
    "accounts/0001_initial": "reversible",
    "accounts/0002_remove_customer_phone": "data loss detected",
    "accounts/0003_lowercase_emails": "data loss detected",
    "accounts/0004_trim_names": "irreversible",
    "catalog/0001_initial": "reversible",
    "catalog/0002_product_stock": "reversible",
    "catalog/0003_alter_product_stock": "reversible",
    "catalog/0004_product_name_index": "reversible",
    "catalog/0005_default_categories": "irreversible",
    "orders/0001_initial": "reversible",
    "orders/0002_order_status": "reversible",
    "orders/0003_order_reference": "reversible",
    "reviews/0001_squashed_0002_review_rating": "reversible",
}


def test_every_migration_gets_its_label(engine_url: str, shop_config) -> None:
    from mrt.verify.django_runner import DjangoRunner

    with DjangoRunner(shop_config(engine_url)) as runner:
        results = runner.check_all()
        leftovers = sa.inspect(runner.connection).get_table_names()
    assert {r.revision: r.label for r in results} == EXPECTED
    by_revision = {r.revision: r for r in results}
    assert "column 'phone' data lost after rollback" in by_revision["accounts/0002_remove_customer_phone"].failures[0]
    assert "column 'email' value changed" in by_revision["accounts/0003_lowercase_emails"].failures[0]
    assert by_revision["accounts/0004_trim_names"].failures == [
        "RunSQL at examples/django_project/accounts/migrations/0004_trim_names.py:9 has no reverse_sql: "
        "rolling back past this migration is impossible"
    ]
    assert (
        "0005_default_categories.py:15 has no reverse_code"
        in by_revision["catalog/0005_default_categories"].failures[0]
    )
    # Nothing is left behind, and Django's bookkeeping table was never created, let alone written.
    assert leftovers == []


def test_apps_restricts_what_is_tested_but_dependencies_still_run(engine_url: str, shop_config) -> None:
    from mrt.verify.django_runner import DjangoRunner

    with DjangoRunner(shop_config(engine_url, django_apps=["accounts"])) as runner:
        assert [r.revision for r in runner.check_all(apps=["orders", "reviews"])] == [
            "orders/0001_initial",
            "orders/0002_order_status",
            "orders/0003_order_reference",
            "reviews/0001_squashed_0002_review_rating",
        ]
        assert {r.revision for r in runner.check_all()} == {k for k in EXPECTED if k.startswith("accounts/")}
        assert runner.tested_migrations() == [k for k in EXPECTED if k.startswith("accounts/")]


def test_check_migration_applies_what_it_depends_on_first(shop_config) -> None:
    from mrt.verify.django_runner import DjangoRunner

    with DjangoRunner(shop_config()) as runner:
        assert runner.check_migration("orders", "0003").label == "reversible"
        result = runner.check_migration("accounts", "0002_remove_customer_phone")
    assert (result.revision, result.passed, result.label) == (
        "accounts/0002_remove_customer_phone",
        False,
        "data loss detected",
    )


def test_skip_and_floor_accept_dotted_and_slashed_names(shop_config) -> None:
    from mrt.verify.django_runner import DjangoRunner

    config = shop_config(
        django_apps=["accounts"],
        skip={"accounts.0004_trim_names": "one-way by design, ADR-7"},
        minimum_downgrade_revision="accounts/0002_remove_customer_phone",
    )
    with DjangoRunner(config) as runner:
        results = {r.revision: (r.label, r.skip_reason) for r in runner.check_all()}
    assert results == {
        "accounts/0001_initial": (
            "skipped",
            "at or before minimum_downgrade_revision 'accounts/0002_remove_customer_phone'",
        ),
        "accounts/0002_remove_customer_phone": (
            "skipped",
            "at or before minimum_downgrade_revision 'accounts/0002_remove_customer_phone'",
        ),
        "accounts/0003_lowercase_emails": ("data loss detected", ""),
        "accounts/0004_trim_names": ("skipped", "one-way by design, ADR-7"),
    }


def test_the_settings_database_is_never_opened(shop_config) -> None:
    from mrt.verify.django_runner import DjangoRunner

    settings_db = EXAMPLE / "db.sqlite3"
    assert not settings_db.exists()
    with DjangoRunner(shop_config(django_apps=["reviews"])) as runner:
        runner.check_all()
        temporary = Path(runner.django.settings_dict["NAME"])
        assert temporary.exists() and temporary.parent != EXAMPLE
    assert not settings_db.exists()
    assert not temporary.exists()  # Django's test database is removed with the runner


@pytest.mark.parametrize(
    "url, reason",
    [
        ("postgresql+psycopg://postgres@db.example.com:5432/shop_test", "is not a loopback address"),
        ("postgresql+psycopg://postgres@127.0.0.1:5432/shop", "does not contain 'test'"),
    ],
)
def test_a_database_that_does_not_look_disposable_is_refused(url: str, reason: str, shop_config) -> None:
    from mrt.verify.django_runner import DjangoRunner
    from mrt.verify.errors import UnsafeDatabaseError

    with pytest.raises(UnsafeDatabaseError, match=reason):
        DjangoRunner(shop_config(url))


def test_unknown_apps_and_migrations_are_one_line_errors(shop_config) -> None:
    from mrt.verify.django_runner import DjangoRunner
    from mrt.verify.errors import VerifyError

    with DjangoRunner(shop_config()) as runner:
        with pytest.raises(VerifyError, match="unknown app label"):
            runner.check_all(apps=["shop"])
        with pytest.raises(VerifyError, match=r"no migration orders\.0009"):
            runner.check_migration("orders", "0009")


def test_migrate_applies_everything_without_django_migrations(engine_url: str, shop_config) -> None:
    from mrt.verify.django_runner import DjangoRunner

    with DjangoRunner(shop_config(engine_url)) as runner:
        runner.migrate()
        tables = set(sa.inspect(runner.connection).get_table_names())
        runner.connection.commit()
    assert {"accounts_customer", "orders_orderline", "reviews_review", "django_content_type"} <= tables
    assert "django_migrations" not in tables


def test_models_match_the_migrations(shop_config) -> None:
    from mrt.verify.django_runner import DjangoRunner

    with DjangoRunner(shop_config()) as runner:
        assert runner.pending_model_changes() == ""
