"""Bad input gets a clear message and a finding or an exit code — never a traceback."""

import subprocess
import sys

from mrt import analyze_paths, analyze_source

MIGRATION = 'revision = "r1"\ndown_revision = None\n\ndef upgrade():\n    op.drop_table("caf\u00e9")\n\ndef downgrade():\n    pass\n'


def codes(findings):
    return [f.code for f in findings]


def test_any_pep263_encoding_bom_and_crlf_parse(tmp_path):
    latin1 = tmp_path / "latin1.py"
    latin1.write_bytes(("# -*- coding: latin-1 -*-\n" + MIGRATION).encode("latin-1"))
    bom_crlf = tmp_path / "bom.py"
    bom_crlf.write_bytes(b"\xef\xbb\xbf" + MIGRATION.replace("\n", "\r\n").encode("utf-8"))
    found = analyze_paths([latin1, bom_crlf])
    assert sorted(codes(found)) == ["MRT102", "MRT102", "MRT202", "MRT202"]
    assert all("café" in f.message for f in found if f.code == "MRT202")


def test_undeclared_non_utf8_bytes_are_one_MRT902(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_bytes(MIGRATION.encode("latin-1"))
    (finding,) = analyze_paths([bad])
    assert finding.code == "MRT902"
    assert "not valid utf-8" in finding.message and "coding" in finding.message


def test_deeply_nested_source_is_a_finding_not_a_crash():
    source = 'revision = "r"\n\ndef upgrade():\n    x = ' + "(" * 5000 + ")" * 5000 + "\n"
    assert codes(analyze_source(source, "versions/deep.py")) == ["MRT902"]


def test_a_10000_revision_chain_is_handled_without_recursion_limits(tmp_path):
    versions = tmp_path / "versions"
    versions.mkdir()
    parent = "None"
    for n in range(10_000):
        (versions / f"r{n:05d}.py").write_text(
            f'revision = "r{n:05d}"\ndown_revision = {parent}\n\n'
            f'def upgrade():\n    op.add_column("t", sa.Column("c{n}", sa.Integer))\n\n'
            f'def downgrade():\n    op.drop_column("t", "c{n}")\n',
            encoding="utf-8",
        )
        parent = f'"r{n:05d}"'
    assert analyze_paths([versions]) == []


def run_cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "mrt", *args], capture_output=True, text=True, cwd=cwd, timeout=60)


def test_cli_missing_path_is_one_line_and_exit_3(tmp_path):
    result = run_cli("check", "no/such/dir", cwd=tmp_path)
    assert result.returncode == 3
    assert result.stderr.strip().splitlines() == ["mrt: error: no/such/dir: no such file or directory"]


def test_cli_broken_alembic_ini_and_bad_pyproject_are_exit_3(tmp_path):
    (tmp_path / "alembic.ini").write_text("[alembic]\nsqlalchemy.url = sqlite://\n")
    result = run_cli("check", ".", cwd=tmp_path)
    assert result.returncode == 3 and "no script_location" in result.stderr and "Traceback" not in result.stderr
    (tmp_path / "alembic.ini").unlink()
    (tmp_path / "pyproject.toml").write_text("[tool.mrt\n")
    result = run_cli("check", ".", cwd=tmp_path)
    assert result.returncode == 3 and "invalid TOML" in result.stderr


def test_cli_syntax_error_is_a_finding_with_exit_2(tmp_path):
    (tmp_path / "r1.py").write_text("revision = 'r1'\ndef upgrade(:\n")
    result = run_cli("check", "r1.py", "--format", "json", cwd=tmp_path)
    assert result.returncode == 2
    assert '"rule": "MRT902"' in result.stdout and "Traceback" not in result.stderr
