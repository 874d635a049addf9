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


def _cgroup(root: Path, files: dict[str, str]) -> str:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return str(root)


def test_a_container_cpu_quota_caps_the_default_workers(tmp_path):
    """A CI container limited to 2 CPUs on a large host sees every host CPU in its affinity mask."""
    v2 = _cgroup(tmp_path / "v2", {"cpu.max": "100000 100000\n"})
    assert workers.usable_cpus(v2) == 1
    v1 = _cgroup(
        tmp_path / "v1", {"cpu,cpuacct/cpu.cfs_quota_us": "150000\n", "cpu,cpuacct/cpu.cfs_period_us": "100000\n"}
    )
    assert workers.usable_cpus(v1) == 1  # one and a half CPUs' worth of time: one worker, not two
    tiny = _cgroup(tmp_path / "tiny", {"cpu.max": "10000 100000\n"})
    assert workers.usable_cpus(tiny) == 1  # never fewer than one


def test_no_quota_leaves_the_affinity_mask(tmp_path):
    visible = len(os.sched_getaffinity(0))
    assert workers.usable_cpus(_cgroup(tmp_path / "v2", {"cpu.max": "max 100000\n"})) == visible
    unlimited_v1 = {"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}
    assert workers.usable_cpus(_cgroup(tmp_path / "v1", unlimited_v1)) == visible
    assert workers.usable_cpus(str(tmp_path / "none")) == visible  # no cgroup files at all
    big = _cgroup(tmp_path / "big", {"cpu.max": f"{(visible + 8) * 100000} 100000\n"})
    assert workers.usable_cpus(big) == visible  # a quota above the mask does not add CPUs


def test_findings_and_their_fixes_travel_back_as_constructor_arguments(monkeypatch):
    """Workers pickle every finding of their files, fixes included: no `dataclasses.fields()` per object."""
    import dataclasses
    import pickle

    from mrt.findings import Fix, Related, RiskWarning, TextEdit

    finding = RiskWarning("0004", "v/0004.py", "DROP COLUMN in upgrade", "gone", "error", 14, "MRT201")
    finding.fixes = (Fix("Suppress", (TextEdit(14, 36, 14, 36, "  # mrt: ignore[MRT201]"),)),)
    finding.related = (Related(18, "re-added here", 4, "v/0004.py"),)
    data = pickle.dumps([finding] * 3)

    def fields_not_expected(*args, **kwargs):
        raise AssertionError("pickled through dataclasses.fields()")

    monkeypatch.setattr(dataclasses, "fields", fields_not_expected)
    assert pickle.loads(data) == [finding] * 3
    assert pickle.loads(pickle.dumps(finding.fixes + finding.related)) == finding.fixes + finding.related
    from mrt.model.ops import Operation, Span  # the facts of Django fields hold operations

    op = Operation("alter_column", "upgrade", Span(3, 4, 3, 40), "t", "c", args={"type": {"name": "text"}})
    assert pickle.loads(pickle.dumps(op)) == op


@pytest.mark.parametrize("jobs", [1, 2])
def test_progress_is_told_after_every_chunk_up_to_the_last_file(history, monkeypatch, jobs):
    monkeypatch.setattr(workers, "PARALLEL_FROM", 10)
    told: list[tuple[int, int]] = []
    migrations, _ = analyze_project(history, MRTConfig(), jobs=jobs, progress=lambda *seen: told.append(seen))
    total = len(migrations)
    assert total >= 300 and told[-1] == (total, total)
    assert [done for done, _ in told] == [
        min(n, total) for n in range(workers.CHUNK, total + workers.CHUNK, workers.CHUNK)
    ]
