"""`mrt check --watch`: check once, then again whenever a migration or a config file changes.

File events come from watchfiles (Rust `notify`: inotify, FSEvents, ReadDirectoryChangesW, with a
polling fallback), debounced so an editor's save burst triggers one run. Every run is a whole
`mrt check`, so checks over the revision graph stay right when a file is added or removed; a run
costs milliseconds per file. Ctrl-C ends the loop and `mrt` exits 0.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

_CONFIG_FILES = frozenset({"alembic.ini", "pyproject.toml"})


def relevant(_change: object, path: str) -> bool:
    """Python sources and the files that decide what is checked and how."""
    name = Path(path).name
    return (name.endswith(".py") and not name.startswith(".")) or name in _CONFIG_FILES


def watch(
    paths: Sequence[str],
    check: Callable[[], int],
    *,
    extra: Sequence[str] = (),
    stop: threading.Event | None = None,
) -> int:
    """Run `check` now and after every change under `paths`; return 0 when stopped or interrupted."""
    from watchfiles import watch as file_changes

    from mrt.cli import InputError

    roots = [str(Path(p)) for p in [*paths, *extra]]
    missing = [p for p in roots if not Path(p).exists()]
    if missing:
        raise InputError(f"{missing[0]}: no such file or directory")
    _run(check)
    _say(f"Watching {', '.join(roots)} for changes (Ctrl-C to stop).")
    try:
        for changes in file_changes(*roots, watch_filter=relevant, stop_event=stop, raise_interrupt=True):
            names = sorted({Path(path).name for _, path in changes})
            _say(f"\n[{datetime.now():%H:%M:%S}] changed: {', '.join(names)}")
            _run(check)
    except KeyboardInterrupt:
        pass
    _say("Stopped watching.")
    return 0


def _run(check: Callable[[], int]) -> None:
    from mrt.cli import InputError

    try:
        check()
    except InputError as exc:  # e.g. a file made unreadable mid-edit: say so and keep watching
        _say(f"mrt: error: {exc}", err=True)


def _say(text: str, *, err: bool = False) -> None:
    stream = sys.stderr if err else sys.stdout
    stream.write(text + "\n")
    stream.flush()
