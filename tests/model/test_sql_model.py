"""Raw SQL into operations: what libpg_query's JSON leaves out or counts in bytes."""

from mrt.model import Kind
from mrt.model.ops import Span
from mrt.model.sql import translate_sql

SPAN = Span(1, 0, 1, 0)


def ops(text: str):
    return translate_sql(text, side="upgrade", span=SPAN, call="execute")


def test_statement_text_of_non_ascii_sql_is_cut_at_the_right_place():
    # libpg_query reports byte offsets: 'Zoë' is one character more in UTF-8 than in the string.
    found = ops("UPDATE t SET name = 'Zoë' WHERE id = 1; DELETE FROM é WHERE x = 'ü'; SELECT 1")
    assert [op.sql for op in found] == [
        "UPDATE t SET name = 'Zoë' WHERE id = 1",
        "DELETE FROM é WHERE x = 'ü'",
        "SELECT 1",
    ]


def test_default_valued_fields_read_as_their_defaults():
    # The JSON leaves out 0 and '' like a missing field; they are still a value.
    (column,) = ops("ALTER TABLE t ADD COLUMN c numeric(0, 2) DEFAULT f(g(h()), k())")
    assert column.args["type"] == {"name": "numeric", "args": (0, 2), "array": False}
    assert column.args["default_functions"] == ("f", "g", "k", "h")  # breadth first
    (label,) = ops("ALTER TYPE mood ADD VALUE ''")
    assert (label.kind, label.name, label.args) == (Kind.ADD_ENUM_VALUE, "mood", {"value": ""})
