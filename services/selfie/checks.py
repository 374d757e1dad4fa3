"""Image checks of one selfie: faces (dlib, see faces.py), blur, exposure, perceptual hash, face embedding.

Everything runs on a copy scaled to at most ``WORK_SIDE`` pixels, so thresholds mean the same for a
12-megapixel phone photo and a 640 px one; big JPEGs are decoded straight at a reduced size
(libjpeg's DCT scaling, ``cv2.IMREAD_REDUCED_COLOR_*``), which is several times faster than a full decode.

Limits (said plainly, also in docs/SELFIE_MODEL.md and docs/MOBILE_BUNDLE.md):
- The HOG detector finds faces turned up to about 30-40 degrees; a strongly turned head, a mask or heavy
  backlight gives "no_face" and needs the atasan's eye. Its smallest face is 40 px on the 640 px copy, so a
  tiny face far in the background of a selfie is not counted.
- The embedding distance is a trained model's opinion (99.4 % on LFW by its author, measured again here on
  a public set: docs/SELFIE_MODEL.md). It raises a flag and orders the queue; the verdict is a person's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from services.selfie.faces import Face, aligned_chip, chip_sharpness, detect_faces, embed_chip

WORK_SIDE = 640  # pixels, longest side of the analysed copy


@dataclass(frozen=True)
class Thresholds:
    blur_min: float = 50.0  # variance of Laplacian of the photo below this = blurred (photos without a face)
    face_blur_min: float = 30.0  # ... of the aligned face chip: a smooth studio background is no blur, a smeared face is
    dark_max: float = 55.0  # mean grey level (0..255) of the face (no face: of the photo) below this = too dark
    bright_min: float = 210.0  # above this = too bright / washed out
    # pHash Hamming distance (of 64 bits) up to this = *candidate* copy. Selfies share one composition (a face in
    # the middle), so among thousands of photos unrelated ones fall this close too: a candidate counts as reused
    # only when the two pictures' normalised thumbnails also correlate at least ``reuse_min_correlation``.
    reuse_max_distance: int = 10
    reuse_min_correlation: float = 0.85
    # a reference photo must show one *sharp frontal* face (chosen on docs/SELFIE_MODEL.md's photo set)
    reference_face_sharpness_min: float = 50.0  # Laplacian variance of the aligned 150 px face
    reference_yaw_max: float = 0.18  # nose offset from the eyes' middle / eye distance
    reference_roll_max_deg: float = 20.0
    reference_eye_distance_min: float = 28.0  # pixels on the 640 px copy: a face at least ~ 1/8 of the photo


DEFAULT_THRESHOLDS = Thresholds()
FRONTAL_POSES = (0, 3, 4)  # dlib's HOG filters: 0 frontal, 3/4 frontal but tilted; 1/2 = head turned aside


@dataclass
class ImageMetrics:
    faces: int
    face_box: tuple[int, int, int, int] | None  # biggest face (x, y, w, h) in the work copy
    blur: float
    brightness: float  # mean grey of the aligned face chip; of the whole photo when no face was found
    phash: str
    descriptor: np.ndarray | None = field(default=None, repr=False)  # embedding of the biggest face
    thumb: np.ndarray | None = field(default=None, repr=False)
    face_sharpness: float = 0.0  # of the biggest face's aligned chip
    face_pose: int = -1  # dlib HOG filter of the biggest face: 0 frontal
    yaw_ratio: float = 1.0
    roll_deg: float = 0.0
    eye_distance: float = 0.0

    def flags(self, t: Thresholds = DEFAULT_THRESHOLDS) -> list[str]:
        out = []
        if self.faces == 0:
            out.append("no_face")
        elif self.faces > 1:
            out.append("multiple_faces")
        if (self.face_sharpness < t.face_blur_min) if self.descriptor is not None else (self.blur < t.blur_min):
            out.append("blur")
        if self.brightness < t.dark_max:
            out.append("too_dark")
        elif self.brightness > t.bright_min:
            out.append("too_bright")
        return out

    def reference_problems(self, t: Thresholds = DEFAULT_THRESHOLDS) -> list[str]:
        """Why this photo cannot be a reference photo (Indonesian; empty = acceptable)."""
        if self.faces != 1 or self.descriptor is None:
            return ["tidak ada wajah terdeteksi" if self.faces == 0 else f"{self.faces} wajah terdeteksi"]
        problems = []
        if self.face_pose not in FRONTAL_POSES or self.yaw_ratio > t.reference_yaw_max:
            problems.append(f"wajah tidak menghadap depan (menoleh {self.yaw_ratio:.2f}; batas {t.reference_yaw_max:.2f})")
        if abs(self.roll_deg) > t.reference_roll_max_deg:
            problems.append(f"kepala miring {abs(self.roll_deg):.0f} derajat (batas {t.reference_roll_max_deg:.0f})")
        if self.eye_distance < t.reference_eye_distance_min:
            problems.append("wajah terlalu kecil dalam foto; foto lebih dekat")
        if self.face_sharpness < t.reference_face_sharpness_min:
            problems.append(f"wajah buram (ketajaman {self.face_sharpness:.0f}; minimum {t.reference_face_sharpness_min:.0f})")
        return problems


FLAG_LABELS = {
    "no_face": "tidak ada wajah",
    "multiple_faces": "lebih dari satu wajah",
    "blur": "buram",
    "too_dark": "terlalu gelap",
    "too_bright": "terlalu terang",
    "reused": "foto dipakai ulang",
    "low_similarity": "kemungkinan orang lain",
    "no_reference": "belum ada foto referensi",
    "photo_missing": "berkas foto tidak ada",
    "unreadable": "foto tidak terbaca",
    "outside_geofence": "di luar radius kantor",
    "unknown_phone": "HP tidak terdaftar",
    "late_upload": "unggah terlambat",
    "old_app_version": "aplikasi versi lama",
    "no_photo": "tanpa foto",
    "mock_location": "lokasi tiruan (mock) di HP",
    "exif_time_mismatch": "waktu foto (EXIF) jauh dari waktu presensi",
    "exif_gps_mismatch": "lokasi foto (EXIF) jauh dari GPS presensi",
}


def label_flags(flags: str | list[str]) -> str:
    items = [f for f in (flags.split(",") if isinstance(flags, str) else flags) if f]
    return ", ".join(FLAG_LABELS.get(f, f) for f in items)


def work_copy(img: np.ndarray) -> np.ndarray:
    h, w = img.shape[:2]
    scale = WORK_SIDE / max(h, w)
    if scale < 1.0:
        img = cv2.resize(img, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    return img


def to_grey(img: np.ndarray) -> np.ndarray:
    return img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)


def count_faces(img: np.ndarray) -> int:
    """Faces found in a BGR image (searched on its 640 px work copy)."""
    return len(detect_faces(work_copy(img)))


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


def analyse(img: np.ndarray) -> ImageMetrics:
    """All per-image measurements of a decoded BGR (or grey) image: faces, the biggest one aligned and embedded."""
    small = work_copy(img)
    grey = to_grey(small)
    faces = detect_faces(small)
    m = ImageMetrics(
        faces=len(faces), face_box=None, blur=blur_score(grey), brightness=float(grey.mean()), phash=phash(grey),
        thumb=thumbnail(grey),
    )
    if faces:
        _describe(m, small, faces[0])
    return m


def _describe(m: ImageMetrics, img: np.ndarray, face: Face) -> None:
    chip = aligned_chip(img, face)
    m.face_box = face.box
    m.brightness = float(cv2.cvtColor(chip, cv2.COLOR_RGB2GRAY).mean())  # the face's light, not the wall's
    m.descriptor = embed_chip(chip)
    m.face_sharpness = chip_sharpness(chip)
    m.face_pose, m.yaw_ratio, m.roll_deg, m.eye_distance = face.pose, face.yaw_ratio, face.roll_deg, face.eye_distance


_REDUCED = ((8, cv2.IMREAD_REDUCED_COLOR_8), (4, cv2.IMREAD_REDUCED_COLOR_4), (2, cv2.IMREAD_REDUCED_COLOR_2))


def decode(data: bytes, max_side: int | None = WORK_SIDE) -> np.ndarray | None:
    """Decode JPEG/PNG bytes (callers check the size limits first, see services.selfie.photos).

    With ``max_side`` a JPEG is decoded at 1/2, 1/4 or 1/8 of its size, the smallest that still has at least
    ``max_side`` pixels on its long side (libjpeg scales while decoding: far less work than a full decode).
    ``max_side=None`` decodes at full size. EXIF orientation is applied either way.
    """
    arr = np.frombuffer(data, dtype=np.uint8)
    if not arr.size:
        return None
    flag = cv2.IMREAD_COLOR
    if max_side and data[:3] == b"\xff\xd8\xff":
        from services.selfie.photos import PhotoError, image_size

        try:
            _fmt, w, h = image_size(data)
        except PhotoError:
            return None
        for factor, reduced in _REDUCED:
            if max(w, h) // factor >= max_side:
                flag = reduced
                break
    return cv2.imdecode(arr, flag)
