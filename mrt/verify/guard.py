"""The database guard: the verifier seeds, migrates and wipes, so it only touches disposable databases.

A URL counts as disposable when it points at SQLite (a file or memory), or at a loopback host whose
database name says it is for tests ("test", "tmp", "scratch", "ci" anywhere in the name). Anything
else needs `MRTConfig(allow_unsafe_database=True)`; the error says which rule the URL failed.
"""

from __future__ import annotations

import re

from mrt.verify.errors import UnsafeDatabaseError

_LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]", ""}
_DISPOSABLE_NAME = re.compile(r"test|tmp|temp|scratch|(^|[_\-])ci([_\-]|$)", re.IGNORECASE)
_HINT = "pass MRTConfig(allow_unsafe_database=True) (or allow_unsafe_database = true in [tool.mrt]) if it is"


def check_disposable(url: str, *, allow_unsafe: bool = False) -> None:
    """Raise `UnsafeDatabaseError` unless `url` looks like a throw-away test database."""
    reason = unsafe_reason(url)
    if reason and not allow_unsafe:
        raise UnsafeDatabaseError(f"refusing to migrate {safe_url(url)}: {reason}; {_HINT}")


def unsafe_reason(url: str) -> str | None:
    """Why `url` does not look disposable, or None when it does."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return None
    host = (parsed.host or "").lower()
    if host not in _LOOPBACK and not host.startswith("127."):
        return f"host {parsed.host!r} is not a loopback address"
    name = parsed.database or ""
    if not _DISPOSABLE_NAME.search(name):
        return f"database name {name!r} does not contain 'test'"
    return None


def safe_url(url: str) -> str:
    """The URL with its password hidden, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
