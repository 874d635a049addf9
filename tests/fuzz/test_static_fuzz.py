"""Property: whatever bytes a migration file holds, analysis returns findings (or one MRT902) — it
never raises, never lets a rule crash, and stays fast. The long run is benchmarks/fuzz_static.py."""

from __future__ import annotations

import warnings
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from strategies import alembic_migration, django_migration, mutated

from mrt import MRTConfig, analyze_paths, analyze_source
from mrt.findings import RiskWarning
from mrt.model.source import SourceError, decode_source

CONFIG = MRTConfig(extend_select=["MRT903"])
FUZZ = settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])


def analyze_bytes(data: bytes, path: str) -> list[RiskWarning]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a rule that crashes is reported as a warning: make it fail
        try:
            text = decode_source(data)
        except SourceError:
            return []
        return analyze_source(text, path, CONFIG)


@FUZZ
@given(mutated(alembic_migration()))
def test_alembic_sources_never_crash_the_analyzer(data):
    findings = analyze_bytes(data, "migrations/versions/fuzz.py")
    assert all(isinstance(f, RiskWarning) and f.code for f in findings)


@FUZZ
@given(mutated(django_migration()))
def test_django_sources_never_crash_the_analyzer(data):
    findings = analyze_bytes(data, "shop/migrations/0002_fuzz.py")
    assert all(isinstance(f, RiskWarning) and f.code for f in findings)


@settings(max_examples=60, deadline=2000)
@given(mutated(alembic_migration()))
def test_files_on_disk_with_any_bytes_give_findings_or_MRT902(tmp_path_factory, data):
    path = Path(tmp_path_factory.mktemp("v")) / "r.py"
    path.write_bytes(data)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        findings = analyze_paths([path], CONFIG)
    assert all(f.code for f in findings)
    if any(f.code == "MRT902" for f in findings):
        assert len(findings) == 1


def test_huge_literals_and_deep_nesting_stay_bounded():
    long_sql = "UPDATE users SET a = '" + "x" * 2_000_000 + "'"
    source = f'revision = "r"\n\ndef upgrade():\n    op.execute({long_sql!r})\n'
    assert [f.code for f in analyze_source(source, "versions/huge.py")] == ["MRT101"]
    nested = (
        'revision = "r"\n\ndef upgrade():\n'
        + "".join("    " * (i + 1) + "if x:\n" for i in range(90))
        + "    " * 91
        + 'op.drop_table("t")\n'
    )
    assert "MRT202" in [f.code for f in analyze_source(nested, "versions/nested.py")]
