"""`mrt drift`: models vs the schema the migrations build (Alembic, on a real SQLite file) and
`makemigrations --check --dry-run` (Django)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from cli_projects import make_django_app, write

pytest.importorskip("alembic")
pytest.importorskip("sqlalchemy")

MODELS = """
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(50))
{extra}
"""

ENV = """
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
with engine_from_config(config.get_section(config.config_ini_section), poolclass=pool.NullPool).connect() as conn:
    context.configure(connection=conn, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
"""

REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade():
    op.create_table("users", sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(50)))


def downgrade():
    op.drop_table("users")
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))  # drift puts the project on sys.path
    for name in [m for m in sys.modules if m == "drift_models"]:
        monkeypatch.delitem(sys.modules, name)
    write(tmp_path / "alembic.ini", "[alembic]\nscript_location = migrations\nsqlalchemy.url = sqlite:///app.db\n")
    write(tmp_path / "migrations" / "env.py", ENV)
    write(tmp_path / "migrations" / "versions" / "0001_users.py", REVISION)
    write(tmp_path / "drift_models.py", MODELS.format(extra=""))
    return tmp_path


def test_no_drift_after_upgrading_a_fresh_database(cli, project):
    result = cli("drift", "drift_models:Base", "--config", "alembic.ini", "--db-url", "sqlite:///fresh.db", "--upgrade")
    assert result.stderr == ""
    assert result.exit_code == 0
    assert result.stdout.strip() == "No drift: the database schema matches the models."


def test_drift_is_exit_1_with_a_readable_diff(cli, project):
    write(project / "drift_models.py", MODELS.format(extra="    email = sa.Column(sa.String(80))\n"))
    result = cli("drift", "drift_models:Base.metadata", "--upgrade")  # URL from alembic.ini
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "Drift: 1 difference(s) between the database and the models",
        "+ column users.email (VARCHAR(80)): in the models, not in the database",
    ]
    assert Path("app.db").is_file()


def test_drift_reads_without_upgrading_unless_asked(cli, project):
    result = cli("drift", "drift_models:Base", "--db-url", "sqlite:///empty.db")
    assert result.exit_code == 1
    assert "+ table users: in the models, not in the database" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nomodule:Base"], "cannot import nomodule: ModuleNotFoundError"),
        (["drift_models:Nope"], "drift_models has no attribute 'Nope'"),
        (["drift_models"], "expected module:attribute"),
        (["drift_models:Base", "--config", "missing.ini"], "missing.ini: alembic.ini not found"),
        (["drift_models:Base", "--db-url", "nosuchdb://x"], "bad database URL nosuchdb://x"),
    ],
)
def test_drift_input_errors_are_one_line(cli, project, args, message):
    result = cli("drift", *args)
    assert result.exit_code == 3
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr


def test_drift_without_any_project(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("drift")
    assert result.exit_code == 3
    assert "manage.py: manage.py not found" in result.stderr


# -- Django ------------------------------------------------------------------------------------------------

MANAGE = """
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_settings")
    from django.core.management import execute_from_command_line
    execute_from_command_line(sys.argv)
"""

SETTINGS = """
SECRET_KEY = "test"
INSTALLED_APPS = ["shop"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
"""

DJANGO_MODELS = """
from django.db import models


class Product(models.Model):
    price = models.IntegerField(null=True)
{extra}
"""


@pytest.fixture
def django_site(tmp_path, monkeypatch):
    pytest.importorskip("django")
    # manage.py only sets a default: a DJANGO_SETTINGS_MODULE already in the environment (a shell's, or one
    # an in-process Django verification left behind in this test session) would name another project.
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    monkeypatch.chdir(tmp_path)
    make_django_app(tmp_path)
    write(tmp_path / "manage.py", MANAGE)
    write(tmp_path / "site_settings.py", SETTINGS)
    write(tmp_path / "shop" / "models.py", DJANGO_MODELS.format(extra=""))
    return tmp_path


def test_django_models_that_match_their_migrations(cli, django_site):
    result = cli("drift")
    assert result.stderr == ""
    assert (result.exit_code, result.stdout.strip()) == (0, "No drift: the models match the migrations.")


def test_django_settings_inherited_from_the_environment_are_named_in_the_error(cli, django_site, monkeypatch):
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "othersite.settings")
    result = cli("drift")
    assert result.exit_code == 3
    assert "No module named 'othersite'" in result.stderr
    assert "DJANGO_SETTINGS_MODULE=othersite.settings from the environment was used" in result.stderr


def test_django_model_change_without_a_migration_is_drift(cli, django_site):
    write(
        django_site / "shop" / "models.py",
        DJANGO_MODELS.format(extra="    sku = models.CharField(max_length=20, null=True)\n"),
    )
    result = cli("drift", "--manage", "manage.py", "--settings", "site_settings")
    assert result.exit_code == 1
    assert result.stdout.startswith("Drift: the models have changes with no migration")
    assert "Migrations for 'shop'" in result.stdout and "sku" in result.stdout
