"""MRT914 and MRT710: what the diff against the base branch shows (`mrt check --base-ref REF`).

Each test builds a real git repository: `main` holds what is deployed, a feature branch holds the change,
and the check compares them the way CI does for a pull request. The migrations alone cannot show either
hazard: the graph of a slipped-in revision is linear, and a drop looks the same with or without code beside it.
"""

from __future__ import annotations

import pytest
from git_repo import ALEMBIC_FRAME, Repo, alembic_revision, django_migration

from mrt import MRTConfig, analyze_paths
from mrt.config import ConfigError

VERSIONS = "migrations/versions"
DEPLOYED = {
    **ALEMBIC_FRAME,
    f"{VERSIONS}/a1_create_users.py": alembic_revision("a1", None),
    f"{VERSIONS}/b1_add_email.py": alembic_revision("b1", "a1"),
    "app/models.py": "class User:\n    legacy_code = None\n",
    "README.md": "# app\n",
}


@pytest.fixture
def repo(tmp_path):
    """`main` with two deployed revisions a1 <- b1 and the application; checked out on branch `feature`."""
    repo = Repo(tmp_path / "project")
    repo.commit(DEPLOYED, "deployed")
    repo.branch("feature")
    return repo


def codes(findings, prefix=("MRT914", "MRT710", "MRT70", "MRT901")):
    return sorted((f.code, f.file.rsplit("/", 1)[-1]) for f in findings if f.code.startswith(prefix))


# -- MRT914 ----------------------------------------------------------------------------------------------


def test_MRT914_a_revision_slipped_in_below_the_deployed_head(repo):
    repo.commit(
        {
            f"{VERSIONS}/n1_add_phone.py": alembic_revision("n1", "a1"),
            f"{VERSIONS}/b1_add_email.py": alembic_revision("b1", "n1"),
        }
    )
    findings = [f for f in repo.check() if f.code == "MRT914"]
    assert sorted(f.file.rsplit("/", 1)[-1] for f in findings) == ["b1_add_email.py", "n1_add_phone.py"]
    below = next(f for f in findings if f.file.endswith("n1_add_phone.py"))
    assert "n1 was added since main but sits below b1" in below.message
    assert "never run it" in below.message and "Rebase n1 on the current head" in below.message
    assert below.related[0].file.endswith("b1_add_email.py")
    reparented = next(f for f in findings if f.file.endswith("b1_add_email.py"))
    assert "b1 existed at main with parents a1; this change adds n1" in reparented.message


def test_MRT914_negative_the_same_history_without_base_ref_is_a_linear_graph(repo):
    repo.commit(
        {
            f"{VERSIONS}/n1_add_phone.py": alembic_revision("n1", "a1"),
            f"{VERSIONS}/b1_add_email.py": alembic_revision("b1", "n1"),
        }
    )
    assert codes(analyze_paths([repo.root], MRTConfig())) == []


def test_MRT914_an_uncommitted_revision_counts_as_added(repo):
    repo.write(
        {
            f"{VERSIONS}/n1_add_phone.py": alembic_revision("n1", "a1"),
            f"{VERSIONS}/b1_add_email.py": alembic_revision("b1", "n1"),
        }
    )
    assert ("MRT914", "n1_add_phone.py") in codes(repo.check())


def test_MRT914_negative_a_new_revision_on_top_of_the_head(repo):
    repo.commit({f"{VERSIONS}/n1_add_phone.py": alembic_revision("n1", "b1")})
    assert codes(repo.check()) == []


def test_MRT914_negative_a_branch_joined_by_a_merge_revision(repo):
    repo.commit(
        {
            f"{VERSIONS}/n1_add_phone.py": alembic_revision("n1", "a1"),
            f"{VERSIONS}/m1_merge.py": alembic_revision("m1", ("b1", "n1")),
        }
    )
    assert codes(repo.check()) == []


def test_MRT914_negative_a_moved_revision_file_is_not_new(repo):
    repo.git("mv", f"{VERSIONS}/a1_create_users.py", f"{VERSIONS}/a1_users.py")
    repo.commit({}, "rename")
    assert codes(repo.check()) == []


def test_MRT914_negative_repairing_a_parent_that_named_nothing(tmp_path):
    repo = Repo(tmp_path / "project")
    broken = {**DEPLOYED, f"{VERSIONS}/b1_add_email.py": alembic_revision("b1", "a0_typo")}
    repo.commit(broken, "deployed with a typo")
    repo.branch()
    repo.commit({f"{VERSIONS}/b1_add_email.py": alembic_revision("b1", "a1")})
    assert codes(repo.check()) == []


SHOP = "shop/migrations"
DJANGO_DEPLOYED = {
    "shop/__init__.py": "",
    "shop/models.py": "",
    f"{SHOP}/__init__.py": "",
    f"{SHOP}/0001_initial.py": django_migration([]),
    f"{SHOP}/0002_add_email.py": django_migration([("shop", "0001_initial")]),
}


@pytest.fixture
def django_repo(tmp_path):
    repo = Repo(tmp_path / "project")
    repo.commit(DJANGO_DEPLOYED, "deployed")
    repo.branch("feature")
    return repo


def test_MRT914_django_existing_migration_made_to_depend_on_a_new_one(django_repo):
    django_repo.commit(
        {
            f"{SHOP}/0002_add_phone.py": django_migration([("shop", "0001_initial")]),
            f"{SHOP}/0002_add_email.py": django_migration([("shop", "0002_add_phone")]),
        }
    )
    findings = [f for f in django_repo.check() if f.code == "MRT914"]
    assert sorted(f.file.rsplit("/", 1)[-1] for f in findings) == ["0002_add_email.py", "0002_add_phone.py"]
    assert all("InconsistentMigrationHistory" in f.message for f in findings)


def test_MRT914_negative_django_branches_joined_by_makemigrations_merge(django_repo):
    django_repo.commit(
        {
            f"{SHOP}/0002_add_phone.py": django_migration([("shop", "0001_initial")]),
            f"{SHOP}/0003_merge.py": django_migration([("shop", "0002_add_email"), ("shop", "0002_add_phone")]),
        }
    )
    assert codes(django_repo.check()) == []


def test_MRT914_negative_a_new_django_squash_stands_in_for_applied_migrations(django_repo):
    django_repo.commit({f"{SHOP}/0003_add_name.py": django_migration([("shop", "0002_add_email")])}, "deployed too")
    squash = django_migration([]).replace(
        "    operations", '    replaces = [("shop", "0001_initial"), ("shop", "0002_add_email")]\n    operations'
    )
    django_repo.commit({f"{SHOP}/0001_squashed_0002_add_email.py": squash})
    assert codes(django_repo.check("HEAD~1")) == []


def test_MRT914_django_a_deployed_migration_renamed(django_repo):
    # Django knows a migration by its file name: renumbering a deployed one makes it new to every database
    django_repo.git("mv", f"{SHOP}/0002_add_email.py", f"{SHOP}/0003_add_email.py")
    django_repo.commit({})
    [finding] = [f for f in django_repo.check() if f.code == "MRT914"]
    assert finding.file.endswith("0003_add_email.py")
    assert "renamed from 0002_add_email" in finding.message and "run 0003_add_email again" in finding.message


def test_MRT914_negative_a_dependency_added_on_another_deployed_migration(django_repo):
    # both ran on every deployed database: the added edge orders nothing that has not run yet
    django_repo.commit(
        {
            "billing/__init__.py": "",
            "billing/migrations/__init__.py": "",
            "billing/migrations/0001_initial.py": django_migration([]),
        },
        "deployed too",
    )
    edited = django_migration([("shop", "0001_initial"), ("billing", "0001_initial")])
    django_repo.commit({f"{SHOP}/0002_add_email.py": edited})
    assert codes(django_repo.check("HEAD~1")) == []


# -- MRT710 ----------------------------------------------------------------------------------------------

DROP = f"{VERSIONS}/c1_drop_legacy.py"
DROP_REVISION = alembic_revision("c1", "b1", 'op.drop_column("users", "legacy_code")')


def test_MRT710_a_drop_shipped_with_the_code_that_stopped_using_the_column(repo):
    repo.commit({DROP: DROP_REVISION, "app/models.py": "class User:\n    pass\n"})
    findings = repo.check()
    assert codes(findings) == [("MRT710", "c1_drop_legacy.py")]  # instead of MRT701, not beside it
    [finding] = [f for f in findings if f.code == "MRT710"]
    assert "Dropping column users.legacy_code" in finding.message
    assert "this change also edits application code (app/models.py)" in finding.message


def test_MRT710_django_rename_beside_a_changed_view(django_repo):
    django_repo.commit(
        {
            f"{SHOP}/0003_rename.py": django_migration(
                [("shop", "0002_add_email")], 'migrations.RenameField("order", "code", "number")'
            ),
            "shop/views.py": "def show(order):\n    return order.number\n",
        }
    )
    assert codes(django_repo.check()) == [("MRT710", "0003_rename.py")]


def test_MRT710_negative_only_docs_changed_beside_the_drop(repo):
    repo.commit({DROP: DROP_REVISION, "README.md": "# app\n\nlegacy_code is gone.\n"})
    assert codes(repo.check()) == [("MRT701", "c1_drop_legacy.py")]


def test_MRT710_negative_tests_and_the_alembic_env_are_not_application_code(repo):
    repo.commit(
        {
            DROP: DROP_REVISION,
            "tests/test_users.py": "def test_users():\n    pass\n",
            "app/conftest.py": "",
            "migrations/env.py": "from alembic import context  # changed\n",
            f"{VERSIONS}/_helpers.py": "",
        }
    )
    assert codes(repo.check()) == [("MRT701", "c1_drop_legacy.py")]


def test_MRT710_negative_code_changed_beside_an_added_column(repo):
    add = alembic_revision("c1", "b1", 'op.add_column("users", sa.Column("phone", sa.String(20)))')
    repo.commit({f"{VERSIONS}/c1_add_phone.py": add, "app/models.py": "class User:\n    phone = None\n"})
    assert codes(repo.check(), ("MRT710",)) == []


def test_MRT710_negative_the_drop_was_already_on_the_base_branch(tmp_path):
    repo = Repo(tmp_path / "project")
    repo.commit({**DEPLOYED, DROP: DROP_REVISION}, "deployed")
    repo.branch()
    repo.commit({"app/models.py": "class User:\n    pass\n"})
    assert codes(repo.check()) == [("MRT701", "c1_drop_legacy.py")]


def test_MRT710_negative_opt_in_like_every_rolling_deploy_rule(repo):
    repo.commit({DROP: DROP_REVISION, "app/models.py": "class User:\n    pass\n"})
    config = MRTConfig(git_changes=repo.changes())
    assert codes(analyze_paths([repo.root], config)) == []


def test_git_changes_come_from_base_ref_not_from_the_configuration():
    with pytest.raises(ConfigError, match="set by `mrt check --base-ref REF`"):
        MRTConfig().merged({"git_changes": "origin/main"})


def test_MRT701_keeps_its_finding_when_MRT710_is_not_there_to_take_it(repo):
    repo.commit({DROP: DROP_REVISION, "app/models.py": "class User:\n    pass\n"})
    assert codes(repo.check(ignore=["MRT710"])) == [("MRT701", "c1_drop_legacy.py")]
    only_701 = MRTConfig(select=["MRT701"], git_changes=repo.changes())
    assert codes(analyze_paths([repo.root], only_701)) == [("MRT701", "c1_drop_legacy.py")]


def test_MRT710_a_repository_below_a_directory_named_test(tmp_path):
    # only the paths inside the repository decide what is a test, not where the checkout happens to live
    repo = Repo(tmp_path / "test" / "project")
    repo.commit(DEPLOYED, "deployed")
    repo.branch("feature")
    repo.commit({DROP: DROP_REVISION, "app/models.py": "class User:\n    pass\n"})
    assert codes(repo.check()) == [("MRT710", "c1_drop_legacy.py")]


def test_MRT710_an_accepted_drop_stays_accepted(repo):
    # `# mrt: ignore[MRT701]` on the drop: MRT710, reported instead of MRT701 with --base-ref, is silenced too
    # (and the comment counts as used)
    accepted = alembic_revision("c1", "b1", 'op.drop_column("users", "legacy_code")  # mrt: ignore[MRT701] -- unused')
    repo.commit({DROP: accepted, "app/models.py": "class User:\n    pass\n"})
    config = MRTConfig(extend_select=["MRT7", "MRT903"], git_changes=repo.changes())
    assert codes(analyze_paths([repo.root], config), ("MRT7", "MRT903")) == []


def test_MRT710_negative_an_untracked_scratch_script_is_no_application_code(repo):
    repo.commit({DROP: DROP_REVISION})
    repo.write({"scratch.py": "print('trying something')\n"})  # never added: not part of the change
    assert codes(repo.check()) == [("MRT701", "c1_drop_legacy.py")]
