"""`--since`, `--min-revision`, `--history` and `--check-compat`: what a run reports on.

Every migration is still read (graph checks see the whole history); only findings in the chosen
migrations are reported.
"""

from __future__ import annotations

import json

from cli_projects import make_alembic_project

from mrt.graph import alembic_graph
from mrt.model import parse_migration
from mrt.since import ancestors


def _reported(result) -> list[tuple[str, str]]:
    return [(f["revision"], f["rule"]) for f in json.loads(result.stdout)["findings"]]


def test_since_reports_only_revisions_after_it(cli, alembic_project):
    assert _reported(cli("check", "-f", "json", "--since", "0003")) == [("0004", "MRT201")]
    assert _reported(cli("check", "-f", "json", "--since", "0002")) == [("0003", "MRT109"), ("0004", "MRT201")]
    assert _reported(cli("check", "-f", "json", "--since", "0004")) == []


def test_since_accepts_a_unique_prefix_like_alembic(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make_alembic_project(
        tmp_path,
        {
            "a.py": ("a1b2c3d4e5f6", None, 'op.create_table("t", sa.Column("id", sa.Integer))', 'op.drop_table("t")'),
            "b.py": (
                "ffee00112233",
                "a1b2c3d4e5f6",
                'op.drop_column("t", "x")',
                'op.add_column("t", sa.Column("x", sa.Integer))',
            ),
        },
    )
    assert _reported(cli("check", "-f", "json", "--since", "a1b2")) == [("ffee00112233", "MRT201")]


def test_since_follows_merges_and_branches(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    drop = ('op.drop_column("t", "x")', 'op.add_column("t", sa.Column("x", sa.Integer))')
    make_alembic_project(
        tmp_path,
        {
            "base.py": ("base", None, 'op.create_table("t", sa.Column("id", sa.Integer))', 'op.drop_table("t")'),
            "left.py": ("left", "base", *drop),
            "right.py": ("right", "base", *drop),
            "merge.py": ("merge", ("left", "right"), "pass", "pass"),
            "after.py": ("after", "merge", *drop),
        },
    )
    assert [r for r, _ in _reported(cli("check", "-f", "json", "--since", "left"))] == ["after"]
    assert sorted(r for r, _ in _reported(cli("check", "-f", "json", "--since", "base"))) == ["after", "left", "right"]


def test_min_revision_skips_it_and_everything_older(cli, alembic_project):
    assert _reported(cli("check", "-f", "json", "--min-revision", "0003")) == [("0004", "MRT201")]
    assert _reported(cli("check", "-f", "json", "--min-revision", "0002")) == [("0003", "MRT109"), ("0004", "MRT201")]


def test_since_with_django_app_dot_migration(cli, django_project):
    assert _reported(cli("check", "-f", "json", "--since", "shop.0002_product_price")) == [
        ("shop.0003_remove_product_name", "MRT201")
    ]
    assert _reported(cli("check", "-f", "json", "--since", "shop.0003")) == []
    assert _reported(cli("check", "-f", "json", "--min-revision", "shop.0001")) == [
        ("shop.0003_remove_product_name", "MRT201")
    ]


def test_junit_lists_only_the_migrations_in_range(cli, alembic_project):
    from xml.etree import ElementTree as ET

    suite = ET.fromstring(cli("check", "-f", "junit", "--since", "0002").stdout).find("testsuite")
    assert [c.get("name") for c in suite.iter("testcase")] == ["0003", "0004"]


def test_since_that_names_nothing_is_an_input_error(cli, alembic_project):
    result = cli("check", "--since", "zzz")
    assert result.exit_code == 3
    assert result.stderr.startswith("mrt: error: --since: 'zzz' matches no migration here")


def test_ambiguous_prefix_is_an_input_error(cli, alembic_project):
    result = cli("check", "--min-revision", "000")
    assert result.exit_code == 3
    assert "'000' is ambiguous: it matches 0001, 0002, 0003, 0004" in result.stderr


def test_history_is_read_but_only_the_named_files_are_reported(cli, alembic_project):
    result = cli("check", "-f", "json", "--history", ".", "migrations/versions/0003_backfill.py")
    assert _reported(result) == [("0003", "MRT109")]
    assert result.exit_code == 1


def test_check_compat_adds_the_rolling_deploy_family(cli, alembic_project):
    assert _reported(cli("check", "-f", "json")) == [("0003", "MRT109"), ("0004", "MRT201")]
    with_compat = _reported(cli("check", "-f", "json", "--check-compat"))
    assert ("0004", "MRT701") in with_compat
    assert {rule for _, rule in with_compat} - {"MRT109", "MRT201"} == {"MRT701"}
    assert _reported(cli("check", "-f", "json", "--check-compat", "--since", "0004")) == []


def test_the_ancestor_walk_is_iterative_on_a_10000_revision_chain():
    migrations = [
        parse_migration(
            f'revision = "r{i}"\ndown_revision = {f"r{i - 1}" if i else None!r}\ndef upgrade():\n    pass\n'
            "def downgrade():\n    pass\n",
            f"v/r{i}.py",
        )
        for i in range(10_000)
    ]
    graph = alembic_graph(migrations)
    assert len(ancestors(graph, [graph.ids.index("r9999")])) == 9_999
    assert ancestors(graph, [graph.ids.index("r0")]) == set()


def test_since_through_a_symlinked_path(cli, alembic_project, tmp_path_factory):
    link = tmp_path_factory.mktemp("elsewhere") / "project"
    link.symlink_to(alembic_project, target_is_directory=True)
    assert _reported(cli("check", str(link), "-f", "json", "--since", "0003")) == [("0004", "MRT201")]
    staged = str(link / "migrations/versions/0003_backfill.py")
    assert _reported(cli("check", "-f", "json", "--history", str(link), staged)) == [("0003", "MRT109")]


def test_options_and_paths_may_be_intermixed(cli, alembic_project):
    result = cli(
        "check", "migrations/versions/0003_backfill.py", "-f", "json", "migrations/versions/0001_create_users.py"
    )
    assert result.exit_code == 1
    assert _reported(result) == [("0003", "MRT109")]
    assert json.loads(result.stdout)["summary"]["total_issues"] == 1
