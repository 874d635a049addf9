"""Scale of a static `mrt check`: does time grow linearly and memory stay bounded?

Generates Alembic chains of 1,000 / 5,000 / 10,000 revisions and Django projects of 1,000 /
5,000 migrations (benchmarks/generate_history.py), runs `mrt check --format json` on each as a
separate process, and prints wall time, time per file, and the process's peak RSS. Linear means the
per-file time stays flat as the history grows. Not a timed test: figures for the closing note.

    .venv/bin/python benchmarks/bench_scale.py [--sizes 1000 5000 10000] [--django 1000 5000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate_history import generate

# Runs the CLI and reports the process's own peak RSS on exit (RUSAGE_CHILDREN would keep the
# largest child seen so far, hiding smaller runs).
_CHILD = (
    "import atexit, resource, sys\n"
    "atexit.register(lambda: sys.stderr.write(f'MAXRSS_KB {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n'))\n"
    "from mrt.cli import main\n"
    "sys.argv = ['mrt', *sys.argv[1:]]\n"
    "main()\n"
)


def run_check(target: Path, jobs: int) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MiB, exit code) of one `mrt check --format json --jobs N` process.

    The peak RSS is the main process's: with `--jobs` above 1 the workers' own is not counted."""
    started = time.perf_counter()
    command = ["check", str(target), "--format", "json", "-o", str(target / "report.json"), "--jobs", str(jobs)]
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, *command],
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    if result.returncode not in (0, 1, 2):
        raise SystemExit(f"mrt check failed on {target}:\n{result.stderr[-2000:]}")
    peak_kb = next(int(line.split()[1]) for line in result.stderr.splitlines() if line.startswith("MAXRSS_KB"))
    return wall, peak_kb / 1024, result.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000], help="Alembic chain lengths")
    parser.add_argument("--django", type=int, nargs="+", default=[1000, 5000], help="Django migration counts")
    parser.add_argument(
        "--jobs", type=int, default=1, help="mrt check --jobs (default 1: time and memory of one process)"
    )
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            out = Path(tmp) / f"a{n}"
            generate(out, alembic=n, django=0, seed=11)
            rows.append(("alembic", n, *run_check(out / "alembic", args.jobs)))
        for n in args.django:
            out = Path(tmp) / f"d{n}"
            generate(out, alembic=0, django=n, seed=11)
            rows.append(("django", n, *run_check(out / "django", args.jobs)))
    print(f"{'history':<8} {'files':>6} {'wall s':>8} {'ms/file':>8} {'peak RSS MiB':>13} {'exit':>5}")
    for kind, n, wall, rss, code in rows:
        print(f"{kind:<8} {n:>6} {wall:>8.2f} {wall / n * 1000:>8.3f} {rss:>13.1f} {code:>5}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
