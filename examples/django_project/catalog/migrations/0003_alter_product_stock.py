# A type change (integer -> bigint) that rolls back cleanly: every value fits the old type.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_product_stock")]

    operations = [
        migrations.AlterField(model_name="product", name="stock", field=models.BigIntegerField(default=0)),
    ]
