"""A large history's per-file pass in several processes (`mrt check --jobs`) reports exactly what one
process reports, in the same order, and the project pass sees the same headers and suppressions."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from mrt import workers
from mrt.analyzer import analyze_project
from mrt.config import MRTConfig

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux only")

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
from generate_history import generate  # noqa: E402


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    root = tmp_path_factory.mktemp("history")
    generate(root, alembic=120, django=180, seed=3)
    # a used suppression and an unused one, so the project pass must know what the workers matched
    first = sorted((root / "alembic" / "versions").glob("*.py"))[0]
    first.write_text(first.read_text(encoding="utf-8") + "\n# mrt: ignore-file[MRT101]\n# mrt: ignore-file[MRT999]\n")
    return [str(root / "alembic"), str(root / "django")]


def outcome(paths: list[str], jobs: int) -> tuple[list[tuple[object, ...]], list[str]]:
    config = MRTConfig(extend_select=["MRT903"])
    migrations, findings = analyze_project(paths, config, with_fixes=True, jobs=jobs)
    return [(f.file, f.line, f.code, f.message, f.fixes) for f in findings], [m.label for m in migrations]


def test_workers_report_what_one_process_reports(history, monkeypatch):
    monkeypatch.setattr(workers, "PARALLEL_FROM", 10)
    alone, labels = outcome(history, jobs=1)
    together, labels_together = outcome(history, jobs=2)
    assert together == alone and labels_together == labels
    assert any(code == "MRT903" for _, _, code, *_ in alone)  # the unused suppression, seen after the workers


def test_a_small_project_stays_in_one_process(history, monkeypatch):
    def no_workers(*args: object) -> None:
        raise AssertionError("forked for a small project")

    monkeypatch.setattr(workers, "per_file_pass", no_workers)
    outcome(history, jobs=4)  # 300 files: under PARALLEL_FROM


def die(chunk: object) -> None:
    os._exit(9)  # as a worker the kernel killed for memory would


def test_a_worker_that_dies_leaves_the_work_to_the_parent(history, monkeypatch):
    monkeypatch.setattr(workers, "PARALLEL_FROM", 10)
    alone = outcome(history, jobs=1)
    monkeypatch.setattr(workers, "_run_chunk", die)  # the forked workers inherit the patched module
    assert outcome(history, jobs=2) == alone
