"""Real git repositories for the `--base-ref` tests: a `main` branch with the deployed migrations, and a
feature branch that adds a change on top, committed the way a pull request would be."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from mrt import MRTConfig, RiskWarning, analyze_paths
from mrt.discovery import discover
from mrt.git import GitChanges, git_changes

# An Alembic project's frame: `mrt check` finds the versions through alembic.ini, as in a real project.
ALEMBIC_FRAME = {
    "alembic.ini": "[alembic]\nscript_location = migrations\n",
    "migrations/env.py": "from alembic import context\n",
}


class Repo:
    """A git work tree in `root`, created on branch `main` with no commits yet."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "--quiet", "--initial-branch=main")

    def git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", "-c", "user.name=mrt", "-c", "user.email=mrt@example.com", "-c", "commit.gpgsign=false", *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout

    def write(self, files: dict[str, str]) -> None:
        for path, text in files.items():
            (self.root / path).parent.mkdir(parents=True, exist_ok=True)
            (self.root / path).write_text(text, encoding="utf-8")

    def commit(self, files: dict[str, str], message: str = "change") -> None:
        self.write(files)
        self.git("add", "--all")
        self.git("commit", "--quiet", "--message", message)

    def branch(self, name: str = "feature") -> None:
        self.git("switch", "--quiet", "--create", name)

    def changes(self, ref: str = "main", *paths: str) -> GitChanges:
        """What `mrt check --base-ref ref` computes for the migrations under `paths` (default: the work tree)."""
        targets = [str(self.root / p) for p in paths] or [str(self.root)]
        return git_changes(ref, targets[0], [f.path for f in discover(targets)])

    def check(self, ref: str = "main", **settings: Any) -> list[RiskWarning]:
        """Findings of `mrt check --base-ref ref` over the whole work tree, opt-in rules included."""
        config = MRTConfig(extend_select=["MRT7"], git_changes=self.changes(ref), **settings)
        return analyze_paths([self.root], config)


def alembic_revision(rev: str, parent: str | None, upgrade: str = "pass") -> str:
    return (
        f'from alembic import op\nimport sqlalchemy as sa\n\nrevision = "{rev}"\ndown_revision = {parent!r}\n\n\n'
        f"def upgrade():\n    {upgrade}\n\n\ndef downgrade():\n    pass\n"
    )


def django_migration(dependencies: list[tuple[str, str]], operations: str = "") -> str:
    return (
        "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"
        f"    dependencies = {dependencies!r}\n    operations = [{operations}]\n"
    )
