# A backfill with a correct reverse: rolling back empties the column before it is dropped.
from django.db import migrations, models


def fill(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    for order in Order.objects.using(schema_editor.connection.alias).all():
        order.reference = f"ORD-{order.pk}"
        order.save(update_fields=["reference"])


def empty(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    Order.objects.using(schema_editor.connection.alias).update(reference=None)


class Migration(migrations.Migration):
    dependencies = [("orders", "0002_order_status")]

    operations = [
        migrations.AddField(model_name="order", name="reference", field=models.CharField(max_length=40, null=True)),
        migrations.RunPython(fill, empty),
    ]
