"""Django-mode rollback verification speed: `DjangoRunner.check_all()` against the floor.

The input is a generated Django project with one app whose N migrations rotate through creating a
model, adding a nullable field to it and indexing that field, all reversible. Two numbers per size,
each measured in a fresh Python process (interpreter start-up and imports excluded, loading the
migrations included):

* floor - bare Django: `migrate`, `migrate bench zero`, `migrate` (what any round-trip test must at
          least spend running the migrations);
* mrt   - `DjangoRunner(...).check_all()`: seed, snapshot, apply, unapply, compare and re-apply every
          migration, ending with the database wiped.

    python benchmarks/bench_verify_django.py --sizes 50 [--repeat 3] [--url postgresql+psycopg://.../scratch_test]

SQLite by default (a file in a temporary directory); a server URL must name a scratch database.
The target is mrt_vs_floor <= 2.
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

SETTINGS = """
import json
import os

SECRET_KEY = "bench"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
INSTALLED_APPS = ["bench"]
DATABASES = {"default": json.loads(os.environ["BENCH_DATABASE"])}
if DATABASES["default"]["ENGINE"].endswith("mysql"):
    try:
        import MySQLdb  # noqa: F401
    except ImportError:  # PyMySQL stands in for mysqlclient, as mrt does for mysql+pymysql URLs
        import pymysql

        pymysql.install_as_MySQLdb()
"""


def migration_source(number: int) -> str:
    """Migration `number` (1-based): create a model, add a nullable field to it, index that field."""
    deps = f'[("bench", "{number - 1:04d}_step")]' if number > 1 else "[]"
    kind = number % 3
    if kind == 1:
        op = (
            f'migrations.CreateModel(name="M{number}", fields=[("id", models.BigAutoField(primary_key=True)), '
            '("name", models.CharField(max_length=50))])'
        )
    elif kind == 2:
        op = f'migrations.AddField(model_name="m{number - 1}", name="note", field=models.CharField(max_length=100, null=True))'
    else:
        op = (
            f'migrations.AddIndex(model_name="m{number - 2}", '
            f'index=models.Index(fields=["note"], name="ix_m{number - 2}_note"))'
        )
    return textwrap.dedent(
        f"""\
        from django.db import migrations, models


        class Migration(migrations.Migration):
            dependencies = {deps}
            operations = [{op}]
        """
    )


def generate(directory: Path, size: int) -> None:
    """Write benchsite/settings.py and the `bench` app with `size` migrations under `directory`."""
    (directory / "benchsite").mkdir(parents=True)
    (directory / "benchsite" / "__init__.py").write_text("", encoding="utf-8")
    (directory / "benchsite" / "settings.py").write_text(SETTINGS, encoding="utf-8")
    migrations = directory / "bench" / "migrations"
    migrations.mkdir(parents=True)
    (directory / "bench" / "__init__.py").write_text("", encoding="utf-8")
    (migrations / "__init__.py").write_text("", encoding="utf-8")
    for number in range(1, size + 1):
        (migrations / f"{number:04d}_step.py").write_text(migration_source(number), encoding="utf-8")


FLOOR = """
import os, sys, time
sys.path.insert(0, os.getcwd())
os.environ["DJANGO_SETTINGS_MODULE"] = "benchsite.settings"
import django
django.setup()
from django.core.management import call_command
start = time.perf_counter()
call_command("migrate", verbosity=0)
call_command("migrate", "bench", "zero", verbosity=0)
call_command("migrate", verbosity=0)
print(time.perf_counter() - start)
"""

MRT = """
import os, sys, time
import django, django.db.migrations.executor, sqlalchemy  # imported before the clock starts, as in FLOOR
from mrt.config import MRTConfig
from mrt.verify.django_runner import DjangoRunner
config = MRTConfig(django_settings="benchsite.settings", django_project_dir=os.getcwd(), db_url=sys.argv[1],
                   allow_unsafe_database=True)
start = time.perf_counter()
with DjangoRunner(config) as runner:
    results = runner.check_all(apps=["bench"])
elapsed = time.perf_counter() - start
assert all(r.passed for r in results), [r.failure_summary() for r in results if not r.passed][:3]
print(elapsed)
"""


def reset(url: str, repo: Path) -> None:
    """Empty the database between measurements."""
    if url.startswith("sqlite"):
        Path(url.split("///", 1)[1]).unlink(missing_ok=True)
        return
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from mrt.verify.database import create_engine, wipe; "
            "e = create_engine(sys.argv[1]); c = e.connect(); wipe(c, (), ''); c.commit()",
            url,
        ],
        check=True,
        cwd=repo,
    )


def measure(code: str, *args: str, cwd: Path, env: dict[str, str]) -> float:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=cwd, env=env)
    if out.returncode != 0:
        raise SystemExit(f"measurement failed:\n{out.stdout}\n{out.stderr}")
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[50])
    parser.add_argument("--url", help="a scratch database URL (default: a SQLite file in a temp dir)")
    parser.add_argument("--repeat", type=int, default=1, help="alternate floor and mrt runs N times, keep the best")
    args = parser.parse_args()
    repo = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(repo))
    from mrt.verify.django_settings import django_database

    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="mrt-bench-django-") as tmp:
            workdir = Path(tmp)
            generate(workdir, size)
            url = args.url or f"sqlite:///{workdir / 'bench_test.sqlite3'}"
            env = dict(os.environ, PYTHONPATH=str(repo), BENCH_DATABASE=json.dumps(django_database(url, {})))
            floors, mine = [], []
            for _ in range(args.repeat):  # alternating, so a busy machine slows both alike
                reset(url, repo)
                floors.append(measure(FLOOR, cwd=workdir, env=env))
                reset(url, repo)
                mine.append(measure(MRT, url, cwd=workdir, env=env))
            floor, ours = min(floors), min(mine)
            row = {
                "migrations": size,
                "engine": url.split(":", 1)[0],
                "floor_s": round(floor, 2),
                "mrt_s": round(ours, 2),
                "mrt_vs_floor": round(ours / floor, 2),
            }
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
