"""Revision-graph findings need the other files: the server indexes the workspace's histories and
re-checks open files when another revision is created, changed or saved."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from .conftest import WAIT, change_document, open_document, write_project

pytestmark = pytest.mark.asyncio(loop_scope="session")


def revision(rev: str, parent: str | None) -> str:
    return (
        f'"""revision {rev}"""\nfrom alembic import op\n\nrevision = "{rev}"\ndown_revision = {parent!r}\n\n\n'
        "def upgrade() -> None:\n    pass\n\n\ndef downgrade() -> None:\n    pass\n"
    ).replace("'", '"')


async def latest_codes(client: LanguageClient, uri: str, wanted: Callable[[list[str]], bool]) -> list[str]:
    """Wait until the newest publish for `uri` satisfies `wanted`; return its codes."""

    async def poll() -> list[str]:
        while True:
            mine = [p for p in client.published if p.uri == uri]
            if mine and wanted(codes := [str(d.code) for d in mine[-1].diagnostics]):
                return codes
            await asyncio.sleep(0.05)

    return await asyncio.wait_for(poll(), WAIT)


async def test_heads_and_missing_parents_across_files(start_client, tmp_path: Path):
    root = write_project(tmp_path)
    versions = root / "migrations/versions"
    (versions / "r1_base.py").write_text(revision("r1", None))
    (versions / "r2_users.py").write_text(revision("r2", "r1"))
    (versions / "r3_orders.py").write_text(revision("r3", "r1"))
    client = await start_client("visual_studio_code", root)

    r2 = open_document(client, versions / "r2_users.py", revision("r2", "r1"))
    r3 = open_document(client, versions / "r3_orders.py", revision("r3", "r1"))
    codes = await latest_codes(client, r3, lambda c: "MRT901" in c)
    assert codes == ["MRT901"]  # two heads, r2 and r3: reported once, on the newer file
    heads = next(d for d in client.diagnostics[r3] if d.code == "MRT901")
    assert {Path(r.location.uri).name for r in heads.related_information} >= {"r2_users.py"}
    assert await latest_codes(client, r2, lambda c: True) == []

    # Typing a parent that does not exist (unsaved) is a missing parent, not a second head.
    change_document(client, r3, revision("r3", "nope"), version=2)
    assert await latest_codes(client, r3, lambda c: "MRT904" in c) == ["MRT904"]

    # Rebasing r3 onto r2 fixes both.
    change_document(client, r3, revision("r3", "r2"), version=3)
    assert await latest_codes(client, r3, lambda c: "MRT901" not in c and "MRT904" not in c) == []

    # A new revision created on disk (e.g. by `alembic revision`) makes a second head again: the
    # watched-file event re-checks the open files of that history.
    change_document(client, r3, revision("r3", "r1"), version=4)
    await latest_codes(client, r3, lambda c: "MRT901" in c)
    (versions / "r4_later.py").write_text(revision("r4", "r3"))
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=(versions / "r4_later.py").as_uri(), type=types.FileChangeType.Created)]
        )
    )
    assert await latest_codes(client, r3, lambda c: "MRT901" not in c) == []  # now reported on r4


async def test_deleting_a_proxy_model_declared_in_an_earlier_file_is_no_table_drop(start_client, tmp_path: Path):
    # as in `mrt check`: the options sit in 0001, the deletion in the open 0002 (netbox, wagtail)
    app = tmp_path / "shop" / "migrations"
    app.mkdir(parents=True)
    (tmp_path / "shop" / "__init__.py").write_text("")
    (app / "__init__.py").write_text("")
    (app / "0001_initial.py").write_text(
        "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"
        "    initial = True\n    dependencies = []\n    operations = [\n"
        '        migrations.CreateModel(name="Order", fields=[("id", models.AutoField(primary_key=True))]),\n'
        '        migrations.CreateModel(name="OpenOrder", fields=[], options={"proxy": True}, bases=("shop.order",)),\n'
        "    ]\n"
    )
    deleting = (
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
        '    dependencies = [("shop", "0001_initial")]\n    operations = [\n'
        '        migrations.DeleteModel(name="OpenOrder"),\n'
        '        migrations.DeleteModel(name="Order"),\n'
        "    ]\n"
    )
    (app / "0002_remove.py").write_text(deleting)
    client = await start_client("visual_studio_code", tmp_path)
    uri = open_document(client, app / "0002_remove.py", deleting)
    assert await latest_codes(client, uri, lambda c: c == ["MRT202"]) == ["MRT202"]
    [drop] = client.diagnostics[uri]
    assert drop.range.start.line == 7  # the DeleteModel of Order, not of its proxy
