"""MRT9xx graph rules and `mrt.graph`: heads, missing parents, duplicates, cycles, labels, squashes."""

import time

import pytest

from mrt import MRTConfig, analyze_paths, analyze_source
from mrt.graph import UnknownRevision, revisions_after
from mrt.model import parse_migration


def revision(rev, down=None, *, labels=None, depends=None, body="pass"):
    down_text = repr(down)
    lines = [
        "from alembic import op",
        "import sqlalchemy as sa",
        "",
        f"revision = {rev!r}",
        f"down_revision = {down_text}",
        f"branch_labels = {labels!r}",
        f"depends_on = {depends!r}",
        "",
        "",
        "def upgrade():",
        f"    {body}",
        "",
        "",
        "def downgrade():",
        f"    {body}",
        "",
    ]
    return "\n".join(lines)


def django_migration(dependencies, replaces=None):
    text = "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
    text += f"    dependencies = {dependencies!r}\n"
    if replaces:
        text += f"    replaces = {replaces!r}\n"
    return text + "    operations = []\n"


def write(directory, files):
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text)
    return directory


def graph_findings(*paths, **settings):
    return [f for f in analyze_paths([str(p) for p in paths], MRTConfig(**settings)) if f.code.startswith("MRT9")]


# -- MRT901 ---------------------------------------------------------------------------------------------------------


def test_MRT901_two_heads_in_one_tree(tmp_path):
    versions = write(
        tmp_path / "versions",
        {"a0_base.py": revision("a0"), "a1_phone.py": revision("a1", "a0"), "b1_email.py": revision("b1", "a0")},
    )
    found = graph_findings(versions)
    assert [f.code for f in found] == ["MRT901"]
    assert "a1" in found[0].message and "b1" in found[0].message and "alembic merge heads" in found[0].message
    assert found[0].file.endswith("b1_email.py") and found[0].line == 4


def test_MRT901_negative_merge_revision_joins_the_branches(tmp_path):
    versions = write(
        tmp_path / "versions",
        {
            "a0_base.py": revision("a0"),
            "a1_phone.py": revision("a1", "a0"),
            "b1_email.py": revision("b1", "a0"),
            "c2_merge.py": revision("c2", ("a1", "b1")),
        },
    )
    assert graph_findings(versions) == []


def test_MRT901_negative_independent_trees_sharing_ids_and_labelled_branches(tmp_path):
    pg = write(tmp_path / "versions" / "postgresql", {"a0.py": revision("a0"), "a1.py": revision("a1", "a0")})
    write(tmp_path / "versions" / "sqlite", {"a0.py": revision("a0"), "a1.py": revision("a1", "a0")})
    write(
        tmp_path / "other",
        {
            "base.py": revision("base"),
            "e1.py": revision("e1", "base", labels=("expand",)),
            "e2.py": revision("e2", "e1"),
            "c1.py": revision("c1", "base", labels=("contract",), depends=("e1",)),
        },
    )
    assert graph_findings(pg.parent, tmp_path / "other") == []


def test_MRT901_django_conflicting_leaf_nodes(tmp_path):
    app = write(
        tmp_path / "shop" / "migrations",
        {
            "__init__.py": "",
            "0001_initial.py": django_migration([]),
            "0002_phone.py": django_migration([("shop", "0001_initial")]),
            "0002_email.py": django_migration([("shop", "0001_initial")]),
        },
    )
    found = graph_findings(tmp_path)
    assert [f.code for f in found] == ["MRT901"] and "makemigrations --merge shop" in found[0].message
    assert found[0].app == "shop" and app.is_dir()


def test_MRT901_negative_django_merge_migration_and_other_apps(tmp_path):
    write(
        tmp_path / "shop" / "migrations",
        {
            "__init__.py": "",
            "0001_initial.py": django_migration([("auth", "0012_alter_user")]),
            "0002_phone.py": django_migration([("shop", "0001_initial")]),
            "0002_email.py": django_migration([("shop", "0001_initial")]),
            "0003_merge.py": django_migration([("shop", "0002_phone"), ("shop", "0002_email")]),
        },
    )
    write(tmp_path / "blog" / "migrations", {"__init__.py": "", "0001_initial.py": django_migration([])})
    assert graph_findings(tmp_path) == []


def test_MRT901_suppressed_on_the_revision_line(tmp_path):
    head = revision("b1", "a0").replace("revision = 'b1'", "revision = 'b1'  # noqa: MRT901")
    versions = write(
        tmp_path / "versions", {"a0_base.py": revision("a0"), "a1_phone.py": revision("a1", "a0"), "b1.py": head}
    )
    assert graph_findings(versions) == []


# -- MRT904 ---------------------------------------------------------------------------------------------------------


def test_MRT904_down_revision_names_no_revision(tmp_path):
    versions = write(tmp_path / "versions", {"a0.py": revision("a0"), "b2.py": revision("b2", "zz99")})
    found = graph_findings(versions)
    assert [f.code for f in found] == ["MRT904"] and "'zz99'" in found[0].message


def test_MRT904_negative_scan_of_one_subdirectory_of_a_versions_tree(tmp_path):
    write(tmp_path / "versions" / "2023", {"a0.py": revision("a0"), "a1.py": revision("a1", "a0")})
    newer = write(tmp_path / "versions" / "2024", {"b1.py": revision("b1", "a1"), "b2.py": revision("b2", "b1")})
    assert graph_findings(newer) == []
    write(tmp_path / "versions" / "2025", {"c1.py": revision("c1", "zz99")})
    assert [f.code for f in graph_findings(tmp_path / "versions" / "2025")] == ["MRT904"]


def test_MRT904_django_dependency_on_missing_migration_of_a_scanned_app(tmp_path):
    write(
        tmp_path / "shop" / "migrations",
        {
            "__init__.py": "",
            "0001_initial.py": django_migration([]),
            "0002_x.py": django_migration([("shop", "0001_gone")]),
        },
    )
    found = [f for f in graph_findings(tmp_path) if f.code == "MRT904"]
    assert len(found) == 1 and "shop.0001_gone" in found[0].message and found[0].revision == "shop.0002_x"


def test_MRT904_negative_external_apps_squash_replacements_and_single_files(tmp_path):
    write(
        tmp_path / "shop" / "migrations",
        {
            "__init__.py": "",
            "0001_squashed_0003.py": django_migration(
                [("auth", "0001_initial")], replaces=[("shop", "0001_initial"), ("shop", "0003_price")]
            ),
            "0004_more.py": django_migration([("shop", "0003_price"), ("contenttypes", "__first__")]),
        },
    )
    lone = write(tmp_path / "versions", {"b2.py": revision("b2", "a1")})
    assert graph_findings(tmp_path / "shop") == []
    assert graph_findings(lone / "b2.py") == []


# -- MRT905 / MRT906 / MRT907 / MRT908 ---------------------------------------------------------------------------------


def test_MRT905_duplicate_revision_id_in_one_tree(tmp_path):
    versions = write(
        tmp_path / "versions",
        {"a0.py": revision("a0"), "a1_phone.py": revision("a1", "a0"), "a1_email.py": revision("a1", "a0")},
    )
    found = [f for f in graph_findings(versions) if f.code == "MRT905"]
    assert len(found) == 1 and found[0].file.endswith("a1_phone.py") and "a1_email.py" in found[0].message


def test_MRT905_negative_same_ids_in_independent_trees(tmp_path):
    write(tmp_path / "pg", {"a0.py": revision("a0"), "a1.py": revision("a1", "a0")})
    write(tmp_path / "lite", {"a0.py": revision("a0"), "a1.py": revision("a1", "a0")})
    assert graph_findings(tmp_path / "pg", tmp_path / "lite") == []


def test_MRT906_cycle_reported_once(tmp_path):
    versions = write(
        tmp_path / "versions",
        {"a0.py": revision("a0"), "a1.py": revision("a1", ("a0", "b2")), "b2.py": revision("b2", "a1")},
    )
    found = [f for f in graph_findings(versions) if f.code == "MRT906"]
    assert len(found) == 1 and "a1" in found[0].message and "b2" in found[0].message


def test_MRT906_negative_diamond_is_not_a_cycle(tmp_path):
    versions = write(
        tmp_path / "versions",
        {
            "a0.py": revision("a0"),
            "a1.py": revision("a1", "a0"),
            "b1.py": revision("b1", "a0", depends=("a1",)),
            "c2.py": revision("c2", ("a1", "b1")),
        },
    )
    assert graph_findings(versions) == []


def test_MRT907_branch_label_declared_twice(tmp_path):
    versions = write(
        tmp_path / "versions",
        {
            "a0.py": revision("a0"),
            "a1.py": revision("a1", "a0", labels=("billing",)),
            "b1.py": revision("b1", "a0", labels=("billing",)),
        },
    )
    found = [f for f in graph_findings(versions) if f.code == "MRT907"]
    assert len(found) == 1 and "'billing'" in found[0].message and found[0].file.endswith("b1.py")


def test_MRT907_negative_distinct_labels_and_depends_on_a_label(tmp_path):
    versions = write(
        tmp_path / "versions",
        {
            "a0.py": revision("a0"),
            "a1.py": revision("a1", "a0", labels=("billing",)),
            "b1.py": revision("b1", "a0", labels=("search",), depends=("billing",)),
        },
    )
    assert graph_findings(versions) == []


def test_MRT908_overlapping_squashes(tmp_path):
    write(
        tmp_path / "shop" / "migrations",
        {
            "__init__.py": "",
            "0001_squashed_0003.py": django_migration([], replaces=[("shop", "0001_a"), ("shop", "0003_c")]),
            "0003_squashed_0005.py": django_migration(
                [("shop", "0001_squashed_0003")], replaces=[("shop", "0003_c"), ("shop", "0005_e")]
            ),
        },
    )
    found = [f for f in graph_findings(tmp_path) if f.code == "MRT908"]
    assert len(found) == 1 and "overlaps the squash shop.0001_squashed_0003" in found[0].message


def test_MRT908_negative_app_rename_through_replaces(tmp_path):
    write(
        tmp_path / "account" / "migrations",
        {
            "__init__.py": "",
            "0001_initial.py": django_migration([], replaces=[("userprofile", "0001_initial")]),
            "0002_phone.py": django_migration([("account", "0001_initial")], replaces=[("userprofile", "0002_phone")]),
        },
    )
    assert graph_findings(tmp_path) == []


# -- the graph module -----------------------------------------------------------------------------------------------


def test_graph_rules_stay_quiet_on_a_single_buffer():
    assert analyze_source(revision("b2", "zz99"), "migrations/versions/b2.py") == []


def test_ten_thousand_revision_chain_is_linear_and_iterative(tmp_path):
    versions = tmp_path / "versions"
    versions.mkdir()
    previous = None
    for number in range(10_000):
        rev = f"r{number:05d}"
        (versions / f"{rev}.py").write_text(
            f"revision = {rev!r}\ndown_revision = {previous!r}\n\ndef upgrade():\n    pass\n"
        )
        previous = rev
    started = time.perf_counter()
    assert graph_findings(versions) == []
    assert time.perf_counter() - started < 30


def test_revisions_after_alembic_and_django():
    alembic = [
        parse_migration(revision("a0"), "v/a0.py"),
        parse_migration(revision("a1", "a0"), "v/a1.py"),
        parse_migration(revision("a2", "a1"), "v/a2.py"),
    ]
    assert [m.revision for m in revisions_after(alembic, "a0")] == ["a1", "a2"]
    assert [m.revision for m in revisions_after(alembic, "a1")] == ["a2"]
    django = [
        parse_migration(django_migration([]), "shop/migrations/0001_initial.py"),
        parse_migration(django_migration([("shop", "0001_initial")]), "shop/migrations/0002_price.py"),
    ]
    assert [m.label for m in revisions_after(django, "shop.0001_initial")] == ["shop.0002_price"]
    with pytest.raises(UnknownRevision):
        revisions_after(alembic, "nope")


def test_MRT901_negative_cross_app_dependency_on_a_same_named_migration(tmp_path):
    # reviews/0001_initial depends on catalog's 0001_initial: the same file name must not make the
    # reviews folder "catalog" (and so two leaves of catalog).
    from mrt import analyze_paths

    def migration(app_dir, name, deps, replaces=""):
        folder = tmp_path / app_dir / "migrations"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "__init__.py").write_text("")
        (folder / f"{name}.py").write_text(
            "from django.db import migrations\n\nclass Migration(migrations.Migration):\n"
            f"{replaces}    dependencies = {deps!r}\n    operations = []\n"
        )

    migration("catalog", "0001_initial", [])
    migration("catalog", "0002_stock", [("catalog", "0001_initial")])
    migration("reviews", "0001_initial", [("catalog", "0001_initial")])
    migration(
        "reviews",
        "0001_squashed_0002_rating",
        [("catalog", "0001_initial")],
        replaces='    replaces = [("reviews", "0001_initial"), ("reviews", "0002_rating")]\n',
    )
    migration("reviews", "0002_rating", [("reviews", "0001_initial")])
    assert [f.code for f in analyze_paths([tmp_path]) if f.code.startswith("MRT9")] == []
