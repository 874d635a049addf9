"""`mrt check --watch`: a real file change in a temporary directory triggers a new check, and
Ctrl-C (SIGINT) ends the process cleanly with exit code 0."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from cli_projects import make_alembic_project

from mrt.watch import relevant, watch


def _wait_for(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_changed_file_is_checked_again(tmp_path):
    make_alembic_project(tmp_path)
    runs: list[float] = []
    stop = threading.Event()
    thread = threading.Thread(
        target=watch, args=([str(tmp_path)], lambda: runs.append(time.monotonic()) or 0), kwargs={"stop": stop}
    )
    thread.start()
    try:
        assert _wait_for(lambda: len(runs) == 1)
        time.sleep(0.3)  # let the watcher start
        target = tmp_path / "migrations" / "versions" / "0002_add_phone.py"
        target.write_text(target.read_text() + "\n# edited\n", encoding="utf-8")
        assert _wait_for(lambda: len(runs) >= 2), "no re-check after the file changed"
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


def test_only_python_files_and_config_files_trigger_a_run():
    assert relevant(None, "/p/migrations/versions/0001_x.py")
    assert relevant(None, "/p/alembic.ini") and relevant(None, "/p/pyproject.toml")
    assert not relevant(None, "/p/migrations/versions/.0001_x.py.swp")
    assert not relevant(None, "/p/migrations/versions/__pycache__/x.pyc")
    assert not relevant(None, "/p/mrt-report.html")


def test_ctrl_c_exits_cleanly(tmp_path):
    make_alembic_project(tmp_path)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "mrt", "check", "--watch", "."],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        assert _wait_for(lambda: any("Watching" in line for line in lines)), "".join(lines)
        time.sleep(0.3)
        target = Path(tmp_path, "migrations", "versions", "0004_drop_phone.py")
        target.write_text(target.read_text().replace('"phone")', '"phone")  # edited', 1), encoding="utf-8")
        assert _wait_for(lambda: any("changed: 0004_drop_phone.py" in line for line in lines)), "".join(lines)
        assert _wait_for(lambda: sum("finding(s) in 4 migration(s)" in line for line in lines) >= 2), "".join(lines)
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    reader.join(timeout=5)
    stderr = process.stderr.read()
    assert code == 0, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    assert lines[-1].strip() == "Stopped watching."
