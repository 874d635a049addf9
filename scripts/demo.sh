#!/usr/bin/env bash
# The main job on the embedded default: install mrt into .venv and check the bundled example
# Alembic project (SQLite). Exit code 2 is expected: the example contains one of each rollback bug.
set -uo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1
[ -x .venv/bin/python ] || python3 -m venv .venv || exit 1
.venv/bin/python -m pip install -q -e . || exit 1
.venv/bin/mrt check examples/alembic_project
status=$?
echo "mrt check exited with $status (0 clean, 1 warnings, 2 errors, 3 bad input)"
[ "$status" -le 2 ]
