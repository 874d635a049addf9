"""The steps mrt hands to Alembic (`mrt.verify.alembic_steps`): the same answers as Alembic's own, and
no walk over a revision's ancestors for each downgrade of a linear history."""

from __future__ import annotations

import itertools
from pathlib import Path

from alembic.runtime.migration import RevisionStep
from alembic.script.revision import RevisionMap

from mrt.config import MRTConfig
from mrt.verify.alembic_steps import downgrade_step, upgrade_step
from mrt.verify.project import load_project
from mrt.verify.runner import AlembicRunner
from tests.verify.projects import make_project
from tests.verify.test_snapshot_cost import growing_schema

SHAPES = [
    ("a", None, "", ""),
    ("b1", "a", "", ""),
    ("b2", "a", "", ""),
    ("m", ("b1", "b2"), "", ""),
    ("c", "m", "", ""),
    ("d", "c", "", ""),
    ("side", "a", "", ""),
]


def test_a_step_answers_as_alembics_own_for_every_head_set(tmp_path: Path) -> None:
    """Branches, a merge, a side branch: for every revision and every set of up to three heads, the
    branch bookkeeping questions Alembic asks get the answers of Alembic's own step."""
    ini = make_project(tmp_path, SHAPES)
    (tmp_path / "migrations" / "versions" / "dep.py").write_text(
        'revision = "dep"\ndown_revision = "d"\nbranch_labels = None\ndepends_on = "side"\n\n\n'
        "def upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n",
        encoding="utf-8",
    )
    project = load_project(str(ini), f"sqlite:///{tmp_path / 'unused.db'}")
    revision_map = project.script.revision_map
    names = [s.revision for s in project.order]
    head_sets = [set(c) for n in range(4) for c in itertools.combinations(names, n)]
    compared = 0
    for script in project.order:
        for ours, theirs in (
            (upgrade_step(revision_map, script), RevisionStep(revision_map, script, True)),
            (downgrade_step(revision_map, script), RevisionStep(revision_map, script, False)),
        ):
            for heads in head_sets:
                for question in ("should_delete_branch", "should_create_branch", "should_merge_branches"):
                    assert getattr(ours, question)(set(heads)) == getattr(theirs, question)(set(heads)), (
                        question,
                        script.revision,
                        heads,
                    )
                if ours.is_downgrade:
                    assert set(ours._unmerge_to_revisions(set(heads))) == set(
                        theirs._unmerge_to_revisions(set(heads))
                    ), (script.revision, heads)
                compared += 1
    assert compared == len(names) * 2 * len(head_sets)


def test_a_linear_history_is_checked_without_walking_ancestors(tmp_path: Path, monkeypatch: object) -> None:
    """Alembic's own downgrade step collects every ancestor of the revision's parent (O(n) per step, so
    O(n²) over a check): mrt's answers the one-parent case without asking the revision map."""
    walks = [0]
    original = RevisionMap._get_ancestor_nodes

    def counted(self: RevisionMap, *args: object, **kwargs: object) -> object:
        walks[0] += 1
        return original(self, *args, **kwargs)

    ini = make_project(tmp_path, growing_schema(9))
    monkeypatch.setattr(RevisionMap, "_get_ancestor_nodes", counted)  # type: ignore[attr-defined]
    with AlembicRunner(MRTConfig(alembic_ini=str(ini), db_url=f"sqlite:///{tmp_path / 'test.db'}")) as runner:
        walks[0] = 0
        results = runner.check_all()
    assert all(r.passed for r in results), [r.failures for r in results]
    assert walks[0] == 0, f"{walks[0]} walks over the history for 9 revisions"


def test_an_alembic_without_the_private_method_gets_its_own_steps_back():
    from mrt.verify import alembic_steps

    class Renamed(RevisionStep):
        def _unmerge_to_revisions(self, heads, extra):  # a later Alembic's different signature
            return ()

    assert alembic_steps._overridable()  # the installed Alembic: mrt's shortcut applies
    assert not alembic_steps._overridable(Renamed)
    assert not alembic_steps._overridable(type("Gone", (), {}))
