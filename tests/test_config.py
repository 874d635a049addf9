"""[tool.mrt] in pyproject.toml, MRTConfig from conftest, and the one merge order between them."""

import textwrap

import pytest

from mrt import MRTConfig, analyze_paths, load_config
from mrt.config import ConfigError

DROP = """
from alembic import op
revision = "{rev}"
down_revision = None

def upgrade():
    op.drop_column("users", "phone")

def downgrade():
    op.execute("SELECT 1")
"""
NO_DOWNGRADE = 'from alembic import op\nrevision = "{rev}"\n\ndef upgrade():\n    op.drop_table("t")\n'


def project(tmp_path, pyproject: str, files: dict[str, str]):
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent(pyproject), encoding="utf-8")
    versions = tmp_path / "versions"
    versions.mkdir()
    for name, text in files.items():
        (versions / name).write_text(text, encoding="utf-8")
    return versions


def run(tmp_path, versions, **overrides):
    return [(f.code, f.severity) for f in analyze_paths([versions], load_config(tmp_path, overrides=overrides))]


def test_severity_overrides_by_code_and_by_pattern_name(tmp_path):
    versions = project(tmp_path, '[tool.mrt]\nseverity = { MRT201 = "warning" }\n', {"a.py": DROP.format(rev="a")})
    assert run(tmp_path, versions) == [("MRT201", "warning")]
    (tmp_path / "pyproject.toml").write_text('[tool.mrt]\nseverity = { "DROP COLUMN in upgrade" = "warning" }\n')
    assert run(tmp_path, versions) == [("MRT201", "warning")]


def test_select_ignore_and_per_file_ignores(tmp_path):
    versions = project(
        tmp_path,
        """
        [tool.mrt]
        ignore = ["MRT2"]
        per-file-ignores = { "versions/legacy_*.py" = ["MRT101"] }
        """,
        {
            "a.py": DROP.format(rev="a"),
            "legacy_b.py": NO_DOWNGRADE.format(rev="b"),
            "c.py": NO_DOWNGRADE.format(rev="c"),
        },
    )
    assert run(tmp_path, versions) == [("MRT101", "error")]
    assert run(tmp_path, versions, select=["MRT201"], ignore=[]) == [("MRT201", "error")]


def test_downgrades_false_means_no_error_per_file(tmp_path):
    files = {f"r{n}.py": NO_DOWNGRADE.format(rev=f"r{n}") for n in range(5)}
    versions = project(tmp_path, "[tool.mrt]\ndowngrades = false\n", files)
    assert {code for code, _ in run(tmp_path, versions)} == {"MRT202"}  # data loss still counts


def test_skip_silences_rollback_findings_for_documented_revisions(tmp_path):
    versions = project(
        tmp_path,
        '[tool.mrt]\nskip = { r1 = "one-way by design, ADR-7" }\n',
        {"r1.py": NO_DOWNGRADE.format(rev="r1"), "r2.py": NO_DOWNGRADE.format(rev="r2")},
    )
    assert sorted(run(tmp_path, versions)) == [("MRT101", "error"), ("MRT202", "error"), ("MRT202", "error")]


def test_merge_order_defaults_pyproject_conftest_cli(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.mrt]\nseed_rows = 5\ndialect = "postgres"\nignore = ["MRT204"]\n')
    config = load_config(tmp_path)
    assert (config.seed_rows, config.dialect, config.migration_timeout) == (5, "postgresql", 60)
    conftest = MRTConfig(seed_rows=7)  # only what the user passed overrides pyproject
    merged = load_config(tmp_path, base=conftest)
    assert (merged.seed_rows, merged.dialect) == (7, "postgresql")
    cli = load_config(tmp_path, base=conftest, overrides={"dialect": "sqlite", "ignore": None})
    assert (cli.seed_rows, cli.dialect, cli.ignore) == (7, "sqlite", ["MRT204"])


def test_bad_settings_are_clear_errors(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.mrt]\nselct = ['MRT2']\n")
    with pytest.raises(ConfigError, match=r"unknown setting.*selct"):
        load_config(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.mrt\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(tmp_path)
    with pytest.raises(ConfigError, match="expected one of error, warning"):
        MRTConfig(severity_overrides={"MRT201": "fatal"})
    with pytest.raises(ConfigError, match="dialect"):
        MRTConfig(dialect="oracle")


def test_migration_name_pattern_is_read_from_pyproject_and_must_be_a_regex(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.mrt]\nmigration-name-pattern = '\\d{4}_[a-z_]+'\n")
    assert load_config(tmp_path).migration_name_pattern == r"\d{4}_[a-z_]+"
    with pytest.raises(ConfigError, match="migration_name_pattern = '\\(unclosed'"):
        MRTConfig(migration_name_pattern="(unclosed")


def test_pytest_mrt_imports_and_custom_checks_keep_working(tmp_path):
    from pytest_mrt import MRTConfig as CompatConfig
    from pytest_mrt.core.ast_analyzer import MigrationAST
    from pytest_mrt.core.detector import RiskWarning

    def check_no_truncate(m: MigrationAST) -> list[RiskWarning]:
        if "TRUNCATE" in m.source.upper():
            return [
                RiskWarning(
                    revision=m.revision,
                    file=m.filename,
                    pattern="TRUNCATE in migration",
                    message="TRUNCATE destroys all rows.",
                    severity="error",
                )
            ]
        return []

    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "t.py").write_text(
        DROP.format(rev="t").replace('op.drop_column("users", "phone")', 'op.execute("TRUNCATE x")')
    )
    config = CompatConfig(custom_checks=[check_no_truncate], severity_overrides={"TRUNCATE in migration": "warning"})
    found = analyze_paths([versions], config)
    assert sorted((f.code, f.pattern, f.severity) for f in found) == [
        ("", "TRUNCATE in migration", "warning"),
        ("MRT203", "TRUNCATE", "error"),
    ]
