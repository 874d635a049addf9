"""Finding migrations: alembic.ini version locations, Django apps, and what is not a migration."""

import textwrap

import pytest

from mrt.discovery import DiscoveryError, UnreadMigrationsWarning, alembic_version_locations, discover

REVISION = "revision = 'r1'\ndown_revision = None\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n"


def write(path, text=REVISION):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def names(found):
    return sorted(f.path.split("/")[-1] for f in found)


def test_alembic_ini_with_version_locations_and_recursion(tmp_path):
    (tmp_path / "alembic.ini").write_text(
        textwrap.dedent("""
        [alembic]
        script_location = %(here)s/db
        version_locations = %(here)s/db/versions %(here)s/plugins/versions
        recursive_version_locations = true
        """),
        encoding="utf-8",
    )
    write(tmp_path / "db" / "versions" / "a1_first.py")
    write(tmp_path / "db" / "versions" / "2024" / "b2_nested.py")
    write(tmp_path / "plugins" / "versions" / "c3_plugin.py")
    write(tmp_path / "db" / "versions" / "__init__.py", "")
    write(tmp_path / "db" / "env.py", "import os\n")
    assert names(discover([str(tmp_path)])) == ["a1_first.py", "b2_nested.py", "c3_plugin.py"]


def test_version_locations_with_an_explicit_separator(tmp_path):
    ini = tmp_path / "alembic.ini"
    ini.write_text(
        "[alembic]\nscript_location = app:db\npath_separator = ;\nversion_locations = v1;v2\n", encoding="utf-8"
    )
    assert [p.name for p, _ in alembic_version_locations(ini)] == ["v1", "v2"]
    ini.write_text("[alembic]\nscript_location = app:db\n", encoding="utf-8")
    assert alembic_version_locations(ini)[0][0] == tmp_path / "app" / "db" / "versions"


def test_a_package_resource_location_is_found_where_the_package_lives(tmp_path):
    # Prefect's alembic.ini sits inside the package it names, which lives under src/; every colon
    # after the package is a directory, as Alembic reads it
    database = tmp_path / "src" / "prefect" / "server" / "database"
    write(database / "alembic.ini", "[alembic]\nscript_location = prefect:server:database:_migrations\n")
    write(database / "_migrations" / "versions" / "a1_first.py")
    assert names(discover([str(database)])) == ["a1_first.py"]
    assert names(discover([str(tmp_path)])) == ["a1_first.py"]


def test_script_location_from_pyproject_tool_alembic(tmp_path):
    (tmp_path / "alembic.ini").write_text("[alembic]\nsqlalchemy.url = sqlite://\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.alembic]\nscript_location = "migrations"\n', encoding="utf-8")
    write(tmp_path / "migrations" / "versions" / "a1.py")
    assert names(discover([str(tmp_path)])) == ["a1.py"]


def test_flask_migrate_layout_without_script_location(tmp_path):
    # Flask-Migrate keeps alembic.ini inside migrations/, beside env.py, and sets the location in code.
    migrations = tmp_path / "migrations"
    write(migrations / "alembic.ini", "[alembic]\n# template used to generate migration files\n")
    write(migrations / "env.py", "import flask\n")
    write(migrations / "versions" / "a1_first.py")
    assert names(discover([str(tmp_path)])) == ["a1_first.py"]
    assert names(discover([str(migrations)])) == ["a1_first.py"]


def test_alembic_ini_without_script_location_is_a_clear_error(tmp_path):
    (tmp_path / "alembic.ini").write_text("[alembic]\nsqlalchemy.url = sqlite://\n", encoding="utf-8")
    with pytest.raises(DiscoveryError, match="no script_location"):
        discover([str(tmp_path)])


def test_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(DiscoveryError, match="no such file or directory"):
        discover([str(tmp_path / "nope")])


def test_django_project_root_finds_every_app_and_labels_it(tmp_path):
    write(tmp_path / "manage.py", "print('django')\n")
    write(tmp_path / "shop" / "migrations" / "__init__.py", "")
    write(tmp_path / "shop" / "migrations" / "0001_initial.py", "class Migration: pass\n")
    write(tmp_path / "shop" / "migrations" / "_helpers.py", "X = 1\n")
    write(tmp_path / "blog" / "migrations" / "__init__.py", "")
    write(tmp_path / "blog" / "migrations" / "0001_initial.py", "class Migration: pass\n")
    write(tmp_path / ".venv" / "lib" / "django" / "migrations" / "__init__.py", "")
    found = discover([str(tmp_path)])
    assert sorted((f.app, f.path.split("/")[-1]) for f in found) == [
        ("blog", "0001_initial.py"),
        ("shop", "0001_initial.py"),
    ]


def test_a_versions_directory_is_scanned_recursively(tmp_path):
    write(tmp_path / "versions" / "a.py")
    write(tmp_path / "versions" / "expand" / "b.py")
    assert names(discover([str(tmp_path / "versions")])) == ["a.py", "b.py"]


def test_files_and_directories_mix_and_are_listed_once(tmp_path):
    a = write(tmp_path / "versions" / "a.py")
    assert names(discover([str(a), str(tmp_path / "versions")])) == ["a.py"]


def test_files_below_a_version_location_that_is_not_recursive_are_named_not_silently_left_out(tmp_path):
    # Neutron and zou keep revisions in subdirectories of versions/ and add them in env.py
    write(tmp_path / "alembic.ini", "[alembic]\nscript_location = db\n")
    write(tmp_path / "db" / "versions" / "a1_live.py")
    write(tmp_path / "db" / "versions" / "liberty" / "expand" / "b1_old.py")
    write(tmp_path / "db" / "versions" / "liberty" / "contract" / "c1_old.py")
    write(tmp_path / "db" / "versions" / "__pycache__" / "a1_live.cpython-311.py", "")
    with pytest.warns(
        UnreadMigrationsWarning, match=r"versions: 2 Python file\(s\) in its subdirectories are not checked"
    ):
        assert names(discover([str(tmp_path)])) == ["a1_live.py"]
    assert names(discover([str(tmp_path / "db" / "versions")])) == ["a1_live.py", "b1_old.py", "c1_old.py"]


def test_no_note_when_the_subdirectories_hold_no_migration(tmp_path, recwarn):
    write(tmp_path / "alembic.ini", "[alembic]\nscript_location = db\n")
    write(tmp_path / "db" / "versions" / "a1_live.py")
    write(tmp_path / "db" / "versions" / "__pycache__" / "a1_live.cpython-311.py", "")
    write(tmp_path / "db" / "versions" / "sql" / "__init__.py", "")
    assert names(discover([str(tmp_path)])) == ["a1_live.py"]
    assert not [w for w in recwarn if issubclass(w.category, UnreadMigrationsWarning)]
