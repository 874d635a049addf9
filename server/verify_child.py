"""The verification child process: `python -m mrt_server.verify_child SPEC` (see mrt_server.verify).

Kept apart from the server's modules so that importing it loads only the verifier, and prints exactly
one JSON line: the `RevisionResult` as a dict, or `{"error": ...}`.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict
from typing import Any

from mrt.config import ConfigError, load_config


def verify(spec: dict[str, Any]) -> dict[str, Any]:
    from mrt.verify import AlembicRunner, VerifyError

    os.chdir(spec["root"])
    try:
        config = load_config(spec["root"], overrides={"db_url": spec["db_url"]})
        with AlembicRunner(config) as runner:
            return asdict(runner.check_revision(spec["revision"]))
    except (VerifyError, ConfigError) as exc:
        return {"error": str(exc)}
    except Exception as exc:  # the project's own migrations may raise anything
        return {"error": f"{type(exc).__name__}: {exc}"}


if __name__ == "__main__":
    print(json.dumps(verify(json.loads(sys.argv[1]))))
