# A data migration whose reverse is RunPython.noop: rolling back leaves the emails lower-cased.
from django.db import migrations
from django.db.models.functions import Lower


def lowercase(apps, schema_editor):
    Customer = apps.get_model("accounts", "Customer")
    Customer.objects.using(schema_editor.connection.alias).update(email=Lower("email"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_remove_customer_phone")]

    operations = [
        migrations.RunPython(lowercase, migrations.RunPython.noop),
    ]
