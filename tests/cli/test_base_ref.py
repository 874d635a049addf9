"""`mrt check --base-ref REF`: the git-aware check of a change against the branch it merges into.

Without the option nothing changes and git is never started; with it, a bad repository, ref or a missing
git is one line on stderr and exit code 3, like every input error.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from git_repo import ALEMBIC_FRAME, Repo, alembic_revision

VERSIONS = "migrations/versions"


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A project whose `main` has a1 <- b1, on a branch that slipped n1 in between them."""
    repo = Repo(tmp_path / "project")
    repo.commit(
        {
            **ALEMBIC_FRAME,
            f"{VERSIONS}/a1_create_users.py": alembic_revision("a1", None),
            f"{VERSIONS}/b1_add_email.py": alembic_revision("b1", "a1"),
        }
    )
    repo.branch()
    repo.commit(
        {
            f"{VERSIONS}/n1_add_phone.py": alembic_revision("n1", "a1"),
            f"{VERSIONS}/b1_add_email.py": alembic_revision("b1", "n1"),
        }
    )
    monkeypatch.chdir(repo.root)
    return repo


def test_the_diff_against_the_base_branch_is_checked(cli, repo):
    result = cli("check", "--base-ref", "main", "--format", "json")
    assert result.exit_code == 2, result.stderr
    found = {(f["rule"], Path(f["file"]).name) for f in json.loads(result.stdout)["findings"]}
    assert found == {("MRT914", "n1_add_phone.py"), ("MRT914", "b1_add_email.py")}


def test_without_the_option_no_git_process_is_started(cli, repo, monkeypatch):
    def no_git(*args, **kwargs):
        raise AssertionError(f"git was started: {args}")

    monkeypatch.setattr(subprocess, "run", no_git)
    monkeypatch.setattr(subprocess, "Popen", no_git)
    result = cli("check", "--format", "json")
    assert result.exit_code == 0, result.stderr


def test_outside_a_git_repository_is_an_input_error(cli, tmp_path, monkeypatch):
    project = tmp_path / "plain"
    (project / VERSIONS).mkdir(parents=True)
    (project / VERSIONS / "a1_create_users.py").write_text(alembic_revision("a1", None), encoding="utf-8")
    monkeypatch.chdir(project)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    result = cli("check", VERSIONS, "--base-ref", "main")
    assert result.exit_code == 3
    assert result.stderr.strip().splitlines() == [f"mrt: error: --base-ref: {VERSIONS} is not inside a git work tree"]


def test_an_unknown_ref_is_an_input_error(cli, repo):
    result = cli("check", "--base-ref", "origin/nope")
    assert result.exit_code == 3
    assert result.stderr.strip().splitlines() == [
        "mrt: error: --base-ref 'origin/nope': not a branch, tag or commit of this repository"
    ]


def test_a_missing_git_is_an_input_error(cli, repo, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    result = cli("check", "--base-ref", "main")
    assert result.exit_code == 3
    assert result.stderr.strip().splitlines() == ["mrt: error: --base-ref needs git, which is not on PATH"]


def test_a_ref_with_no_common_history_is_an_input_error(cli, repo):
    repo.git("switch", "--quiet", "--orphan", "unrelated")
    repo.commit({"README.md": "unrelated\n"})
    result = cli("check", "--base-ref", "main")
    assert result.exit_code == 3
    assert "no common history with HEAD" in result.stderr


def test_a_shallow_clone_says_what_to_fetch(cli, repo, tmp_path, monkeypatch):
    # actions/checkout fetches one commit by default: the merge base is missing, not unrelated
    repo.commit({"README.md": "changed on the branch\n"})
    url = repo.root.as_uri()
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "--quiet", "--depth", "1", "--branch", "feature", url, str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "fetch", "--quiet", "--depth", "1", "origin", "main:main"], check=True)
    monkeypatch.chdir(clone)
    result = cli("check", "--base-ref", "main")
    assert result.exit_code == 3
    assert "this clone is shallow" in result.stderr and "fetch-depth: 0" in result.stderr


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to hand the repository over")
def test_a_repository_another_user_owns_says_how_to_trust_it(cli, repo):
    # CI containers often check out as one user and run as another: git then refuses the repository
    for path in [repo.root, *repo.root.rglob("*")]:
        os.chown(path, 65534, 65534, follow_symlinks=False)
    result = cli("check", "--base-ref", "main")
    assert result.exit_code == 3
    [line] = result.stderr.strip().splitlines()
    assert "git refuses the repository that holds" in line and "another user owns it" in line
    assert f"git config --global --add safe.directory {repo.root}" in line
