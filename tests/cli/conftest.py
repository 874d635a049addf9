"""Fixtures for the CLI tests: an in-process runner and small Alembic and Django projects on disk.

`cli("check", "--format", "json")` runs `mrt` the way the console script does (same parser, same
exit codes), in the test's working directory, and returns the exit code with stdout and stderr.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from cli_projects import make_alembic_project, make_django_app

from mrt.cli import run


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):
    def invoke(*args: str) -> Result:
        capsys.readouterr()
        code = run(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


@pytest.fixture
def alembic_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An Alembic project in the working directory: 0001, 0002 clean, 0003 a warning, 0004 an error."""
    monkeypatch.chdir(tmp_path)
    return make_alembic_project(tmp_path)


@pytest.fixture
def django_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Django app `shop` in the working directory: 0001, 0002 clean, 0003 drops a column."""
    monkeypatch.chdir(tmp_path)
    return make_django_app(tmp_path)
