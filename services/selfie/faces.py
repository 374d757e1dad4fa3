"""Face detection, alignment and embedding: dlib's HOG face detector, 5-point landmarks, ResNet embedding.

Everything the model needs is installed from the package registry and read from disk, never downloaded:

- the HOG frontal face detector is built into dlib (``dlib-bin`` wheels for Linux and Windows);
- ``shape_predictor_5_face_landmarks.dat`` (9 MB) finds the eye corners and the nose, which *align* each face
  (rotate, scale and crop it to dlib's canonical 150 x 150 chip) before it is embedded;
- ``dlib_face_recognition_resnet_model_v1.dat`` (22 MB) maps an aligned face to 128 numbers; two photos of the
  same person lie close together (Euclidean distance), photos of different people far apart.

Both model files come from the ``face_recognition_models`` package (CC0). Only these two of its four files are
used, and only these two are shipped in the installer bundle (``installers/presensi-opd.spec``). The package's own
``__init__`` is never imported (it needs the deprecated ``pkg_resources``): the files are located through the
import system, or ``face_models/`` inside a PyInstaller bundle, or ``$PRESENSI_FACE_MODELS``.

How well this works on real photos, and the threshold chosen from data, is in docs/SELFIE_MODEL.md.
"""

from __future__ import annotations

import importlib.util
import math
import os
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

MODEL_ID = "dlib_resnet_v1"  # stored beside cached reference embeddings: another model means recompute
EMBED_DIM = 128
LANDMARKS_FILE = "shape_predictor_5_face_landmarks.dat"
EMBEDDING_FILE = "dlib_face_recognition_resnet_model_v1.dat"
MODEL_FILES = (LANDMARKS_FILE, EMBEDDING_FILE)
CHIP_SIDE = 150  # dlib's ResNet takes 150 x 150 aligned chips
CHIP_PADDING = 0.25  # the padding dlib's model was trained with
# A second face counts only with at least this HOG score: real faces of the shared photo set score 0.36-3.3, the
# false hits seen (a patch of a space suit, a shirt collar) 0.0-0.15. A photo's only hit counts whatever its score.
MIN_FACE_SCORE = 0.25


class FaceModelError(RuntimeError):
    """The model files are missing: a broken installation, never an expected refusal."""


def model_dir() -> Path:
    """Folder holding the two model files (see the module docstring for the search order)."""
    env = os.environ.get("PRESENSI_FACE_MODELS")
    if env:
        return Path(env)
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "face_models"
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations))) / "models"
    raise FaceModelError("Model wajah tidak ditemukan: paket 'face_recognition_models' tidak terpasang "
                         "(pasang ulang aplikasi, atau `pip install face_recognition_models`).")


@dataclass
class _Models:
    detector: Any
    landmarks: Any
    embedder: Any


_models: _Models | None = None
_lock = threading.Lock()  # dlib keeps scratch state in its networks; calls hold the GIL anyway


def _load() -> _Models:
    global _models
    if _models is None:
        import dlib  # no stubs ship with dlib

        folder = model_dir()
        missing = [name for name in MODEL_FILES if not (folder / name).is_file()]
        if missing:
            raise FaceModelError(f"Berkas model wajah tidak ada di {folder}: {', '.join(missing)}")
        _models = _Models(
            detector=dlib.get_frontal_face_detector(),
            landmarks=dlib.shape_predictor(str(folder / LANDMARKS_FILE)),
            embedder=dlib.face_recognition_model_v1(str(folder / EMBEDDING_FILE)),
        )
    return _models


def warm_up() -> None:
    """Load the models now (about 0.3 s) instead of on the first photo."""
    with _lock:
        _load()


@dataclass(frozen=True)
class Face:
    box: tuple[int, int, int, int]  # x, y, w, h in the coordinates of the image searched
    score: float  # HOG detector confidence (> 0)
    pose: int  # which of dlib's five HOG filters fired: 0 = frontal, 1-4 = turned or tilted
    landmarks: np.ndarray = field(repr=False)  # 5 x 2: eye corners (0-1 one eye, 2-3 the other), nose base (4)

    @property
    def area(self) -> int:
        return self.box[2] * self.box[3]

    @property
    def eye_distance(self) -> float:
        a, b = self.landmarks[0:2].mean(axis=0), self.landmarks[2:4].mean(axis=0)
        return float(np.hypot(*(a - b)))

    @property
    def roll_deg(self) -> float:
        """Tilt of the eye line from horizontal, degrees."""
        a, b = self.landmarks[0:2].mean(axis=0), self.landmarks[2:4].mean(axis=0)
        dx, dy = b - a
        angle = math.degrees(math.atan2(dy, dx))
        return (angle + 90.0) % 180.0 - 90.0

    @property
    def yaw_ratio(self) -> float:
        """How far the nose sits beside the middle of the eyes, as a share of the eye distance (0 = frontal)."""
        a, b = self.landmarks[0:2].mean(axis=0), self.landmarks[2:4].mean(axis=0)
        axis = b - a
        length = float(np.hypot(*axis))
        if length < 1e-6:
            return 1.0
        offset = self.landmarks[4] - (a + b) / 2.0
        return abs(float(np.dot(offset, axis)) / (length * length))


def _rgb(img: np.ndarray) -> np.ndarray:
    out = cv2.cvtColor(img, cv2.COLOR_GRAY2RGB) if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    return np.ascontiguousarray(out)


def detect_faces(img: np.ndarray, upsample: int | None = None) -> list[Face]:
    """Every face dlib's HOG detector finds in a BGR (or grey) image, biggest first, with 5 landmarks each.

    Weak hits (score < ``MIN_FACE_SCORE``) are dropped unless nothing else was found.

    The detector's smallest face is 80 x 80 pixels. Without ``upsample`` it first searches the image as given
    and, only when that finds nothing, once more at twice the size (faces down to 40 px); pass 0 or 1 to fix it.
    """
    rgb = _rgb(img)
    with _lock:
        models = _load()
        tries = (0, 1) if upsample is None else (upsample,)
        rects, scores, poses = [], [], []
        for up in tries:
            rects, scores, poses = models.detector.run(rgb, up, 0.0)
            if len(rects):
                break
        faces = []
        for rect, score, pose in zip(rects, scores, poses, strict=True):
            shape = models.landmarks(rgb, rect)
            points = np.array([[shape.part(i).x, shape.part(i).y] for i in range(shape.num_parts)], dtype=np.float32)
            box = (int(rect.left()), int(rect.top()), int(rect.width()), int(rect.height()))
            faces.append(Face(box=box, score=float(score), pose=int(pose), landmarks=points))
    sure = [f for f in faces if f.score >= MIN_FACE_SCORE]
    if not sure and faces:
        sure = [max(faces, key=lambda f: f.score)]
    return sorted(sure, key=lambda f: -f.area)


def aligned_chip(img: np.ndarray, face: Face) -> np.ndarray:
    """The face rotated upright, scaled and cropped to dlib's canonical 150 x 150 RGB chip."""
    import dlib  # no stubs ship with dlib

    x, y, w, h = face.box
    rect = dlib.rectangle(x, y, x + w - 1, y + h - 1)
    shape = dlib.full_object_detection(rect, [dlib.point(int(round(px)), int(round(py))) for px, py in face.landmarks])
    return np.asarray(dlib.get_face_chip(_rgb(img), shape, size=CHIP_SIDE, padding=CHIP_PADDING))


def embed_chip(chip: np.ndarray) -> np.ndarray:
    """128-number embedding (float32) of an aligned RGB chip."""
    with _lock:
        vec = _load().embedder.compute_face_descriptor(np.ascontiguousarray(chip))
    return np.asarray(vec, dtype=np.float32)


def chip_sharpness(chip: np.ndarray) -> float:
    """Variance of the Laplacian of the aligned face (150 px): the face's own sharpness, whatever the photo size."""
    grey = cv2.cvtColor(chip, cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def face_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Euclidean distance of two embeddings: small = same person (threshold: services.selfie.matching)."""
    if a.shape != (EMBED_DIM,) or b.shape != (EMBED_DIM,):
        raise ValueError(f"embedding harus {EMBED_DIM} angka (dapat {a.shape} dan {b.shape})")
    return float(np.linalg.norm(a.astype(np.float32) - b.astype(np.float32)))
