from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Customer",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("email", models.CharField(max_length=200, unique=True)),
                ("name", models.CharField(max_length=100)),
                ("phone", models.CharField(max_length=30, null=True)),
            ],
        ),
    ]
