"""bench_analyze.py's ratio in instructions executed instead of seconds: repeatable on a busy machine.

    python benchmarks/bench_analyze_ir.py --dir /tmp/history     # a generate_history.py output

Runs three processes under `valgrind --tool=callgrind` (each imports mrt and warms up with one
analysis and one floor pass): one that stops there, one that then reads and `ast.parse`s every file
once (the floor), one that then runs `mrt.analyze_paths` once. The differences to the first are the
instructions of one floor pass and of one analysis. Instructions are not time: C code like the parser
runs more instructions per cycle than the interpreter, so the wall-clock ratio is higher than this
one. A 1,000-file history takes about three minutes.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import subprocess
import sys
from pathlib import Path


def child(mode: str, directory: Path) -> None:
    from mrt import analyze_paths
    from mrt.discovery import discover
    from mrt.model import sql

    roots = [str(p) for p in sorted(directory.iterdir()) if p.is_dir()]
    files = [found.path for found in discover(roots)]

    def floor() -> None:
        for path in files:
            with open(path, "rb") as handle:
                ast.parse(handle.read())

    def analysis() -> None:
        sql._parse_statements.cache_clear()
        analyze_paths(roots, None)

    analysis()
    floor()
    if mode == "floor":
        floor()
    elif mode == "analysis":
        analysis()


def instructions(mode: str, directory: Path) -> int:
    env = dict(os.environ, PYTHONHASHSEED="0")
    command = [sys.executable, __file__, "--child", mode, "--dir", str(directory)]
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    match = re.search(r"refs:\s*([\d,]+)", done.stderr)
    if match is None:
        raise SystemExit(f"no instruction count in valgrind's output:\n{done.stderr[-2000:]}")
    return int(match.group(1).replace(",", ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, required=True, help="a history written by generate_history.py")
    parser.add_argument("--child", choices=("none", "floor", "analysis"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.dir)
        return 0
    base = instructions("none", args.dir)
    floor = instructions("floor", args.dir) - base
    analysis = instructions("analysis", args.dir) - base
    print(f"floor (read + ast.parse): {floor / 1e6:10.0f} M instructions")
    print(f"mrt.analyze_paths:        {analysis / 1e6:10.0f} M instructions")
    print(f"ratio analysis/floor:     {analysis / floor:10.2f}x (instructions; target <= 2.0x is in time)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
