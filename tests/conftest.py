"""Shared fixtures: real database servers, found through environment variables.

On a laptop without the variables, server-backed tests skip with a message naming the variable;
under CI=true a missing server is a failure, so CI can never pass by skipping them.
"""

from __future__ import annotations

import os

import pytest


def _server_url(variable: str) -> str:
    url = os.environ.get(variable)
    if url:
        return url
    message = f"{variable} is not set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"server-backed test required under CI=true: {message}")
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of a disposable PostgreSQL database (MRT_TEST_POSTGRES_URL)."""
    return _server_url("MRT_TEST_POSTGRES_URL")


@pytest.fixture(scope="session")
def mysql_url() -> str:
    """URL of a disposable MariaDB/MySQL database (MRT_TEST_MYSQL_URL)."""
    return _server_url("MRT_TEST_MYSQL_URL")
