"""The verification child process: `python -m mrt_server.verify_child SPEC` (see mrt_server.verify).

SPEC names an Alembic revision, or a Django migration by `app` and name.

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
        if spec.get("app"):  # a Django migration: its settings come from [tool.mrt] or manage.py
            from mrt.verify.django_cli import with_detected_django
            from mrt.verify.django_runner import DjangoRunner

            with DjangoRunner(with_detected_django(config, spec["root"])) as runner:
                return asdict(runner.check_migration(spec["app"], spec["revision"]))
        with AlembicRunner(config) as runner:
            return asdict(runner.check_revision(spec["revision"]))
    except (VerifyError, ConfigError) as exc:
        return {"error": str(exc)}
    except Exception as exc:  # the project's own migrations may raise anything
        return {"error": f"{type(exc).__name__}: {exc}"}


if __name__ == "__main__":
    print(json.dumps(verify(json.loads(sys.argv[1]))))
