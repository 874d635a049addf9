"""Start-up leaves the long-lived heap out of the garbage collector's scans (typing latency)."""

import gc

from mrt_server.__main__ import settle_memory


def test_settle_memory_freezes_the_start_up_heap():
    try:
        settle_memory()
        assert gc.get_freeze_count() > 10_000  # modules, the rule catalog and the SQL parser
    finally:
        gc.unfreeze()
