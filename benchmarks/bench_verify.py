"""Rollback verification speed: mrt's check_all against the floor and against pytest-mrt.

The input is a generated linear Alembic history whose revisions rotate through creating a table,
adding a nullable column and indexing it, all reversible. Three numbers per size, each measured in
a fresh Python process (interpreter start-up and imports excluded, loading the project included):

* floor     - bare Alembic: `upgrade head`, `downgrade base`, `upgrade head` (what any round trip
              test must at least spend running the migrations); on SQLite also without fsync
              (`floor_nosync`), the setting mrt itself uses for its throw-away database file;
* mrt       - `AlembicRunner(...).check_all()`: seed, snapshot, upgrade, downgrade, compare and
              re-upgrade every revision;
* pytest-mrt - `MRTFixture.check_all()` of pytest-mrt 1.9.1, when a side virtualenv with it exists
              (`--pytest-mrt-python /tmp/pytest-mrt-venv/bin/python`).

    python benchmarks/bench_verify.py --sizes 100 1000 [--repeat 3] [--url postgresql+psycopg://...]

SQLite by default (a file in a temporary directory); a server URL must name a scratch database.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ENV_PY = """
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()


run()
"""


def revision_source(number: int) -> str:
    """Revision `number` (1-based): create a table, add a nullable column to it, index that column."""
    rev, down = f"{number:06d}", (f'"{number - 1:06d}"' if number > 1 else "None")
    kind = number % 3
    if kind == 1:
        up = f'op.create_table("t{number}", sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(50), nullable=False))'
        back = f'op.drop_table("t{number}")'
    elif kind == 2:
        up = f'op.add_column("t{number - 1}", sa.Column("note", sa.String(100), nullable=True))'
        back = f'op.drop_column("t{number - 1}", "note")'
    else:
        up = f'op.create_index("ix_t{number - 2}_note", "t{number - 2}", ["note"])'
        back = f'op.drop_index("ix_t{number - 2}_note", table_name="t{number - 2}")'
    return textwrap.dedent(
        f"""\
        import sqlalchemy as sa
        from alembic import op

        revision = "{rev}"
        down_revision = {down}
        branch_labels = None
        depends_on = None


        def upgrade():
            {up}


        def downgrade():
            {back}
        """
    )


def generate(directory: Path, size: int, url: str) -> Path:
    """Write alembic.ini, env.py and `size` revisions under `directory`; returns the ini path."""
    versions = directory / "migrations" / "versions"
    versions.mkdir(parents=True)
    (directory / "migrations" / "env.py").write_text(ENV_PY, encoding="utf-8")
    for number in range(1, size + 1):
        (versions / f"{number:06d}_step.py").write_text(revision_source(number), encoding="utf-8")
    ini = directory / "alembic.ini"
    ini.write_text(
        f"[alembic]\nscript_location = %(here)s/migrations\nsqlalchemy.url = {url.replace('%', '%%')}\n",
        encoding="utf-8",
    )
    return ini


FLOOR = """
import sys, time
from alembic import command
from alembic.config import Config
if sys.argv[2:] == ["nosync"]:  # the same no-fsync setting mrt uses for its throw-away SQLite file
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    event.listen(Engine, "connect", lambda dbapi, record: dbapi.execute("PRAGMA synchronous = OFF"))
cfg = Config(sys.argv[1])
start = time.perf_counter()
command.upgrade(cfg, "head"); command.downgrade(cfg, "base"); command.upgrade(cfg, "head")
print(time.perf_counter() - start)
"""

MRT = """
import sys, time
import alembic.command, sqlalchemy  # imported before the clock starts, as in FLOOR
from mrt.config import MRTConfig
from mrt.verify.runner import AlembicRunner
start = time.perf_counter()
with AlembicRunner(MRTConfig(alembic_ini=sys.argv[1], db_url=sys.argv[2], allow_unsafe_database=True)) as runner:
    results = runner.check_all()
elapsed = time.perf_counter() - start
assert all(r.passed for r in results), [r.failure_summary() for r in results if not r.passed][:3]
print(elapsed)
"""

PYTEST_MRT = """
import sys, time
import pytest

class Plugin:
    def pytest_configure(self, config):
        from pytest_mrt import MRTConfig
        config._mrt_config = MRTConfig(alembic_ini=sys.argv[1], db_url=sys.argv[2], migration_timeout=None)

sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", "-o", "mrt_default_tests=false", "-s", sys.argv[3]], plugins=[Plugin()]))
"""

PYTEST_MRT_TEST = """
import time

def test_check_all(mrt):
    start = time.perf_counter()
    results = mrt.check_all()
    print("MRT_ELAPSED", time.perf_counter() - start, sum(r.passed for r in results), len(results))
"""


RESET = """
import sys
from mrt.verify.database import create_engine, wipe
connection = create_engine(sys.argv[1]).connect()
wipe(connection)
connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
connection.commit()
if connection.dialect.name == "postgresql":
    # Every run creates and drops thousands of catalog rows; where autovacuum is off (or behind), the
    # dead ones slow each later run's catalog reads, so each measurement starts from a clean catalog.
    connection.connection.dbapi_connection.autocommit = True
    try:
        connection.exec_driver_sql("VACUUM " + ", ".join("pg_catalog." + t for t in sys.argv[2:]))
    except Exception as exc:  # not allowed to: measure as it is
        print(f"no VACUUM of the catalog: {exc}", file=sys.stderr)
"""
CATALOG = ["pg_class", "pg_attribute", "pg_attrdef", "pg_index", "pg_constraint", "pg_depend", "pg_type"]


def reset(url: str, workdir: Path) -> None:
    """Empty the database between measurements (and on PostgreSQL vacuum its catalog)."""
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        path.unlink(missing_ok=True)
        return
    subprocess.run([sys.executable, "-c", RESET, url, *CATALOG], check=True, cwd=workdir)


def measure(python: str, code: str, *args: str, cwd: Path, env: dict[str, str]) -> float:
    out = subprocess.run([python, "-c", code, *args], capture_output=True, text=True, cwd=cwd, env=env)
    if out.returncode != 0:
        raise SystemExit(f"measurement failed:\n{out.stdout}\n{out.stderr}")
    return float(out.stdout.strip().splitlines()[-1])


def measure_pytest_mrt(python: str, ini: Path, url: str, workdir: Path) -> float:
    test = workdir / "test_bench_pytest_mrt.py"
    test.write_text(PYTEST_MRT_TEST, encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # its own pytest_mrt, not ours
    out = subprocess.run(
        [python, "-c", PYTEST_MRT, str(ini), url, str(test)], capture_output=True, text=True, cwd=workdir, env=clean
    )
    for line in out.stdout.splitlines():
        if line.startswith("MRT_ELAPSED"):
            return float(line.split()[1])
    raise SystemExit(f"pytest-mrt run failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--url", help="a scratch database URL (default: a SQLite file in a temp dir)")
    parser.add_argument("--pytest-mrt-python", help="python of a virtualenv with pytest-mrt==1.9.1 installed")
    parser.add_argument("--pytest-mrt-max", type=int, default=100, help="largest size to run pytest-mrt on")
    parser.add_argument("--repeat", type=int, default=1, help="alternate floor and mrt runs N times, keep the best")
    args = parser.parse_args()
    rows = []
    repo = Path(__file__).resolve().parent.parent
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="mrt-bench-") as tmp:
            workdir = Path(tmp)
            url = args.url or f"sqlite:///{workdir / 'bench_test.db'}"
            ini = generate(workdir / "project", size, url)
            env = dict(os.environ, PYTHONPATH=str(repo))
            sqlite = url.startswith("sqlite")
            floors, nosync, mine = [], [], []
            for _ in range(args.repeat):  # alternating, so a busy machine slows all alike
                reset(url, repo)
                floors.append(measure(sys.executable, FLOOR, str(ini), cwd=workdir, env=env))
                if sqlite:
                    reset(url, repo)
                    nosync.append(measure(sys.executable, FLOOR, str(ini), "nosync", cwd=workdir, env=env))
                reset(url, repo)
                mine.append(measure(sys.executable, MRT, str(ini), url, cwd=workdir, env=env))
            floor, ours = min(floors), min(mine)
            row = {
                "revisions": size,
                "floor_s": round(floor, 2),
                "mrt_s": round(ours, 2),
                "mrt_vs_floor": round(ours / floor, 2),
                # every run, in the order measured: the spread says how much of a ratio is noise
                "floor_runs_s": [round(t, 2) for t in floors],
                "mrt_runs_s": [round(t, 2) for t in mine],
            }
            if sqlite:  # the floor without fsync too, since mrt turns it off for its throw-away file
                row["floor_nosync_s"] = round(min(nosync), 2)
                row["mrt_vs_floor_nosync"] = round(ours / min(nosync), 2)
            if args.pytest_mrt_python and size <= args.pytest_mrt_max:
                reset(url, repo)
                theirs = measure_pytest_mrt(args.pytest_mrt_python, ini, url, workdir)
                row.update({"pytest_mrt_s": round(theirs, 2), "pytest_mrt_vs_floor": round(theirs / floor, 2)})
            rows.append(row)
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
