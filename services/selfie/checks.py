"""Image checks of one selfie with OpenCV: faces, blur, exposure, perceptual hash, face descriptor.

Everything runs on a copy scaled to at most ``WORK_SIDE`` pixels so thresholds
mean the same for a 12-megapixel phone photo and a 640 px one, and so one photo
takes tens of milliseconds.

Limits (said plainly, also in docs/MOBILE_BUNDLE.md):
- The Haar cascade finds frontal, upright faces; a strongly turned head, a mask
  or heavy backlight gives "no_face" and needs the atasan's eye.
- The face descriptor is a 4 x 4 grid of uniform-LBP texture histograms of the detected face,
  not a trained face-recognition model. It tells "clearly the same photo set /
  similar face" from "clearly different", but it can be fooled by look-alikes,
  glasses, lighting and age. Its score only *orders* the queue and raises a
  flag; the verdict is always a person's.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import cv2
import numpy as np

WORK_SIDE = 640  # pixels, longest side of the analysed copy
DETECT_SIDE = 320  # faces are searched on a smaller copy: a selfie face is big, and this is 4x faster
FACE_SIDE = 96  # face crops are compared at this size
LBP_GRID = 4  # LBP histograms over a 4 x 4 grid of the face crop (Ahonen et al. style)


@dataclass(frozen=True)
class Thresholds:
    blur_min: float = 50.0  # variance of Laplacian below this = blurred
    dark_max: float = 55.0  # mean grey level (0..255) below this = too dark
    bright_min: float = 210.0  # above this = too bright / washed out
    # pHash Hamming distance (of 64 bits) up to this = *candidate* copy. Selfies share one composition (a face in
    # the middle), so among thousands of photos unrelated ones fall this close too: a candidate counts as reused
    # only when the two pictures' normalised thumbnails also correlate at least ``reuse_min_correlation``.
    reuse_max_distance: int = 10
    reuse_min_correlation: float = 0.85
    similarity_min: float = 0.65  # below this = does not look like the reference photos (see docs)


DEFAULT_THRESHOLDS = Thresholds()


@dataclass
class ImageMetrics:
    faces: int
    face_box: tuple[int, int, int, int] | None  # biggest face (x, y, w, h) in the work copy
    blur: float
    brightness: float
    phash: str
    descriptor: np.ndarray | None = field(default=None, repr=False)
    thumb: np.ndarray | None = field(default=None, repr=False)

    def flags(self, t: Thresholds = DEFAULT_THRESHOLDS) -> list[str]:
        out = []
        if self.faces == 0:
            out.append("no_face")
        elif self.faces > 1:
            out.append("multiple_faces")
        if self.blur < t.blur_min:
            out.append("blur")
        if self.brightness < t.dark_max:
            out.append("too_dark")
        elif self.brightness > t.bright_min:
            out.append("too_bright")
        return out


FLAG_LABELS = {
    "no_face": "tidak ada wajah",
    "multiple_faces": "lebih dari satu wajah",
    "blur": "buram",
    "too_dark": "terlalu gelap",
    "too_bright": "terlalu terang",
    "reused": "foto dipakai ulang",
    "low_similarity": "tidak mirip foto referensi",
    "no_reference": "belum ada foto referensi",
    "photo_missing": "berkas foto tidak ada",
    "unreadable": "foto tidak terbaca",
    "outside_geofence": "di luar radius kantor",
    "unknown_phone": "HP tidak terdaftar",
    "late_upload": "unggah terlambat",
    "no_photo": "tanpa foto",
}


def label_flags(flags: str | list[str]) -> str:
    items = [f for f in (flags.split(",") if isinstance(flags, str) else flags) if f]
    return ", ".join(FLAG_LABELS.get(f, f) for f in items)


_local = threading.local()


def _cascade() -> cv2.CascadeClassifier:
    """One classifier per thread: detectMultiScale keeps scratch state, so background jobs never share one."""
    c = getattr(_local, "cascade", None)
    if c is None:
        path = cv2.data.haarcascades + "haarcascade_frontalface_default.xml"
        c = cv2.CascadeClassifier(path)
        if c.empty():
            raise RuntimeError(f"Haar cascade OpenCV tidak ditemukan: {path}")
        _local.cascade = c
    return c


def work_copy(img: np.ndarray) -> np.ndarray:
    h, w = img.shape[:2]
    scale = WORK_SIDE / max(h, w)
    if scale < 1.0:
        img = cv2.resize(img, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    return img


def to_grey(img: np.ndarray) -> np.ndarray:
    return img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)


def detect_faces(img: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Frontal faces in a BGR or grey image, as boxes in the coordinates of its work copy."""
    work = work_copy(img)
    h, w = work.shape[:2]
    scale = min(1.0, DETECT_SIDE / max(h, w))
    small = cv2.resize(work, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA) if scale < 1 else work
    grey = cv2.equalizeHist(to_grey(small))
    # a selfie face fills a good part of the frame; ignoring tiny hits avoids false faces in the background
    min_side = max(30, min(grey.shape[:2]) // 8)
    found = _cascade().detectMultiScale(grey, scaleFactor=1.15, minNeighbors=5, minSize=(min_side, min_side))
    return [tuple(int(round(v / scale)) for v in f) for f in found]  # type: ignore[misc]


def blur_score(grey: np.ndarray) -> float:
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def phash(grey: np.ndarray) -> str:
    """64-bit DCT perceptual hash as 16 hex digits (robust to rescaling, recompression and mild light change)."""
    small = cv2.resize(grey, (32, 32), interpolation=cv2.INTER_AREA).astype(np.float32)
    low = cv2.dct(small)[:8, :8].flatten()
    median = float(np.median(low[1:]))  # the DC term only says how bright the picture is
    bits = low > median
    value = 0
    for b in bits:
        value = (value << 1) | int(b)
    return f"{value:016x}"


THUMB_SIDE = 96


def thumbnail(grey: np.ndarray) -> np.ndarray:
    """High-pass 96 x 96 thumbnail, zero-mean and unit-length: the dot product of two is their correlation.

    Only the fine detail (image minus its blur) is kept, so two different selfies with the same layout (face in
    the middle, plain wall) do not correlate, while a re-saved, rescaled or brightened copy still does (>= 0.97).
    """
    t = cv2.resize(grey, (THUMB_SIDE, THUMB_SIDE), interpolation=cv2.INTER_AREA).astype(np.float32)
    t = (t - cv2.GaussianBlur(t, (0, 0), 1.5)).ravel()
    t -= t.mean()
    n = float(np.linalg.norm(t))
    return t / n if n > 0 else t


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _lbp(grey: np.ndarray) -> np.ndarray:
    """8-neighbour local binary pattern codes of the inner pixels."""
    g = grey.astype(np.int16)
    c = g[1:-1, 1:-1]
    code = np.zeros(c.shape, dtype=np.uint8)
    shifts = [(-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1)]
    h, w = g.shape
    for bit, (dy, dx) in enumerate(shifts):
        n = g[1 + dy : h - 1 + dy, 1 + dx : w - 1 + dx]
        code |= (n >= c).astype(np.uint8) << bit
    return code


def _uniform_table() -> np.ndarray:
    """Map the 256 LBP codes to 59 bins: 58 'uniform' patterns (<= 2 bit flips) + one bin for the rest."""
    table = np.full(256, 58, dtype=np.uint8)
    k = 0
    for v in range(256):
        flips = sum(((v >> i) & 1) != ((v >> ((i + 1) % 8)) & 1) for i in range(8))
        if flips <= 2:
            table[v] = k
            k += 1
    return table


_UNIFORM = _uniform_table()
LBP_BINS = 59


def face_descriptor(grey: np.ndarray, box: tuple[int, int, int, int] | None) -> np.ndarray:
    """Uniform-LBP grid histogram (float32, each cell L1-normalised) of the face crop, or the centre when no face."""
    h, w = grey.shape[:2]
    if box is None:
        side = min(h, w) // 2
        box = ((w - side) // 2, (h - side) // 2, side, side)
    x, y, bw, bh = box
    crop = grey[max(0, y) : y + bh, max(0, x) : x + bw]
    crop = cv2.equalizeHist(cv2.resize(crop, (FACE_SIDE, FACE_SIDE), interpolation=cv2.INTER_AREA))
    codes = _UNIFORM[_lbp(crop)]
    cell = codes.shape[0] // LBP_GRID
    hists = []
    for gy in range(LBP_GRID):
        for gx in range(LBP_GRID):
            block = codes[gy * cell : (gy + 1) * cell, gx * cell : (gx + 1) * cell]
            hist = np.bincount(block.ravel(), minlength=LBP_BINS).astype(np.float32)
            hists.append(hist / max(1.0, hist.sum()))
    return np.concatenate(hists)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """0..1: mean histogram intersection of the LBP cells (1 = identical texture)."""
    if a.shape != b.shape or a.size == 0:
        return 0.0
    cells = a.size // LBP_BINS
    return float(np.minimum(a, b).sum() / cells)


def descriptor_to_bytes(d: np.ndarray) -> bytes:
    return d.astype(np.float32).tobytes()


def descriptor_from_bytes(raw: bytes) -> np.ndarray:
    return np.frombuffer(raw, dtype=np.float32)


def analyse(img: np.ndarray) -> ImageMetrics:
    """All per-image measurements of a decoded BGR (or grey) image."""
    small = work_copy(img)
    grey = to_grey(small)
    faces = detect_faces(small)
    box = max(faces, key=lambda f: f[2] * f[3]) if faces else None
    return ImageMetrics(
        faces=len(faces),
        face_box=box,
        blur=blur_score(grey),
        brightness=float(grey.mean()),
        phash=phash(grey),
        thumb=thumbnail(grey),
        descriptor=face_descriptor(grey, box) if box is not None else None,
    )


def decode(data: bytes) -> np.ndarray | None:
    """Decode JPEG/PNG bytes (callers check the size limits first, see services.selfie.photos)."""
    arr = np.frombuffer(data, dtype=np.uint8)
    return cv2.imdecode(arr, cv2.IMREAD_COLOR) if arr.size else None
