"""Which files the server attaches to, and how editor settings are read."""

from __future__ import annotations

import pytest
from mrt_server.classify import django_app, is_migration
from mrt_server.settings import ON_SAVE, Settings, parse_settings, setting_keys

from .migrations import DJANGO_RUNPYTHON, DROP_COLUMN, NOT_A_MIGRATION, alembic


@pytest.mark.parametrize(
    ("path", "text", "attached"),
    [
        ("proj/migrations/versions/a1_drop.py", alembic(DROP_COLUMN, "a1"), True),
        ("proj/db/any_location/a1_drop.py", alembic(DROP_COLUMN, "a1"), True),  # Alembic: any version location
        ("proj/shop/migrations/0002_fill.py", DJANGO_RUNPYTHON, True),
        ("proj/shop/models.py", DJANGO_RUNPYTHON, False),  # a Migration class outside migrations/
        ("proj/app/models.py", NOT_A_MIGRATION, False),
        ("proj/migrations/env.py", alembic(DROP_COLUMN, "a1"), False),
        ("proj/migrations/versions/notes.txt", alembic(DROP_COLUMN, "a1"), False),
        (None, alembic(DROP_COLUMN, "a1"), True),  # an untitled buffer, by content
        (None, NOT_A_MIGRATION, False),
    ],
)
def test_attach_only_to_migrations(path: str | None, text: str, attached: bool):
    assert is_migration(path, text) is attached


def test_django_app_label_is_the_folder_above_migrations():
    assert django_app("/src/shop/migrations/0002_fill.py") == "shop"
    assert django_app(None) is None


def test_settings_nested_or_dotted_with_or_without_the_mrt_section():
    nested = parse_settings({"mrt": {"run": "onSave", "codeActions": {"disableForFile": False}}})
    dotted = parse_settings({"run": "onSave", "codeActions.disableForFile": False})
    assert nested == dotted == Settings(run=ON_SAVE, disable_for_file=False)


def test_bad_values_keep_the_previous_setting_and_are_reported():
    settings = parse_settings(
        {"debounceMs": True, "severity": {"default": "fatal"}, "lint": 1}, Settings(debounce_ms=5)
    )
    assert settings.debounce_ms == 5 and settings.severity_default is None
    assert settings.problems == (
        "mrt.debounceMs = True is not valid; keeping 5",
        "mrt.severity.default = 'fatal' is not valid; keeping None",
        "unknown setting mrt.lint",
    )


def test_every_documented_key_is_accepted():
    for key in setting_keys():
        assert not any("unknown" in p for p in parse_settings({key: None}).problems)
