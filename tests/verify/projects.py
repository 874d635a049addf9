"""Build small Alembic projects on the fly: alembic.ini, an env.py that uses the caller's
connection (as documented in docs/verify.md), and one file per revision."""

from __future__ import annotations

import textwrap
from pathlib import Path

ENV_PY = """
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        engine = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool)
        connection = engine.connect()
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()


run()
"""


def make_project(root: Path, revisions: list[tuple[str, str | tuple[str, ...] | None, str, str]]) -> Path:
    """Write a project; each revision is (id, down_revision, upgrade body, downgrade body). Returns alembic.ini."""
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True)
    (root / "migrations" / "env.py").write_text(ENV_PY, encoding="utf-8")
    for revision, down, upgrade, downgrade in revisions:
        source = (
            "import time\n\nimport sqlalchemy as sa\nfrom alembic import op\n\n"
            f"revision = {revision!r}\ndown_revision = {down!r}\nbranch_labels = None\ndepends_on = None\n\n\n"
            f"def upgrade():\n{textwrap.indent(textwrap.dedent(upgrade).strip() or 'pass', '    ')}\n\n\n"
            f"def downgrade():\n{textwrap.indent(textwrap.dedent(downgrade).strip() or 'pass', '    ')}\n"
        )
        (versions / f"{revision}.py").write_text(source, encoding="utf-8")
    ini = root / "alembic.ini"
    ini.write_text("[alembic]\nscript_location = %(here)s/migrations\n", encoding="utf-8")
    return ini
