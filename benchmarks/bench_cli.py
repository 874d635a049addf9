"""`mrt check` as a process, side by side with pytest-mrt 1.9.1's `mrt check`.

    python benchmarks/bench_cli.py [--alembic 1000] [--django 3000] [--repeat 7] [--corpus-repeat 3]
                                   [--pytest-mrt /path/to/venv/bin/mrt | --no-pytest-mrt]

Two measurements, each a fresh process timed from spawn to exit (what a user, a pre-commit hook or
CI pays), median of the repeats after one untimed warm-up. Both wall time and CPU time (user + sys
of the child processes) are shown; on a shared, busy machine the CPU time is the steadier of the two,
and the ratios are given for both:

1. **One file:** a directory holding one generated Alembic revision, `check DIR --format json`.
   Target: mrt <= 0.3x pytest-mrt's time.
2. **Whole synthetic corpus:** the history `benchmarks/generate_history.py` writes (seed 7).
   mrt checks it in one process (`mrt check DIR/alembic DIR/django --format json`). pytest-mrt
   accepts one directory per run and detects Django from the first files it sees, so it gets one
   process for the Alembic versions directory plus one per Django app's `migrations/` — how a
   pytest-mrt user would have to run it. Target: mrt >= 10x faster.

pytest-mrt runs from its own virtual environment: by default /tmp/mrt-bench-pytest-mrt-1.9.1,
created with `pip install pytest-mrt==1.9.1` when it does not exist yet. If that install fails
(no network, package gone), only mrt's figures are printed. mrt runs the same way, as a user who ran
`pip install mrt` has it: from a virtual environment of its own (/tmp/mrt-bench-mrt-runtime, holding
mrt's runtime dependencies and nothing else), as `python -m mrt`, from a byte-compiled copy of the
checkout's `mrt` package (pip compiles bytecode, as it did for pytest-mrt). Not from the development
environment: its editable install and dozens of tools add start-up work (`.pth` hooks) that an installed
mrt does not pay, and timing the source tree would time Python's compiler whenever bytecode is not
cached (PYTHONDONTWRITEBYTECODE).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYTEST_MRT_VENV = Path(tempfile.gettempdir()) / "mrt-bench-pytest-mrt-1.9.1"
SINGLE_TARGET = 0.3  # mrt's one-file time / pytest-mrt's
CORPUS_TARGET = 10.0  # pytest-mrt's corpus time / mrt's


def pytest_mrt_executable(explicit: str | None) -> Path | None:
    """pytest-mrt 1.9.1's `mrt`, installing it into its own venv on first use."""
    if explicit:
        return Path(explicit)
    executable = PYTEST_MRT_VENV / "bin" / "mrt"
    if executable.exists():
        return executable
    print(f"installing pytest-mrt==1.9.1 into {PYTEST_MRT_VENV} ...", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(PYTEST_MRT_VENV)], check=True, capture_output=True)
        subprocess.run(
            [str(PYTEST_MRT_VENV / "bin" / "pip"), "install", "-q", "pytest-mrt==1.9.1"],
            check=True,
            capture_output=True,
            timeout=600,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        print(f"pytest-mrt 1.9.1 is not available ({exc}); timing mrt alone", flush=True)
        shutil.rmtree(PYTEST_MRT_VENV, ignore_errors=True)
        return None
    return executable if executable.exists() else None


@dataclass
class Timing:
    wall: float  # median seconds from spawn to exit, all commands of one run together
    cpu: float  # median user + sys seconds of the child processes
    runs: list[float]  # every wall time
    codes: list[int]  # exit codes of the last run, one per command


MRT_RUNTIME_VENV = Path(tempfile.gettempdir()) / "mrt-bench-mrt-runtime"


def runtime_python() -> str:
    """A virtual environment with mrt's runtime dependencies only (created on first use); its python.

    Falls back to the current interpreter when it cannot be created (no network)."""
    python = MRT_RUNTIME_VENV / "bin" / "python"
    if python.exists():
        return str(python)
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    print(f"installing mrt's runtime dependencies into {MRT_RUNTIME_VENV} ...", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(MRT_RUNTIME_VENV)], check=True, capture_output=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", *dependencies], check=True, capture_output=True, timeout=600
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        print(f"cannot build {MRT_RUNTIME_VENV} ({exc}); timing mrt with {sys.executable}", flush=True)
        shutil.rmtree(MRT_RUNTIME_VENV, ignore_errors=True)
        return sys.executable
    return str(python)


def install_compiled_copy(site: Path) -> Path:
    """Copy the checkout's `mrt` package to `site` and byte-compile it, as `pip install` would."""
    shutil.copytree(ROOT / "mrt", site / "mrt", ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(site / "mrt")], check=True)
    return site


def time_commands(commands: list[list[str]], cwd: Path, repeat: int, *, pythonpath: Path | None = None) -> Timing:
    """Run `commands` one after another, `repeat` times after one warm-up run.

    `pythonpath` is where mrt's commands import mrt from; pytest-mrt's commands get no PYTHONPATH,
    or its interpreter could import this checkout's `pytest_mrt` compatibility package instead.
    """
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["NO_COLOR"] = "1"
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    walls: list[float] = []
    cpus: list[float] = []
    codes: list[int] = []
    for attempt in range(repeat + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        codes = []
        for command in commands:
            done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
            codes.append(done.returncode)
            if done.returncode not in (0, 1, 2):
                tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
                print(f"  ! {' '.join(command[-3:])} exited {done.returncode}: {tail[0]}", flush=True)
        elapsed = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if attempt:  # the first run only warms the disk cache
            walls.append(elapsed)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return Timing(statistics.median(walls), statistics.median(cpus), walls, codes)


def generate(out: Path, alembic: int, django: int) -> None:
    generator = HERE / "generate_history.py"
    if generator.exists():
        subprocess.run(
            [
                sys.executable,
                str(generator),
                str(out),
                "--alembic",
                str(alembic),
                "--django",
                str(django),
                "--seed",
                "7",
            ],
            check=True,
            capture_output=True,
        )
        return
    write_small_chain(out / "alembic", alembic)  # the generator is not in this checkout


def write_small_chain(directory: Path, count: int) -> None:
    """A linear Alembic chain of add/drop-column revisions (fallback when there is no generator)."""
    versions = directory / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    (directory / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s\n", encoding="utf-8")
    for i in range(count):
        down = f'"{i - 1:012d}"' if i else "None"
        (versions / f"{i:012d}_step.py").write_text(
            f'"""step {i}"""\nimport sqlalchemy as sa\nfrom alembic import op\n\n'
            f'revision = "{i:012d}"\ndown_revision = {down}\n\n\n'
            f'def upgrade():\n    op.add_column("t", sa.Column("c{i}", sa.Integer(), nullable=True))\n\n\n'
            f'def downgrade():\n    op.drop_column("t", "c{i}")\n',
            encoding="utf-8",
        )


def fmt(seconds: float) -> str:
    return f"{seconds * 1000:8.0f} ms" if seconds < 10 else f"{seconds:8.2f} s "


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alembic", type=int, default=1000, help="Alembic revisions in the corpus (default 1000)")
    parser.add_argument("--django", type=int, default=3000, help="Django migrations in the corpus (default 3000)")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs of the one-file check (default 7)")
    parser.add_argument("--corpus-repeat", type=int, default=3, help="timed runs of the corpus check (default 3)")
    parser.add_argument("--pytest-mrt", metavar="EXE", help="pytest-mrt's `mrt` executable (default: install it)")
    parser.add_argument("--no-pytest-mrt", action="store_true", help="time mrt alone")
    args = parser.parse_args()

    theirs = None if args.no_pytest_mrt else pytest_mrt_executable(args.pytest_mrt)
    ours = [runtime_python(), "-m", "mrt", "check"]
    with tempfile.TemporaryDirectory(prefix="mrt-bench-cli-") as scratch:
        work = Path(scratch)
        site = install_compiled_copy(work / "site")
        corpus = work / "corpus"
        generate(corpus, args.alembic, args.django)
        versions = corpus / "alembic" / "versions"
        single = work / "single"
        single.mkdir()
        shutil.copy(sorted(versions.glob("*.py"))[0], single)
        django_apps = sorted(p.parent for p in (corpus / "django").glob("*/migrations/__init__.py"))
        files = sum(1 for _ in corpus.rglob("*.py") if not _.name.startswith("_"))
        print(
            f"corpus: {files} migration files ({args.alembic} Alembic, {args.django} Django in {len(django_apps)} apps)"
        )
        print(f"python: {sys.version.split()[0]}; mrt: {ours[0]}; pytest-mrt: {theirs or 'not available'}\n")

        rows: list[tuple[str, str, Timing]] = []
        mine = time_commands([[*ours, str(single), "--format", "json"]], work, args.repeat, pythonpath=site)
        rows.append(("one file", "mrt", mine))
        corpus_dirs = [str(corpus / "alembic")] + ([str(corpus / "django")] if django_apps else [])
        mine_c = time_commands([[*ours, *corpus_dirs, "--format", "json"]], work, args.corpus_repeat, pythonpath=site)
        rows.append(("corpus", "mrt (1 command)", mine_c))
        if theirs:
            other = time_commands([[str(theirs), "check", str(single), "--format", "json"]], work, args.repeat)
            rows.insert(1, ("one file", "pytest-mrt 1.9.1", other))
            their_dirs = [versions, *django_apps]
            other_c = time_commands(
                [[str(theirs), "check", str(d), "--format", "json"] for d in their_dirs], work, args.corpus_repeat
            )
            rows.append(("corpus", f"pytest-mrt ({len(their_dirs)} processes)", other_c))

        print(f"{'what':<10} {'tool':<28} {'wall':>11} {'cpu':>11}   wall of every run")
        for what, tool, t in rows:
            print(
                f"{what:<10} {tool:<28} {fmt(t.wall)} {fmt(t.cpu)}   "
                + " ".join(f"{r * 1000:.0f}" for r in t.runs)
                + " ms"
            )
        print(
            f"\nexit codes on the corpus: mrt {mine_c.codes}"
            + (f", pytest-mrt {sorted(set(other_c.codes))}" if theirs else "")
        )
        if not theirs:
            return 0
        for label, ours_t, theirs_t in (("wall", mine, other), ("cpu", mine, other)):
            ratio = getattr(ours_t, label) / getattr(theirs_t, label)
            verdict = "met" if ratio <= SINGLE_TARGET else "NOT met"
            print(
                f"one file ({label}): mrt takes {ratio:.2f}x pytest-mrt's time (target <= {SINGLE_TARGET}x): {verdict}"
            )
        for label in ("wall", "cpu"):
            speedup = getattr(other_c, label) / getattr(mine_c, label)
            verdict = "met" if speedup >= CORPUS_TARGET else "NOT met"
            print(
                f"corpus ({label}):   mrt is {speedup:.1f}x faster than pytest-mrt (target >= {CORPUS_TARGET:.0f}x): {verdict}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
