"""An analysis that other files' changes overtook while it ran is not served: it is run again.

The race behind a flaky end-to-end test: a migration opened while the workspace index was still being
built got analysed without its history; when the index finished, the refresh found that analysis still
in flight, joined it, and served its result — the two-heads finding never appeared.
"""

import asyncio
from types import SimpleNamespace

import pytest
from mrt_server.server import MrtServer

pytestmark = pytest.mark.asyncio(loop_scope="session")
URI = "file:///project/migrations/versions/r3.py"


async def test_a_refresh_during_an_analysis_makes_it_run_again():
    ls = MrtServer()
    ls.attached = {URI}
    ls.snapshot = lambda uri: SimpleNamespace(uri=uri, version=1, generation=0)  # type: ignore[method-assign]
    started, release = asyncio.Event(), asyncio.Event()
    runs = []

    async def run(snapshot):
        runs.append(snapshot)
        if len(runs) == 1:  # the first run reads the world before the index is complete
            started.set()
            await release.wait()
        return SimpleNamespace(version=1, snapshot=snapshot, world=len(runs))

    ls._run = run  # type: ignore[method-assign]
    first = asyncio.ensure_future(ls.analyse(URI))
    await started.wait()
    ls.invalidate([URI])  # the index finished: other files changed
    second = asyncio.ensure_future(ls.analyse(URI))
    release.set()
    results = await asyncio.gather(first, second)
    assert all(r.world > 1 for r in results)  # nobody is served the run that read the stale world
    assert ls.analyses[URI].world > 1
