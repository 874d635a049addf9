# Rolling back re-creates the column, empty: every phone number is lost.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.RemoveField(model_name="customer", name="phone"),
    ]
