#!/usr/bin/env bash
# The whole test suite (the README's test command). Creates .venv and installs mrt with its test
# dependencies when needed, then runs pytest. Server-backed tests run when MRT_TEST_POSTGRES_URL /
# MRT_TEST_MYSQL_URL are set (and are required when CI=true). pytest's exit code 5 ("no tests
# collected") is a failure: a suite that runs nothing must not pass.
set -uo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1
[ -x .venv/bin/python ] || python3 -m venv .venv || exit 1
.venv/bin/python -m pip install -q -e ".[dev]" || exit 1
.venv/bin/python -m pytest "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "mrt: pytest collected no tests" >&2
  exit 1
fi
exit "$status"
