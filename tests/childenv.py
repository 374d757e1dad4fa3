"""Environment for Python processes a test starts from the repository.

The child must import this checkout's code, and must keep what the parent's PYTHONPATH already holds:
CI's faketime pass puts its sleep shim (.ci/faketime/sitecustomize.py) there, and a child that loses
it fails on its first time.sleep under libfaketime.
"""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def child_env(**extra: str) -> dict[str, str]:
    inherited = os.environ.get("PYTHONPATH", "")
    path = os.pathsep.join(p for p in (str(ROOT), inherited) if p)
    return {**os.environ, "PYTHONPATH": path, **extra}
