"""Static analysis never imports user code: a hostile env.py, migration, conftest or helper module
whose import would write a file or open a socket stays inert under `mrt check`."""

import socket
import subprocess
import sys
import textwrap
import threading

import pytest

PAYLOAD = """
import pathlib, socket
pathlib.Path({marker!r}).write_text("executed")
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=1).close()
except OSError:
    pass
"""


@pytest.fixture
def listener():
    """A loopback socket that records whether anything connected to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    connected = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                connected.append(True)
                conn.close()
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], connected
    stop.set()
    thread.join(timeout=2)
    server.close()


def hostile_project(root, marker, port):
    payload = PAYLOAD.format(marker=str(marker), port=port)
    (root / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/migrations\n")
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True)
    (root / "migrations" / "env.py").write_text(payload)
    (root / "conftest.py").write_text(payload)
    (versions / "_helpers.py").write_text(payload)
    (versions / "a1_hostile.py").write_text(
        textwrap.dedent(
            """
            from alembic import op
            from ._helpers import something  # importing this would run the payload
            {payload}
            revision = "a1"
            down_revision = None

            def upgrade():
                op.drop_column("users", "phone")

            def downgrade():
                op.add_column("users", sa.Column("phone", sa.String))
            """
        ).format(payload=textwrap.indent(payload, ""))
    )
    shop = root / "shop" / "migrations"
    shop.mkdir(parents=True)
    (shop / "__init__.py").write_text(payload)
    (shop / "0001_initial.py").write_text(
        payload + "\nfrom django.db import migrations\n\nclass Migration(migrations.Migration):\n    operations = []\n"
    )


def test_mrt_check_never_imports_or_runs_the_project(tmp_path, listener):
    port, connected = listener
    marker = tmp_path / "EXECUTED"
    project = tmp_path / "project"
    project.mkdir()
    hostile_project(project, marker, port)
    result = subprocess.run(
        [sys.executable, "-m", "mrt", "check", ".", "--format", "json"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr  # the drop_column was still found, statically
    assert '"rule": "MRT201"' in result.stdout
    assert not marker.exists(), "mrt check executed project code"
    assert not connected, "mrt check opened a socket from project code"
    # Control: the same payload, run on purpose, is caught by both detectors.
    subprocess.run([sys.executable, str(project / "conftest.py")], timeout=30, check=True)
    assert marker.exists()
    for _ in range(20):
        if connected:
            break
        threading.Event().wait(0.1)
    assert connected
