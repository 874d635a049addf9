"""The long fuzz run of the static path: `python tests/fuzz/run_long.py --examples 20000`.

Same strategies as the property tests, many more inputs, and a per-file time bound. Prints the
count, the slowest input's time, and exits non-zero on the first crash (with the input saved).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
from strategies import alembic_migration, django_migration, mutated

from mrt import MRTConfig, analyze_source
from mrt.model.source import SourceError, decode_source

CONFIG = MRTConfig(extend_select=["MRT903"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=20_000)
    parser.add_argument("--per-file-seconds", type=float, default=2.0)
    args = parser.parse_args()
    stats = {"count": 0, "slowest": 0.0, "mrt902": 0, "findings": 0}
    started = time.perf_counter()

    @settings(max_examples=args.examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.one_of(mutated(alembic_migration()), mutated(django_migration())), st.booleans())
    def run(data: bytes, django: bool) -> None:
        path = "shop/migrations/0002_fuzz.py" if django else "migrations/versions/fuzz.py"
        began = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                try:
                    findings = analyze_source(decode_source(data), path, CONFIG)
                except SourceError:
                    findings = []
        except Exception:
            Path("fuzz-crash.py").write_bytes(data)
            raise
        took = time.perf_counter() - began
        stats["count"] += 1
        stats["slowest"] = max(stats["slowest"], took)
        stats["mrt902"] += any(f.code == "MRT902" for f in findings)
        stats["findings"] += len(findings)
        assert took < args.per_file_seconds, f"{took:.2f}s for one file"

    run()
    elapsed = time.perf_counter() - started
    print(
        f"fuzzed {stats['count']} inputs in {elapsed:.1f}s: no crash, no rule failure; "
        f"{stats['mrt902']} gave MRT902, {stats['findings']} findings in all, slowest file {stats['slowest'] * 1000:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
