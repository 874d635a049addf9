"""Distinctive, deterministic column values for seeding.

A value has to survive only an honest round trip, so it is chosen to expose dishonest ones: strings
in mixed case with non-ASCII letters (an upper()/lower() "normalisation" cannot restore them), numbers
at the type's boundaries, timestamps with a non-UTC offset, booleans and enum labels that differ from
the column's default (a dropped and re-added column comes back with its default, which must not look
like the original). The same (table, column, serial) always yields the same value.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from decimal import Decimal
from typing import Any

from mrt.verify.catalog import Column

_WORDS = ("Zoë Müller", "MiXeD Case", "Ångström Ærø", "straße Q", "Ñandú Él")
_TZ = dt.timezone(dt.timedelta(hours=5, minutes=30))
_INT_LIMITS = {
    "TINYINT": (-128, 127),
    "SMALLINT": (-32768, 32767),
    "MEDIUMINT": (-8388608, 8388607),
    "INTEGER": (-2147483648, 2147483647),
    "INT": (-2147483648, 2147483647),
    "BIGINT": (-9223372036854775808, 9223372036854775807),
}
_IN_LIST = re.compile(r"""["`]?(\w+)["`]?\s+IN\s*\(([^)]*)\)""", re.IGNORECASE)
_ANY_ARRAY = re.compile(r"""["(]*(\w+)[")]*(?:::[\w ]+)?\s*=\s*ANY\s*\(\(?ARRAY\[([^\]]*)\]""", re.IGNORECASE)
_QUOTED = re.compile(r"'((?:[^']|'')*)'")
_JSON_VALID = re.compile(r"""json_valid\(\W*(\w+)\W*\)""", re.IGNORECASE)
_LOWER_BOUND = re.compile(r"""["`]?(\w+)["`]?\s*(>=|>)\s*(-?\d+(?:\.\d+)?)""")
_UPPER_BOUND = re.compile(r"""["`]?(\w+)["`]?\s*(<=|<)\s*(-?\d+(?:\.\d+)?)""")


class CheckHints:
    """What simple CHECK constraints allow: `col IN (...)` lists and numeric bounds."""

    def __init__(self, checks: dict[str, str]) -> None:
        self.allowed: dict[str, list[str]] = {}
        self.low: dict[str, float] = {}
        self.high: dict[str, float] = {}
        self.json: set[str] = set()
        for text in checks.values():
            self.json.update(col.lower() for col in _JSON_VALID.findall(text))  # MariaDB's JSON is LONGTEXT
            for col, items in _IN_LIST.findall(text):
                values = [v.strip().strip("'\"") for v in items.split(",") if v.strip()]
                self.allowed[col.lower()] = values
            for col, items in _ANY_ARRAY.findall(text):  # PostgreSQL's rendering of IN (...)
                self.allowed[col.lower()] = [v.replace("''", "'") for v in _QUOTED.findall(items)]
            for col, op, number in _LOWER_BOUND.findall(text):
                self.low[col.lower()] = float(number) + (1 if op == ">" else 0)
            for col, op, number in _UPPER_BOUND.findall(text):
                self.high[col.lower()] = float(number) - (1 if op == "<" else 0)


def value_for(column: Column, serial: int, dialect: str, *, unique: bool, hints: CheckHints) -> Any:
    """A non-NULL value for `column` in the row numbered `serial` (unique across the run)."""
    from sqlalchemy import types

    sa_type = column.sa_type
    name = column.name.lower()
    if hints.allowed.get(name):
        return _pick(hints.allowed[name], serial, column.default)
    labels = getattr(sa_type, "enums", None)
    if labels:
        return _pick(list(labels), serial, column.default)
    type_name = type(sa_type).__name__.upper()
    if isinstance(sa_type, types.Boolean) or (type_name == "TINYINT" and getattr(sa_type, "display_width", 0) == 1):
        default = (column.default or "").strip("'\"() ").lower()
        if default in ("1", "true"):
            return False
        if default in ("0", "false"):
            return True
        return serial % 2 == 0
    if isinstance(sa_type, types.Integer):
        return _integer(type_name, column, serial, unique, hints)
    if isinstance(sa_type, types.Float):
        return _bounded([1234.5, -0.25, 98765.125, 3.0], serial, unique, hints, name)
    if isinstance(sa_type, types.Numeric):
        number = _numeric(sa_type, serial, unique, hints, name)
        return str(number) if dialect == "sqlite" else number  # sqlite3 cannot bind Decimal
    if isinstance(sa_type, types.DateTime):
        return _datetime(serial, bool(getattr(sa_type, "timezone", False)), dialect)
    if isinstance(sa_type, types.Date):
        day = dt.date(2024, 2, 29) + dt.timedelta(days=serial)
        return day.isoformat() if dialect == "sqlite" else day
    if isinstance(sa_type, types.Time):
        moment = dt.time(23, 59, serial % 60, 0 if dialect == "mysql" else 123456)
        return moment.isoformat() if dialect == "sqlite" else moment
    if isinstance(sa_type, types.Interval):
        return dt.timedelta(days=serial, seconds=7)
    if isinstance(sa_type, types.JSON) or name in hints.json or (dialect == "mysql" and type_name == "LONGTEXT"):
        # MariaDB's JSON is a LONGTEXT with a json_valid() check; JSON text is a fine string too.
        return json.dumps({"mrt": serial, "Name": _WORDS[serial % len(_WORDS)]})
    if isinstance(sa_type, types.Uuid) or type_name == "UUID":
        return str(uuid.UUID(int=0x4D525400000000000000000000000000 + serial))
    if isinstance(sa_type, types.LargeBinary) or type_name in ("BLOB", "BYTEA", "VARBINARY", "BINARY"):
        return b"\x00MRT\xff" + serial.to_bytes(4, "big")
    if isinstance(sa_type, types.ARRAY):
        from mrt.verify.catalog import Column as _Column

        item = _Column(column.name, "", True, None, sa_type.item_type)
        return [value_for(item, serial, dialect, unique=False, hints=hints)]
    return _string(column, serial)


def _pick(options: list[str], serial: int, default: str | None) -> str:
    stripped = (default or "").strip("'\" ")
    preferred = [o for o in options if o != stripped] or options
    return preferred[serial % len(preferred)]


def _integer(type_name: str, column: Column, serial: int, unique: bool, hints: CheckHints) -> int:
    low, high = _INT_LIMITS.get(type_name, _INT_LIMITS["INTEGER"])
    if getattr(column.sa_type, "unsigned", False):
        low = 0
    name = column.name.lower()
    low = max(low, int(hints.low.get(name, low)))
    high = min(high, int(hints.high.get(name, high)))
    if unique:
        return min(max(low, 0) + 100_000 + serial, high) if high - low > 200_000 else low + serial % (high - low + 1)
    candidates = [v for v in (high, low, 4242, -17, 77) if low <= v <= high and str(v) != (column.default or "")]
    return candidates[serial % len(candidates)] if candidates else low


def _bounded(options: list[float], serial: int, unique: bool, hints: CheckHints, name: str) -> float:
    low, high = hints.low.get(name, float("-inf")), hints.high.get(name, float("inf"))
    if unique:
        return min(max(low, 0) + 1000.5 + serial, high)
    allowed = [v for v in options if low <= v <= high] or [max(low, 0.0)]
    return allowed[serial % len(allowed)]


def _numeric(sa_type: Any, serial: int, unique: bool, hints: CheckHints, name: str) -> Decimal:
    precision, scale = getattr(sa_type, "precision", None), getattr(sa_type, "scale", None) or 0
    quantum = Decimal(1).scaleb(-scale) if scale else Decimal(1)
    biggest = Decimal(10) ** (precision - scale) - quantum if precision else Decimal("123456789.125")
    low = Decimal(str(hints.low[name])) if name in hints.low else -biggest
    high = Decimal(str(hints.high[name])) if name in hints.high else biggest
    if unique:
        return min(max(low, Decimal(0)) + Decimal(serial) + quantum * 3, high).quantize(quantum)
    candidates = [v for v in (biggest, -biggest, Decimal("12.5"), Decimal(7)) if low <= v <= high] or [low]
    return candidates[serial % len(candidates)].quantize(quantum)


def _datetime(serial: int, aware: bool, dialect: str) -> Any:
    moment = dt.datetime(2024, 2, 29, 23, 59, 58, 123456, tzinfo=_TZ) + dt.timedelta(days=serial, seconds=serial)
    if dialect == "mysql":
        return moment.astimezone(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    if not aware:
        moment = moment.replace(tzinfo=None)
    if dialect == "sqlite":
        return moment.isoformat(sep=" ")
    return moment


def _string(column: Column, serial: int) -> str:
    length = getattr(column.sa_type, "length", None)
    suffix = f" #{serial}"
    base = f"{_WORDS[serial % len(_WORDS)]} {column.name}"
    if not length:
        return base + suffix
    if length <= len(suffix):
        return _base36(serial)[-length:]
    return base[: length - len(suffix)] + suffix


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out
