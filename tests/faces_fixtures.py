"""Real face photos for the selfie tests: the public deepface-unit set (../shared/faces/README.md).

The folder is ``$PRESENSI_FACES_DIR`` (default ``../shared/faces`` beside the repository); tests that need
it are skipped, saying why, only when it is absent.
"""

from __future__ import annotations

import csv
import os
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
FACES_DIR = Path(os.environ.get("PRESENSI_FACES_DIR") or ROOT.parent / "shared" / "faces")
SET_DIR = FACES_DIR / "deepface-unit"


def face_set() -> Path:
    if not (SET_DIR / "master.csv").is_file():
        pytest.skip(f"set foto wajah uji tidak ada di {SET_DIR} (atur PRESENSI_FACES_DIR ke folder shared/faces)")
    return SET_DIR


@lru_cache(maxsize=128)
def photo_bytes(name: str) -> bytes:
    return (face_set() / name).read_bytes()


def photo(name: str) -> np.ndarray:
    img = cv2.imdecode(np.frombuffer(photo_bytes(name), np.uint8), cv2.IMREAD_COLOR)
    assert img is not None, name
    return img


def labelled_pairs() -> list[tuple[str, str, bool]]:
    with (face_set() / "master.csv").open(encoding="utf-8") as f:
        return [(r["file_x"].strip(), r["file_y"].strip(), r["Decision"].strip().lower() == "yes") for r in csv.DictReader(f)]


def side_by_side(*names: str, height: int = 700) -> np.ndarray:
    """One photo of several people: single-person photos of the set scaled to one height, placed side by side."""
    parts = []
    for n in names:
        img = photo(n)
        h, w = img.shape[:2]
        parts.append(cv2.resize(img, (round(w * height / h), height), interpolation=cv2.INTER_AREA))
    return np.hstack(parts)


def jpeg_bytes(img: np.ndarray, quality: int = 90) -> bytes:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return buf.tobytes()
