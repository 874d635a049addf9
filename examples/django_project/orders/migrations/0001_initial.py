from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0001_initial"),
        ("catalog", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField()),
                ("note", models.TextField(null=True)),
                ("customer", models.ForeignKey(on_delete=models.CASCADE, to="accounts.customer")),
            ],
        ),
        migrations.CreateModel(
            name="OrderLine",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("quantity", models.PositiveIntegerField()),
                ("order", models.ForeignKey(on_delete=models.CASCADE, to="orders.order")),
                ("product", models.ForeignKey(on_delete=models.PROTECT, to="catalog.product")),
            ],
        ),
    ]
