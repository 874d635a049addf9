# squashmigrations reviews 0002: a fresh database runs this instead of 0001 and 0002.
from django.db import migrations, models


class Migration(migrations.Migration):
    replaces = [("reviews", "0001_initial"), ("reviews", "0002_review_rating")]

    initial = True

    dependencies = [("catalog", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="Review",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("body", models.TextField()),
                ("rating", models.SmallIntegerField(default=5)),
                ("product", models.ForeignKey(on_delete=models.CASCADE, to="catalog.product")),
            ],
        ),
    ]
