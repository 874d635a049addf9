"""An Alembic project loaded once: its Config (pointed at the verified database) and ScriptDirectory.

pytest-mrt spent 65% of its time re-importing env.py and every revision file for each alembic
command. Here the ScriptDirectory (and with it every revision module) is loaded a single time and
kept; the history is walked with an iterative topological sort, so 10k revisions and any mix of
branches, merges and `depends_on` are fine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mrt.verify.errors import VerifyError


@dataclass
class AlembicProject:
    config: Any  # alembic.config.Config
    script: Any  # alembic.script.ScriptDirectory
    order: list[Any]  # Script objects, every parent before its children

    @property
    def revisions(self) -> list[str]:
        return [s.revision for s in self.order]

    def get(self, revision: str) -> Any:
        """The Script for an id, a unique prefix, a branch label, 'head' or 'heads' (one head)."""
        try:
            found = self.script.get_revision(revision)
        except Exception as exc:
            raise VerifyError(f"unknown revision {revision!r}: {_first_line(exc)}") from None
        if found is None:
            raise VerifyError(f"unknown revision {revision!r}")
        return found

    def parents(self, script: Any) -> tuple[str, ...]:
        return tuple(script._all_down_revisions)

    def ancestors(self, revision: str) -> set[str]:
        """Every revision that must be applied before `revision` (not including it)."""
        by_id = {s.revision: s for s in self.order}
        seen: set[str] = set()
        stack = list(self.parents(by_id[revision]))
        while stack:
            rev = stack.pop()
            if rev not in seen:
                seen.add(rev)
                stack.extend(self.parents(by_id[rev]))
        return seen


def load_project(alembic_ini: str, db_url: str) -> AlembicProject:
    """Read alembic.ini and every revision once; bad input raises `VerifyError` with one clear line."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    ini = Path(alembic_ini)
    if not ini.is_file():
        raise VerifyError(
            f"alembic.ini not found: {alembic_ini} (looked in {Path.cwd()}); set alembic_ini in MRTConfig or [tool.mrt]"
        )
    config = Config(str(ini))
    if db_url:
        config.set_main_option("sqlalchemy.url", db_url.replace("%", "%%"))
    try:
        script = ScriptDirectory.from_config(config)
        scripts = list(script.walk_revisions("base", "heads"))
    except Exception as exc:
        raise VerifyError(f"{alembic_ini}: cannot load the revision history: {_first_line(exc)}") from None
    return AlembicProject(config, script, _topological(scripts))


def _topological(scripts: list[Any]) -> list[Any]:
    """Parents (down revisions and dependencies) first; ties broken by alembic's own walk order."""
    by_id = {s.revision: s for s in scripts}
    rank = {s.revision: i for i, s in enumerate(reversed(scripts))}
    children: dict[str, list[str]] = {rev: [] for rev in by_id}
    pending: dict[str, int] = {}
    for s in scripts:
        parents = [p for p in s._all_down_revisions if p in by_id]
        pending[s.revision] = len(parents)
        for p in parents:
            children[p].append(s.revision)
    import heapq

    ready = [(rank[r], r) for r, n in pending.items() if n == 0]
    heapq.heapify(ready)
    order: list[Any] = []
    while ready:
        _, rev = heapq.heappop(ready)
        order.append(by_id[rev])
        for child in children[rev]:
            pending[child] -= 1
            if pending[child] == 0:
                heapq.heappush(ready, (rank[child], child))
    if len(order) != len(scripts):
        raise VerifyError("the revision graph has a cycle")
    return order


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
