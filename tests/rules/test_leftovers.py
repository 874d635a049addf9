"""MRT5xx: objects created by raw SQL that the downgrade leaves behind."""

from inline import DJANGO, DJANGO_HEADER, HEADER, codes

LINT_FAMILIES = ("reversibility", "data_loss", "asymmetry", "leftovers", "squash", "parsing")


def test_MRT501_sequence_created_and_not_dropped(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.execute(sa.schema.CreateSequence(sa.Sequence("invoice_no")))
    op.execute("CREATE SEQUENCE ticket_no START 1000")

def downgrade():
    op.execute("DROP SEQUENCE invoice_no")
"""
    )
    assert codes(found) == ["MRT501"]
    assert "ticket_no" in found[0].message


def test_MRT501_setval_without_reset(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.execute("SELECT setval('users_id_seq', (SELECT max(id) FROM users))")

def downgrade():
    op.execute("UPDATE users SET flag = false")
"""
    )
    assert codes(found) == ["MRT501"]


def test_MRT501_sequence_created_and_set_is_reported_once(lint):
    # Django's RunSQL with RunSQL.noop as its reverse: the new sequence is left behind, which is the
    # finding. Its setval is part of creating it (there is no old position to restore), not a second one.
    found = lint(
        DJANGO_HEADER
        + """
    operations = [
        migrations.RunSQL(
            \"\"\"
            CREATE SEQUENCE shop_order_number_seq OWNED BY shop_order.number;
            SELECT setval('shop_order_number_seq', coalesce(max(number), 0) + 1, false) FROM shop_order;
            \"\"\",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
""",
        path=DJANGO,
    )
    assert codes(found) == ["MRT501"]
    assert "shop_order_number_seq" in found[0].message and "created" in found[0].message


def test_MRT501_negative_sequence_dropped(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.execute("CREATE SEQUENCE ticket_no START 1000")

def downgrade():
    op.execute("DROP SEQUENCE ticket_no")
"""
    )
    assert codes(found) == []


def test_MRT502_trigger_in_sa_text(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.execute(sa.text("CREATE TRIGGER trg_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch()"))

def downgrade():
    op.execute("DROP FUNCTION touch()")
"""
    )
    assert codes(found) == ["MRT502"]


def test_MRT502_negative_trigger_dropped(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.execute("CREATE TRIGGER trg_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch()")

def downgrade():
    op.execute("DROP TRIGGER trg_touch ON users")
"""
    )
    assert codes(found) == []


def test_MRT503_type_created_and_not_dropped(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.execute("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')")

def downgrade():
    op.execute("SELECT 1")
"""
    )
    assert codes(found) == ["MRT503"]


def test_MRT503_negative_type_dropped(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.execute("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')")

def downgrade():
    op.execute("DROP TYPE mood")
"""
    )
    assert codes(found) == []


def test_MRT504_function_created_and_not_dropped(lint):
    found = lint(
        HEADER
        + '''
def upgrade():
    op.execute("""
        CREATE FUNCTION touch() RETURNS trigger AS $$
        BEGIN NEW.updated_at = now(); RETURN NEW; END
        $$ LANGUAGE plpgsql
    """)

def downgrade():
    op.execute("SELECT 1")
'''
    )
    assert codes(found) == ["MRT504"]


def test_MRT504_negative_replaced_function_restored(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.execute("CREATE OR REPLACE FUNCTION touch() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql")

def downgrade():
    op.execute("CREATE OR REPLACE FUNCTION touch() RETURNS trigger AS $$ BEGIN RETURN OLD; END $$ LANGUAGE plpgsql")
"""
    )
    assert codes(found) == []


def test_MRT505_view_created_and_not_dropped(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.execute("CREATE MATERIALIZED VIEW user_stats AS SELECT count(*) FROM users")

def downgrade():
    op.execute("SELECT 1")
"""
    )
    assert codes(found) == ["MRT505"]


def test_MRT505_negative_view_dropped(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.execute("CREATE VIEW active_users AS SELECT * FROM users WHERE active")

def downgrade():
    op.execute("DROP VIEW active_users")
"""
    )
    assert codes(found) == []
