# SeparateDatabaseAndState: the column is added with hand-written SQL (and dropped by its reverse),
# the model state is told separately; a help_text change touches the state only.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE orders_order ADD COLUMN status varchar(20) DEFAULT 'new' NOT NULL",
                    reverse_sql="ALTER TABLE orders_order DROP COLUMN status",
                ),
            ],
            state_operations=[
                migrations.AddField(
                    model_name="order", name="status", field=models.CharField(default="new", max_length=20)
                ),
            ],
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="order",
                    name="note",
                    field=models.TextField(help_text="free text from the customer", null=True),
                ),
            ],
        ),
    ]
