# CREATE INDEX CONCURRENTLY on PostgreSQL (no write lock on a busy table); a plain index elsewhere.
from django.db import migrations, models

try:
    from django.contrib.postgres.operations import AddIndexConcurrently
except ImportError:  # no PostgreSQL driver installed: the operation never runs anyway
    AddIndexConcurrently = migrations.AddIndex


class AddIndexConcurrentlyOnPostgres(AddIndexConcurrently):
    """AddIndexConcurrently where the database is PostgreSQL, AddIndex on SQLite and MariaDB."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    atomic = False  # CONCURRENTLY cannot run inside a transaction

    dependencies = [("catalog", "0003_alter_product_stock")]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="product",
            index=models.Index(fields=["name"], name="catalog_product_name_idx"),
        ),
    ]
