"""The static path stays light, and the pre-commit hook runs `mrt check` as documented."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

HEAVY = ("typer", "pydantic", "sqlalchemy", "alembic", "django", "anthropic", "httpx2", "watchfiles", "jsonschema")
PROBE = """
import sys
from mrt.cli import run
code = run(["check", "migrations/versions", "--format", {fmt!r}])
print(sorted(m for m in {heavy!r} if m in sys.modules))
sys.exit(code)
"""


def _imported(project: Path, fmt: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(fmt=fmt, heavy=(*HEAVY, "rich"))],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_a_json_check_imports_no_cli_framework_no_rich_and_nothing_dynamic(alembic_project):
    assert _imported(alembic_project, "json") == "[]"


def test_the_table_in_a_pipe_imports_no_rich_either(alembic_project):
    """rich gives the colours on a terminal and the width of non-ASCII text; plain ASCII in a pipe needs neither."""
    assert _imported(alembic_project, "table") == "[]"


def test_the_pre_commit_hook_checks_the_staged_files_with_the_whole_history(cli, alembic_project):
    hooks = (Path(__file__).parents[2] / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert re.search(r"^- id: mrt-check$", hooks, re.M)
    entry = re.search(r"^  entry: (.+)$", hooks, re.M).group(1).split()
    args = re.search(r"^  args: \[(.*)\]$", hooks, re.M).group(1).replace(" ", "").split(",")
    files = re.compile(re.search(r"^  files: (.+)$", hooks, re.M).group(1))
    exclude = re.compile(re.search(r"^  exclude: (.+)$", hooks, re.M).group(1))
    staged = [p for p in ("migrations/versions/0003_backfill.py", "migrations/env.py", "app/models.py")]
    passed = [p for p in staged if files.search(p) and not exclude.search(p)]
    assert passed == ["migrations/versions/0003_backfill.py"]
    assert entry[0] == "mrt"
    result = cli(*entry[1:], *args, *passed)
    assert result.exit_code == 1
    assert "0003_backfill.py" in result.stdout and "0004_drop_phone" not in result.stdout
