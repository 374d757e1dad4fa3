"""Helpers for the mobile-import and selfie tests: bundles built in tmp dirs, face images."""

from __future__ import annotations

import csv
import importlib.resources
import io
import zipfile
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from services.demo.synthetic_faces import detectable_person_seed, detectable_selfie, encode_jpeg, person

COLUMNS = ["nip", "waktu", "lat", "lon", "akurasi", "id_hp", "foto", "luring", "diunggah"]
OFFICE = (-2.5389, 112.9525)  # "Kantor Utama" of the sample org


@lru_cache(maxsize=1)
def _astronaut_png() -> bytes:
    return (importlib.resources.files("skimage") / "data" / "astronaut.png").read_bytes()


def astronaut() -> np.ndarray:
    """A real frontal face photo (NASA, public domain) shipped inside the scikit-image wheel."""
    img = cv2.imdecode(np.frombuffer(_astronaut_png(), np.uint8), cv2.IMREAD_COLOR)
    assert img is not None
    return img


def jpeg(img: np.ndarray) -> bytes:
    return encode_jpeg(img, 90)


@lru_cache(maxsize=32)
def synthetic_face(person_start: int, scene: int) -> bytes:
    return jpeg(detectable_selfie(person(detectable_person_seed(person_start)), scene))


def csv_text(rows: list[dict[str, str]], columns: list[str] | None = None) -> str:
    cols = columns or COLUMNS
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols)
    w.writeheader()
    for r in rows:
        w.writerow({c: r.get(c, "") for c in cols})
    return buf.getvalue()


def write_zip(path: Path, entries: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def row(nip: str, ts: str, photo: str = "", *, lat: float = OFFICE[0], lon: float = OFFICE[1], phone: str = "",
        offline: str = "0", uploaded: str = "", accuracy: str = "8") -> dict[str, str]:
    return {"nip": nip, "waktu": ts, "lat": f"{lat:.6f}", "lon": f"{lon:.6f}", "akurasi": accuracy, "id_hp": phone,
            "foto": photo, "luring": offline, "diunggah": uploaded}
