"""A Django `DeleteModel` of a proxy or unmanaged model drops no table, so no drop is reported for it.

The options sit in the migration that created the model; the deletion comes in a later file. Seen in netbox
(`ObjectType`, `Report`, `NetBoxGroup`) and wagtail (`Admin`): each got MRT202 and MRT703 for a drop that
never runs.
"""

from __future__ import annotations

from pathlib import Path

from mrt import MRTConfig, analyze_paths

CREATE = """
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[("id", models.AutoField(primary_key=True)), ("code", models.CharField(max_length=20))],
        ),
        migrations.CreateModel(
            name="OpenOrder", fields=[], options={"proxy": True, "indexes": []}, bases=("shop.order",)
        ),
        migrations.CreateModel(
            name="LegacyReport",
            fields=[("id", models.AutoField(primary_key=True))],
            options={"managed": False, "db_table": "legacy_report"},
        ),
    ]
"""


def delete(*models: str) -> str:
    operations = "".join(f'\n        migrations.DeleteModel(\n            name="{m}",\n        ),' for m in models)
    return (
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
        f'    dependencies = [("shop", "0001_initial")]\n    operations = [{operations}\n    ]\n'
    )


def check(tmp_path: Path, *deleted: str) -> list[tuple[str, str | None]]:
    app = tmp_path / "shop" / "migrations"
    app.mkdir(parents=True)
    (app / "__init__.py").write_text("")
    (app / "0001_initial.py").write_text(CREATE)
    (app / "0002_remove.py").write_text(delete(*deleted))
    found = analyze_paths([tmp_path], MRTConfig(extend_select=["MRT7"]))
    return sorted((f.code, f.table) for f in found if f.file.endswith("0002_remove.py"))


def test_deleting_a_proxy_or_unmanaged_model_reports_no_table_drop(tmp_path):
    assert check(tmp_path, "OpenOrder", "LegacyReport") == []


def test_negative_deleting_a_model_with_a_table_is_still_a_drop(tmp_path):
    # the nearest look-alike: the proxy's concrete parent, deleted in the same file
    assert check(tmp_path, "OpenOrder", "Order") == [("MRT202", "shop_order"), ("MRT703", "shop_order")]


def test_the_same_holds_with_worker_processes(tmp_path):
    # facts survive the per-file pass of forked workers, which release each model after its rules
    from mrt.analyzer import analyze_project
    from mrt.workers import PARALLEL_FROM

    app = tmp_path / "shop" / "migrations"
    app.mkdir(parents=True)
    (app / "0001_initial.py").write_text(CREATE)
    (app / "0002_remove.py").write_text(delete("OpenOrder", "Order"))
    for number in range(3, PARALLEL_FROM + 3):  # enough files for the workers to start
        (app / f"{number:04d}_noop.py").write_text(delete().replace("0001_initial", f"{number - 1:04d}_x"))
    _, serial = analyze_project([tmp_path], MRTConfig(extend_select=["MRT7"]), jobs=1)
    _, forked = analyze_project([tmp_path], MRTConfig(extend_select=["MRT7"]), jobs=2)
    dropped = [(f.code, f.table) for f in forked if f.file.endswith("0002_remove.py")]
    assert dropped == [("MRT202", "shop_order"), ("MRT703", "shop_order")]
    assert [(f.code, f.file, f.line) for f in forked] == [(f.code, f.file, f.line) for f in serial]
