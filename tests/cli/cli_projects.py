"""Small Alembic and Django projects written to disk, the way users lay them out (CLI tests)."""

from __future__ import annotations

import textwrap
from pathlib import Path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def alembic_revision(rev: str, down: str | None, upgrade: str, downgrade: str) -> str:
    """A revision file as Alembic's current template writes it (annotated header)."""
    return (
        f'"""{rev}"""\n'
        "from typing import Sequence, Union\n\n"
        "import sqlalchemy as sa\n"
        "from alembic import op\n\n"
        f'revision: str = "{rev}"\n'
        f"down_revision: Union[str, None] = {down!r}\n"
        "branch_labels: Union[str, Sequence[str], None] = None\n"
        "depends_on: Union[str, Sequence[str], None] = None\n\n\n"
        f"def upgrade() -> None:\n{textwrap.indent(textwrap.dedent(upgrade).strip(), '    ')}\n\n\n"
        f"def downgrade() -> None:\n{textwrap.indent(textwrap.dedent(downgrade).strip(), '    ')}\n"
    )


REVISIONS = {
    "0001_create_users.py": (
        "0001",
        None,
        'op.create_table("users", sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(50)))',
        'op.drop_table("users")',
    ),
    "0002_add_phone.py": (
        "0002",
        "0001",
        'op.add_column("users", sa.Column("phone", sa.String(20), nullable=True))',
        'op.drop_column("users", "phone")',
    ),
    "0003_backfill.py": (
        "0003",
        "0002",
        'op.add_column("users", sa.Column("email", sa.String(80), nullable=True))',
        'raise NotImplementedError("one-way: see ADR-7")',
    ),
    "0004_drop_phone.py": (
        "0004",
        "0003",
        'op.drop_column("users", "phone")',
        'op.add_column("users", sa.Column("phone", sa.String(20), nullable=True))',
    ),
}


def make_alembic_project(root: Path, revisions: dict[str, tuple[str, str | None, str, str]] = REVISIONS) -> Path:
    write(root / "alembic.ini", "[alembic]\nscript_location = migrations\nsqlalchemy.url = sqlite:///app.db\n")
    write(root / "migrations" / "env.py", "# env.py is not a migration\n")
    for name, (rev, down, up, back) in revisions.items():
        (root / "migrations" / "versions").mkdir(parents=True, exist_ok=True)
        (root / "migrations" / "versions" / name).write_text(alembic_revision(rev, down, up, back), encoding="utf-8")
    return root


def make_django_app(root: Path, app: str = "shop") -> Path:
    migrations = root / app / "migrations"
    write(root / app / "__init__.py", "")
    write(migrations / "__init__.py", "")
    write(
        migrations / "0001_initial.py",
        """
        from django.db import migrations, models


        class Migration(migrations.Migration):
            initial = True
            dependencies = []
            operations = [
                migrations.CreateModel(
                    name="Product",
                    fields=[
                        ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=100)),
                    ],
                ),
            ]
        """,
    )
    write(
        migrations / "0002_product_price.py",
        f"""
        from django.db import migrations, models


        class Migration(migrations.Migration):
            dependencies = [("{app}", "0001_initial")]
            operations = [
                migrations.AddField("product", "price", models.IntegerField(null=True)),
            ]
        """,
    )
    write(
        migrations / "0003_remove_product_name.py",
        f"""
        from django.db import migrations


        class Migration(migrations.Migration):
            dependencies = [("{app}", "0002_product_price")]
            operations = [
                migrations.RemoveField("product", "name"),
            ]
        """,
    )
    return root
