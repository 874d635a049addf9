"""Errors the verifier raises for bad input: each carries a one-line message meant for the user."""

from __future__ import annotations


class VerifyError(RuntimeError):
    """Something the user must fix before verification can run (missing alembic.ini, unreachable DB...)."""


class UnsafeDatabaseError(VerifyError):
    """The database URL does not look disposable; the message says why and how to allow it."""


class StepTimeout(BaseException):
    """Raised inside a running migration when its time is up.

    A BaseException so that a migration's own `except Exception:` cannot swallow the interruption.
    """


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a verification; the message says which step of which revision was running.

    A KeyboardInterrupt still, so every caller that stops on Ctrl-C keeps doing so; raised only after
    the step's time limit is disarmed, and the runners clean the database up on the way out.
    """
