"""Faces for the demo's reference photos and selfies: real photos when the public test set is at hand, else drawn.

The face model (services/selfie/faces.py) finds the demo's *drawn* faces, but to it every drawing looks like
the same person (embedding distance 0.1-0.3, far below the threshold), so drawn faces can never show a
"kemungkinan orang lain". When the public face set used to choose the threshold (deepface-unit, MIT-licensed,
see ../shared/faces/README.md) is on this machine, the demo derives its photos from it instead: each demo
employee is one person of the set (the people with two or more labelled photos), the reference photo is one of
that person's photos, and each selfie is a re-framed, re-lit, slightly rotated copy of another of them. The set
is never shipped in an installer, so an installed app's demo uses the drawings and says so.

The folder is ``$PRESENSI_FACES_DIR`` (default: ``../shared/faces`` beside the source checkout).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from services.demo.synthetic_faces import (
    detectable_person_seed,
    detectable_selfie,
    encode_jpeg,
    has_one_face,
    person,
    render,
)

SET_NAME = "deepface-unit"
DRAWN_NOTE = ("Wajah pada swafoto demo ini digambar komputer, bukan foto orang: model wajah menganggap semua "
              "gambar itu mirip, jadi tanda 'kemungkinan orang lain' tidak muncul. Atur PRESENSI_FACES_DIR ke "
              "folder foto uji (deepface-unit) untuk demo dengan foto sungguhan.")
PHOTO_NOTE = ("Swafoto demo diturunkan dari foto uji publik (deepface-unit, lisensi MIT; tidak dikirim dalam "
              "installer): setiap pegawai demo adalah satu orang dari set itu.")


def faces_dir() -> Path:
    env = os.environ.get("PRESENSI_FACES_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared" / "faces"


def labelled_people(set_dir: Path) -> list[list[Path]]:
    """People with at least two photos, from the "Yes" pairs of master.csv (each person's photos sorted)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    with (set_dir / "master.csv").open(encoding="utf-8") as f:
        for rec in csv.DictReader(f):
            a, b = rec["file_x"].strip(), rec["file_y"].strip()
            find(a), find(b)
            if rec["Decision"].strip().lower() == "yes":
                parent[find(a)] = find(b)
    groups: dict[str, list[str]] = {}
    for name in parent:
        groups.setdefault(find(name), []).append(name)
    people = [sorted(set_dir / n for n in names) for names in groups.values() if len(names) >= 2]
    return sorted((p for p in people if all(x.is_file() for x in p)), key=lambda p: p[0].name)


def with_exif(data: bytes, taken: dt.datetime | None = None, gps: tuple[float, float] | None = None,
              utc_offset: str | None = None) -> bytes:
    """JPEG ``data`` with an EXIF block (capture time, optional zone offset "+07:00", GPS); pixels untouched."""
    from PIL import Image

    exif = Image.Exif()
    if taken is not None:
        sub = exif.get_ifd(0x8769)
        sub[0x9003] = f"{taken:%Y:%m:%d %H:%M:%S}"
        if utc_offset:
            sub[0x9011] = utc_offset
    if gps is not None:
        g = exif.get_ifd(0x8825)
        for (ref_tag, val_tag, value, signs) in ((1, 2, gps[0], "NS"), (3, 4, gps[1], "EW")):
            a = abs(value)
            deg, minutes = int(a), int((a - int(a)) * 60)
            seconds = round(((a - deg) * 60 - minutes) * 60, 4)
            g[ref_tag] = signs[0] if value >= 0 else signs[1]
            g[val_tag] = (float(deg), float(minutes), float(seconds))
    block = b"Exif\x00\x00" + exif.tobytes()
    segment = b"\xff\xe1" + (len(block) + 2).to_bytes(2, "big") + block
    return data[:2] + segment + data[2:]


def _variant(img: np.ndarray, r: random.Random) -> np.ndarray:
    """Another "photo" of the same moment: re-framed, scaled to phone size, re-lit, slightly rotated."""
    h, w = img.shape[:2]
    keep = r.uniform(0.82, 0.95)
    cw, ch = int(w * keep), int(h * keep)
    x0, y0 = r.randint(0, w - cw), r.randint(0, h - ch)
    crop = img[y0 : y0 + ch, x0 : x0 + cw]
    side = r.choice((480, 560, 640, 720))
    scale = side / max(cw, ch)
    crop = cv2.resize(crop, (max(1, int(cw * scale)), max(1, int(ch * scale))), interpolation=cv2.INTER_AREA)
    angle = r.uniform(-6, 6)
    m = cv2.getRotationMatrix2D((crop.shape[1] / 2, crop.shape[0] / 2), angle, 1.0)
    crop = cv2.warpAffine(crop, m, (crop.shape[1], crop.shape[0]), borderMode=cv2.BORDER_REFLECT)
    light = r.uniform(0.9, 1.1)
    return np.clip(crop.astype(np.float32) * light + r.uniform(-6, 6), 0, 255).astype(np.uint8)


@dataclass
class DemoFaces:
    """Where the demo's faces come from; ``note`` says it plainly for the demo's users."""

    people: list[list[Path]]  # empty = drawn faces

    @property
    def drawn(self) -> bool:
        return not self.people

    @property
    def note(self) -> str:
        return DRAWN_NOTE if self.drawn else PHOTO_NOTE

    def _person(self, key: int) -> list[Path]:
        return self.people[key % len(self.people)]

    def reference_candidates(self, key: int) -> list[bytes]:
        """Photos to try, in order, as the reference photo of demo person ``key``."""
        if self.drawn:
            p = person(_drawn_seed(key))
            img = render(p, 0)
            return [encode_jpeg(img if has_one_face(img) else detectable_selfie(p, 99))]
        return [_photo_jpeg(path) for path in self._person(key)]

    def selfie(self, key: int, seed: int) -> np.ndarray:
        """A selfie of demo person ``key`` (BGR)."""
        if self.drawn:
            return detectable_selfie(person(_drawn_seed(key)), seed)
        photos = self._person(key)
        r = random.Random(seed * 7919 + key)
        source = photos[1 + r.randrange(len(photos) - 1)] if len(photos) > 1 else photos[0]
        return _variant(_photo(source), r)

    def someone_else(self, key: int, seed: int) -> np.ndarray:
        """A selfie of a different person than ``key`` ("foto orang lain")."""
        return self.selfie(key + 1 + (seed % max(1, len(self.people) - 1)) if self.people else key + 1, seed)


@lru_cache(maxsize=64)
def _drawn_seed(key: int) -> int:
    return detectable_person_seed(key * 37)


@lru_cache(maxsize=64)
def _photo(path: Path) -> np.ndarray:
    img = cv2.imdecode(np.fromfile(str(path), dtype=np.uint8), cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError(f"{path}: foto uji tidak terbaca")
    h, w = img.shape[:2]
    scale = min(1.0, 1000 / max(h, w))
    return cv2.resize(img, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA) if scale < 1 else img


def _photo_jpeg(path: Path) -> bytes:
    return encode_jpeg(_photo(path), 92)


def demo_faces(set_dir: Path | None = None) -> DemoFaces:
    """Real photos when the test set is present (and readable), else drawn faces."""
    folder = set_dir or faces_dir() / SET_NAME
    try:
        people = labelled_people(folder) if (folder / "master.csv").is_file() else []
    except (OSError, KeyError, csv.Error):
        people = []
    return DemoFaces(people)
