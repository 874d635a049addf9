# A data migration without reverse_code: Django refuses to roll back past it.
from django.db import migrations


def create_defaults(apps, schema_editor):
    Category = apps.get_model("catalog", "Category")
    for name in ("Books", "Games"):
        Category.objects.using(schema_editor.connection.alias).get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_product_name_index")]

    operations = [
        migrations.RunPython(create_defaults),
    ]
