"""Which open documents are migrations: the server attaches to those and stays silent on the rest.

Both the path and the content must agree, so a models.py that mentions `revision` or a script that
happens to sit in a `migrations/` folder gets nothing:

* Alembic: a `.py` file (not env.py, not `__init__.py`) that assigns `revision` and `down_revision`
  at module level and defines `upgrade()`. Alembic allows any version location, so the directory is
  not checked beyond that.
* Django: a `.py` file inside a `migrations/` package with a `class Migration(...)`.

Unsaved (untitled) buffers have no path; they are checked by content alone.
"""

from __future__ import annotations

import re
from pathlib import PurePath

_NEVER = frozenset({"__init__.py", "env.py", "conftest.py", "setup.py", "manage.py", "settings.py"})
_ALEMBIC_REVISION = re.compile(r"^revision\s*(?::[^=\n]*)?=", re.MULTILINE)
_ALEMBIC_DOWN = re.compile(r"^down_revision\s*(?::[^=\n]*)?=", re.MULTILINE)
_ALEMBIC_UPGRADE = re.compile(r"^def upgrade\s*\(", re.MULTILINE)
_DJANGO_CLASS = re.compile(r"^class Migration\s*\(", re.MULTILINE)


def is_migration(path: str | None, text: str) -> bool:
    """Should mrt analyse this document? (`path` is None for an untitled buffer.)"""
    if path is not None:
        file = PurePath(path.replace("\\", "/"))
        if file.suffix != ".py" or file.name in _NEVER:
            return False
        if "migrations" in file.parts[:-1] and _DJANGO_CLASS.search(text):
            return True
    elif _DJANGO_CLASS.search(text) and "migrations.Migration" in text:
        return True
    return bool(_ALEMBIC_REVISION.search(text) and _ALEMBIC_DOWN.search(text) and _ALEMBIC_UPGRADE.search(text))


def django_app(path: str | None) -> str | None:
    """The app label of a Django migration: the directory that holds its `migrations/` package."""
    if path is None:
        return None
    parts = PurePath(path.replace("\\", "/")).parts
    for index in range(len(parts) - 2, 0, -1):
        if parts[index] == "migrations":
            return parts[index - 1]
    return None
