"""What git says a change contains: `mrt check --base-ref REF`.

Two hazards are invisible in the migration files alone and plain in the diff against the branch a change
will be merged into: a migration added below migrations that already exist there (MRT914: deployed databases
ran those first, so the new one runs out of order or never), and a contract step (a drop or rename) shipped
together with the application code that stopped using the object (MRT710). The CLI computes these facts once,
before the analysis, and hands them to the rules in `MRTConfig.git_changes`; the analyzer stays a pure
function of files and settings, and nothing here runs unless the option is given.

git is run as a subprocess (`git merge-base`, `git diff --name-status`, `git ls-files --others`, and one
`git cat-file --batch` for the base versions of the modified migrations); the project's code is only read.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


class GitError(ValueError):
    """git is missing, the path is not in a repository, or the ref names no commit: one line for the user.

    `complaint` keeps everything git wrote on stderr, for the callers that explain a known failure better.
    """

    def __init__(self, message: str, complaint: str = "") -> None:
        super().__init__(message)
        self.complaint = complaint


class GitNotFound(GitError):
    """No `git` executable on PATH."""


@dataclass(frozen=True)
class GitChanges:
    """The change since the merge base of `ref` and HEAD (committed, staged, unstaged; untracked migrations).

    Paths are real paths (`os.path.realpath`), as git reports the repository's top level.
    """

    ref: str
    # Migration files that did not exist at the merge base (a renamed file keeps its history: not added).
    added: frozenset[str] = frozenset()
    # The text each modified or renamed migration file had at the merge base, keyed by its path now.
    base_sources: Mapping[str, str] = field(default_factory=dict)
    # Each renamed migration file's path at the merge base (relative to the repository), keyed by its path now.
    renamed_from: Mapping[str, str] = field(default_factory=dict)
    # Application Python files changed since the merge base (not migrations, their packages, env.py or tests),
    # relative to the repository's top level. Tracked files only: an untracked file (a scratch script) is not
    # part of the change until it is added.
    app_files: tuple[str, ...] = ()

    def is_added(self, path: str) -> bool:
        return os.path.realpath(path) in self.added

    def base_source(self, path: str) -> str | None:
        return self.base_sources.get(os.path.realpath(path))

    def old_name(self, path: str) -> str | None:
        """The file's path at the merge base when this change renamed it."""
        return self.renamed_from.get(os.path.realpath(path))


def git_changes(ref: str, where: str, migrations: Iterable[str]) -> GitChanges:
    """The changes since the merge base of `ref` and HEAD, for the repository that holds `where`.

    `migrations` are the migration files the check reads (discovery decides what a migration is; git does
    not know): their added/modified status is recorded, and every other changed Python file is application
    code unless it sits beside the migrations (`__init__.py`, helpers), is an Alembic `env.py`, or is a test.
    """
    start = where if os.path.isdir(where) else os.path.dirname(os.path.abspath(where)) or "."
    try:
        top = _git(start, "rev-parse", "--show-toplevel").strip()
    except GitNotFound:
        raise
    except GitError as exc:
        if "dubious ownership" in exc.complaint:  # git 2.35.2+ refuses a repository another user owns (containers)
            advice = [line.strip() for line in exc.complaint.splitlines() if "safe.directory" in line]
            raise GitError(
                f"--base-ref: git refuses the repository that holds {where}: another user owns it"
                + (f" (if you trust it: {advice[-1]})" if advice else "")
            ) from None
        raise GitError(f"--base-ref: {where} is not inside a git work tree") from None
    if ref.startswith("-") or not _is_commit(top, ref):  # a ref is never an option to git
        raise GitError(f"--base-ref {ref!r}: not a branch, tag or commit of this repository")
    try:
        base = _git(top, "merge-base", ref, "HEAD").strip()
    except GitError:
        if _git(top, "rev-parse", "--is-shallow-repository").strip() == "true":
            raise GitError(
                f"--base-ref {ref!r}: this clone is shallow, so the common history with HEAD is missing "
                "(git fetch --unshallow, or fetch-depth: 0 in actions/checkout)"
            ) from None
        raise GitError(f"--base-ref {ref!r}: no common history with HEAD (git merge-base found none)") from None
    ours = {os.path.realpath(p) for p in migrations}
    added: set[str] = set()
    modified: dict[str, str] = {}  # path now -> path at the base
    changed: set[str] = set()
    for status, old, new in _name_status(_git(top, "diff", "--name-status", "-z", "--find-renames", base, "--")):
        now = os.path.realpath(os.path.join(top, new))
        changed.add(now)
        if old != new:
            changed.add(os.path.realpath(os.path.join(top, old)))
        if status == "A" or status == "C":
            added.add(now)
        elif status in ("M", "R", "T") and now in ours:
            modified[now] = old
    for path in _git(top, "ls-files", "--others", "--exclude-standard", "-z").split("\0"):
        if path:  # a new migration not yet added is new; an untracked script is no application code (below)
            added.add(os.path.realpath(os.path.join(top, path)))
    return GitChanges(
        ref=ref,
        added=frozenset(added & ours),
        base_sources=_base_sources(top, base, modified),
        renamed_from={now: old for now, old in modified.items() if os.path.realpath(os.path.join(top, old)) != now},
        app_files=tuple(sorted(os.path.relpath(p, top) for p in _application_code(changed, ours, top))),
    )


def _name_status(output: str) -> Iterable[tuple[str, str, str]]:
    """(status letter, path at the base, path now) from `git diff --name-status -z`."""
    parts = output.split("\0")
    index = 0
    while index < len(parts) and parts[index]:
        status = parts[index][0]
        if status in ("R", "C"):
            yield status, parts[index + 1], parts[index + 2]
            index += 3
        else:
            yield status, parts[index + 1], parts[index + 1]
            index += 2


def _base_sources(top: str, base: str, modified: Mapping[str, str]) -> dict[str, str]:
    """The merge base's text of each modified migration, read by one `git cat-file --batch`."""
    if not modified:
        return {}
    paths = list(modified.items())
    output = _run(top, ("cat-file", "--batch"), "".join(f"{base}:{old}\n" for _, old in paths).encode())
    out: dict[str, str] = {}
    position = 0
    for now, _old in paths:
        end = output.index(b"\n", position)
        header = output[position:end].split()
        position = end + 1
        if len(header) == 3 and header[1] == b"blob":
            size = int(header[2])
            out[now] = output[position : position + size].decode("utf-8", errors="replace")
            position += size + 1
    return out


def _application_code(changed: Iterable[str], migrations: set[str], top: str) -> list[str]:
    """The changed Python files the running application imports: not migrations, not the other files of a
    migrations package or an Alembic script directory, not tests (tests do not ship to production)."""
    folders = {os.path.dirname(m) for m in migrations}
    scripts = {os.path.dirname(f) for f in folders}  # env.py sits above versions/ (or deeper, recursively)
    out: list[str] = []
    for path in changed:
        if not path.endswith(".py") or path in migrations:
            continue
        name, folder = os.path.basename(path), os.path.dirname(path)
        if name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py"):
            continue
        if {"tests", "test"} & set(os.path.relpath(folder, top).split(os.sep)) or folder in folders:
            continue
        if name == "env.py" and (folder in scripts or any(f.startswith(folder + os.sep) for f in folders)):
            continue
        out.append(path)
    return out


def _is_commit(top: str, ref: str) -> bool:
    try:
        _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except GitError:
        return False
    return True


def _git(cwd: str, *args: str) -> str:
    return _run(cwd, args).decode(errors="replace")


def _run(cwd: str, args: tuple[str, ...], stdin: bytes | None = None) -> bytes:
    """Run git in `cwd`; a failure becomes a `GitError` with git's last line of complaint."""
    import subprocess

    try:
        done = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, check=False)
    except FileNotFoundError:
        raise GitNotFound("--base-ref needs git, which is not on PATH") from None
    if done.returncode != 0:
        complaint = done.stderr.decode(errors="replace").strip()
        lines = complaint.splitlines()
        raise GitError(f"--base-ref: git {args[0]}: {lines[-1] if lines else 'failed'}", complaint)
    return done.stdout
