"""The per-file pass of a large `mrt check` in several processes.

Each file's own rules need nothing of the other files, and after its pass a file leaves only its header,
facts and findings (`mrt.analyzer._keep_header_only`): small to send back. So a history of thousands of
files is cut into chunks that forked workers analyse in order, and the project pass (revision graphs,
history rules, unused suppressions) runs in the parent on what they return, exactly as in one process.

Forked, not spawned: the workers start with the rule catalog, the settings and the caches already in
memory, where a spawned process would import mrt again. Only where `fork` is the platform's safe
default (Linux); elsewhere, and for small projects, the pass runs in the calling process.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the one-file check imports this module and never forks: keep it cheap
    from mrt.config import MRTConfig
    from mrt.discovery import FoundFile
    from mrt.findings import RiskWarning
    from mrt.model import MigrationAST

# Forking and collecting results costs a few tens of milliseconds: worth it from a few hundred files.
PARALLEL_FROM = 400
CHUNK = 50  # files per task: small enough to even out slow files, large enough to keep pickling cheap

_job: tuple[MRTConfig, bool] | None = None  # what the forked workers inherit instead of receiving it


def usable_cpus(cgroup_root: str = "/sys/fs/cgroup") -> int:
    """The CPUs this process may use: its affinity mask, capped by a container's CPU quota.

    A CI runner limited to two CPUs on a 64-core host still shows 64 in its affinity mask; one worker per
    visible CPU would then fork 64 processes that share two CPUs' worth of time (and 64 times the memory).
    """
    visible = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    quota = _cgroup_cpu_quota(cgroup_root)
    return max(1, min(visible, int(quota))) if quota is not None else visible


def _cgroup_cpu_quota(root: str) -> float | None:
    """CPUs' worth of time the cgroup allows (quota / period), or None without a limit: cgroup v2 `cpu.max`
    ("max 100000" or "200000 100000"), else v1 `cpu.cfs_quota_us` (-1: none) over `cpu.cfs_period_us`."""
    try:
        with open(os.path.join(root, "cpu.max"), encoding="ascii") as handle:
            quota, period = handle.read().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    for v1 in ("cpu", "cpu,cpuacct"):
        try:
            with open(os.path.join(root, v1, "cpu.cfs_quota_us"), encoding="ascii") as handle:
                quota_us = int(handle.read())
            with open(os.path.join(root, v1, "cpu.cfs_period_us"), encoding="ascii") as handle:
                period_us = int(handle.read())
        except (OSError, ValueError):
            continue
        return quota_us / period_us if quota_us > 0 and period_us > 0 else None
    return None


def worth_it(files: int) -> bool:
    return files >= PARALLEL_FROM and sys.platform.startswith("linux")


def per_file_pass(
    found: Sequence[FoundFile],
    config: MRTConfig,
    with_fixes: bool,
    jobs: int,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[MigrationAST], list[RiskWarning]]:
    """`mrt.analyzer.per_file_pass` over `found` in `jobs` processes; results in discovery order, and
    `progress(done, total)` told as each chunk comes back."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from mrt.analyzer import per_file_pass as in_process

    global _job
    _job = (config, with_fixes)
    chunks = [list(found[i : i + CHUNK]) for i in range(0, len(found), CHUNK)]
    migrations: list[MigrationAST] = []
    findings: list[RiskWarning] = []
    pool = ProcessPoolExecutor(
        max_workers=min(jobs, len(chunks)), mp_context=multiprocessing.get_context("fork"), initializer=_worker_setup
    )
    try:
        done = 0
        for chunk, (chunk_migrations, chunk_findings) in zip(chunks, pool.map(_run_chunk, chunks), strict=True):
            migrations.extend(chunk_migrations)
            findings.extend(chunk_findings)
            done += len(chunk)
            if progress is not None:
                progress(done, len(found))
    except BrokenProcessPool:  # a worker died (killed, out of memory): do the work here instead
        pool.shutdown(wait=False, cancel_futures=True)
        return in_process(found, config, with_fixes)
    except BaseException:  # Ctrl-C or a bug: stop handing out chunks, then let it through
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    finally:
        _job = None
    pool.shutdown()
    return migrations, findings


def _worker_setup() -> None:
    """Ctrl-C is the parent's to handle: it cancels the pool, and the workers end with it."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_chunk(chunk: list[FoundFile]) -> Any:
    from mrt.analyzer import per_file_pass as in_process

    assert _job is not None, "workers are forked after the job is set"
    config, with_fixes = _job
    return in_process(chunk, config, with_fixes)
