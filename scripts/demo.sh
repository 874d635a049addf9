#!/usr/bin/env bash
# The main job on the embedded default: install mrt (with the verifier) into .venv, then on the
# bundled example Alembic project (SQLite):
#   1. mrt check  — static analysis, no database;
#   2. mrt verify — seed, upgrade, downgrade and compare every revision on a throw-away SQLite file.
# The example contains one of each rollback bug, so both report failures (exit code 2): that is the
# expected outcome. Any other exit code (3 bad input, 4 internal error) fails this script.
set -uo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1
[ -x .venv/bin/python ] || python3 -m venv .venv || exit 1
.venv/bin/python -m pip install -q -e ".[verify]" || exit 1

echo "== mrt check examples/alembic_project"
.venv/bin/mrt check examples/alembic_project
check=$?
echo
echo "== mrt verify (examples/alembic_project, SQLite)"
(cd examples/alembic_project && ../../.venv/bin/mrt verify)
verify=$?
echo
echo "mrt check exited $check, mrt verify exited $verify (0 clean, 1 warnings, 2 findings/failures, 3 bad input)"
[ "$check" -le 2 ] && [ "$verify" -le 2 ]
