"""How much slower is `mrt.analyze_paths` than just reading and parsing the same files?

    python benchmarks/bench_analyze.py [--dir DIR] [--repeat 5]

Without --dir, a temporary history of 1,000 Alembic revisions and 3,000 Django migrations is generated
with benchmarks/generate_history.py (seed 7). With --dir, DIR must hold the `alembic/` and `django/`
directories that generator writes.

In one process, after one untimed warm-up of each, every repeat times:

  (a) the floor: read every migration file and `ast.parse` it, nothing else;
  (b) `mrt.analyze_paths([DIR/alembic, DIR/django], None)`: discovery, decoding, parsing, SQL parsing,
      every default rule, suppressions and sorting.

Both see exactly the same files (the floor's list comes from mrt's own discovery, computed once,
outside the timings). mrt memoises parsed SQL statements (`functools.lru_cache` on
`mrt.model.sql._parse_statements`); the cache is cleared before every timed analysis so each repeat
pays the full SQL-parsing cost, as a fresh `mrt check` would. The figures reported are medians (and
the ratio of the fastest runs, which a busy machine disturbs least); the target for the ratio
analysis/floor is <= 2.0x.
"""

from __future__ import annotations

import argparse
import ast
import gc
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the checkout's mrt, also when it is not installed

import mrt.model.sql  # noqa: E402
from mrt import analyze_paths  # noqa: E402
from mrt.discovery import discover  # noqa: E402

TARGET_RATIO = 2.0


def floor(files: list[str]) -> int:
    """Read and parse every file: the least any analyser of these files must do."""
    for path in files:
        with open(path, "rb") as handle:
            ast.parse(handle.read(), filename=path)
    return len(files)


def analysis(paths: list[str]) -> list:
    mrt.model.sql._parse_statements.cache_clear()  # no SQL parsed in an earlier repeat may be reused
    return analyze_paths(paths, None)


def timed(func: Callable[[], object]) -> tuple[float, object]:
    gc.collect()
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def peak_rss_mib() -> float | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux


def run(directory: Path, repeat: int) -> int:
    paths = [str(directory / "alembic"), str(directory / "django")]
    for path in paths:
        if not Path(path).is_dir():
            print(f"error: {path} does not exist (generate it with benchmarks/generate_history.py)", file=sys.stderr)
            return 2
    files = [found.path for found in discover(paths)]
    alembic_files = sum(1 for f in files if Path(f).is_relative_to(paths[0]))

    # warm-up: imports (pglast, rule modules), file system cache
    floor(files)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        findings = analysis(paths)
    rule_failures = [w for w in caught if "failed on" in str(w.message)]

    floor_times: list[float] = []
    analysis_times: list[float] = []
    for _ in range(repeat):
        seconds, _count = timed(lambda: floor(files))
        floor_times.append(seconds)
        seconds, findings = timed(lambda: analysis(paths))
        analysis_times.append(seconds)

    floor_median = statistics.median(floor_times)
    analysis_median = statistics.median(analysis_times)
    ratio = analysis_median / floor_median
    by_code = Counter(f.code for f in findings)

    print(f"directory:        {directory}")
    print(f"files:            {len(files)} ({alembic_files} Alembic, {len(files) - alembic_files} Django)")
    print(f"repeats:          {repeat} (after 1 warm-up; medians below)")
    print("SQL parse cache:  mrt.model.sql._parse_statements.cache_clear() before every analysis run")
    print(
        f"floor (read + ast.parse):   {floor_median * 1000:8.1f} ms   ({floor_median / len(files) * 1e6:.0f} us/file)"
    )
    print(
        f"mrt.analyze_paths:          {analysis_median * 1000:8.1f} ms   "
        f"({analysis_median / len(files) * 1e6:.0f} us/file)"
    )
    verdict = "ok" if ratio <= TARGET_RATIO else "OVER TARGET"
    print(f"ratio analysis/floor:       {ratio:8.2f}x   (target <= {TARGET_RATIO:.1f}x: {verdict})")
    # On a shared machine the other tenants only ever add time: the fastest runs are the least disturbed.
    best = min(analysis_times) / min(floor_times)
    print(f"ratio of the fastest runs:  {best:8.2f}x")
    print(f"all floor runs (ms):        {', '.join(f'{t * 1000:.1f}' for t in floor_times)}")
    print(f"all analysis runs (ms):     {', '.join(f'{t * 1000:.1f}' for t in analysis_times)}")
    rss = peak_rss_mib()
    print(f"peak RSS:                   {rss:8.1f} MiB" if rss is not None else "peak RSS: unavailable")
    print(f"findings:         {len(findings)}")
    for code, count in sorted(by_code.items()):
        print(f"  {code}  {count}")
    if rule_failures:
        print(f"rule failures (RuntimeWarning from mrt): {len(rule_failures)}")
        for w in rule_failures[:10]:
            print(f"  {w.message}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, help="a generated history (holding alembic/ and django/)")
    parser.add_argument("--repeat", type=int, default=5, help="timed repeats after the warm-up (default 5)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be >= 1")
    if args.dir is not None:
        return run(args.dir.resolve(), args.repeat)
    with tempfile.TemporaryDirectory(prefix="mrt-bench-") as tmp:
        started = time.perf_counter()
        # In a child process, so that the peak RSS reported below is the benchmark's own.
        command = [sys.executable, str(HERE / "generate_history.py"), tmp, "--alembic", "1000", "--django", "3000"]
        subprocess.run([*command, "--seed", "7"], check=True, stdout=subprocess.DEVNULL)
        print(f"generated 1,000 Alembic + 3,000 Django migrations (seed 7) in {time.perf_counter() - started:.1f} s")
        return run(Path(tmp), args.repeat)


if __name__ == "__main__":
    sys.exit(main())
