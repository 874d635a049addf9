"""The database guard: only throw-away databases are migrated, unless the user says otherwise."""

from __future__ import annotations

import pytest

from mrt.config import MRTConfig
from mrt.verify.errors import UnsafeDatabaseError
from mrt.verify.guard import check_disposable, unsafe_reason


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///test.db",
        "sqlite://",
        "sqlite:////var/lib/app/production.db",  # a file is the user's own copy
        "postgresql+psycopg://postgres@127.0.0.1:5432/test",
        "postgresql+psycopg://postgres@localhost/myapp_test",
        "mysql+pymysql://root@127.0.0.1:3306/ci_scratch",
        "postgresql://u:secret@[::1]/tmp_db",
    ],
)
def test_disposable_urls_pass(url: str) -> None:
    assert unsafe_reason(url) is None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("postgresql+psycopg://app@db.internal/myapp_test", "host 'db.internal' is not a loopback address"),
        ("postgresql+psycopg://app@127.0.0.1/myapp", "database name 'myapp' does not contain 'test'"),
        ("mysql+pymysql://root@10.0.0.5/test", "host '10.0.0.5' is not a loopback address"),
    ],
)
def test_other_urls_are_refused_with_the_reason(url: str, reason: str) -> None:
    with pytest.raises(UnsafeDatabaseError) as raised:
        check_disposable(url)
    assert reason in str(raised.value)
    assert "allow_unsafe_database=True" in str(raised.value)


def test_the_password_never_appears_in_the_message() -> None:
    with pytest.raises(UnsafeDatabaseError) as raised:
        check_disposable("postgresql://app:hunter2@db.example.com/prod")
    assert "hunter2" not in str(raised.value)


def test_allow_unsafe_database_is_the_explicit_way_out() -> None:
    check_disposable("postgresql://app@db.example.com/prod", allow_unsafe=True)
    assert MRTConfig(allow_unsafe_database=True).allow_unsafe_database
