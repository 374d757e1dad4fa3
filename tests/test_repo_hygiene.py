"""No tracked text file carries leftover merge-conflict markers (one reached docs/ once)."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_no_conflict_markers_in_tracked_files() -> None:
    found = subprocess.run(["git", "grep", "-n", "-I", "-E", "^(<<<<<<< |>>>>>>> )", "--", "."],
                           cwd=ROOT, capture_output=True, text=True)
    assert found.returncode in (0, 1), found.stderr  # 1: nothing found
    assert found.stdout == ""
