# RunSQL without reverse_sql: Django refuses to roll back past it.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_lowercase_emails")]

    operations = [
        migrations.RunSQL("UPDATE accounts_customer SET name = TRIM(name)"),
    ]
