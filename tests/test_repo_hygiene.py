"""No source or document file carries leftover merge-conflict markers (one reached docs/ once)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKER = re.compile(r"^(<<<<<<< |>>>>>>> )", re.M)
SKIP = {".git", ".venv", "node_modules", "build", "dist", "__pycache__"}


def _text_files() -> list[Path]:
    out = []
    for path in ROOT.rglob("*"):
        if path.suffix in {".py", ".md", ".toml", ".txt", ".lock", ".sh", ".ps1", ".iss", ".spec", ".qss", ".mako"} \
                and not SKIP.intersection(path.relative_to(ROOT).parts):
            out.append(path)
    return out


def test_no_conflict_markers_in_project_files() -> None:
    files = _text_files()
    assert len(files) > 100
    bad = [str(p.relative_to(ROOT)) for p in files if MARKER.search(p.read_text(encoding="utf-8", errors="replace"))]
    assert bad == []
