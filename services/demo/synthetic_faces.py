"""Synthetic, drawn face portraits for the demo and tests (no photos of real people needed).

A *person* is a set of drawing parameters derived from a seed (skin tone, face
shape, eye spacing, hair ...). A *selfie* of that person re-draws the same
face in a different scene: background, position, size and light change, like
photos taken on different days. The face detector (services/selfie/faces.py)
finds these drawings as a face; ``detectable_selfie`` retries scene seeds until it
does, so the demo queue is not full of accidental "no face" flags. To the face
*embedding* every drawing looks like the same person (see services/demo/faces.py).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import cv2
import numpy as np

SKIN_TONES = [(150, 180, 225), (120, 160, 210), (90, 130, 185), (70, 105, 160), (110, 150, 200), (100, 140, 195)]
HAIR_COLOURS = [(20, 20, 25), (30, 40, 60), (15, 15, 15), (40, 50, 70)]


@dataclass(frozen=True)
class Person:
    seed: int
    skin: tuple[int, int, int]
    hair: tuple[int, int, int]
    face_w: float  # half-width of the face as a fraction of the image size
    face_h: float
    eye_spread: float  # eye distance from the centre line, fraction of face_w
    eye_drop: int  # pixels (at 480 px) the eyes sit below the usual line
    mouth_w: float
    hijab: bool  # many ASN women in the region wear one; changes the outline a lot


def person(seed: int) -> Person:
    r = random.Random(seed * 7919 + 17)
    return Person(
        seed=seed,
        skin=r.choice(SKIN_TONES),
        hair=r.choice(HAIR_COLOURS),
        face_w=r.uniform(0.20, 0.25),
        face_h=r.uniform(0.28, 0.32),
        eye_spread=r.uniform(0.38, 0.46),
        eye_drop=r.randint(-5, 5),
        mouth_w=r.uniform(0.30, 0.40),
        hijab=r.random() < 0.3,
    )


def _scene(size: int, r: random.Random) -> np.ndarray:
    top = np.array([r.randint(90, 235) for _ in range(3)], dtype=np.float32)
    bottom = np.array([r.randint(90, 235) for _ in range(3)], dtype=np.float32)
    t = np.linspace(0.0, 1.0, size, dtype=np.float32)[:, None, None]
    img = np.broadcast_to(top * (1 - t) + bottom * t, (size, size, 3)).copy()
    for _ in range(r.randint(2, 6)):  # a door, a window, a cupboard behind the person
        x0, y0 = r.randint(-40, size - 40), r.randint(-40, size - 40)
        colour = [r.randint(40, 250) for _ in range(3)]
        cv2.rectangle(img, (x0, y0), (x0 + r.randint(30, size // 2), y0 + r.randint(30, size // 2)), colour, -1)
    for _ in range(r.randint(10, 30)):  # posters, cables, shelf edges: the detail a real room has
        pt1 = (r.randint(0, size), r.randint(0, size))
        pt2 = (pt1[0] + r.randint(-size // 4, size // 4), pt1[1] + r.randint(-size // 4, size // 4))
        cv2.line(img, pt1, pt2, [r.randint(0, 255) for _ in range(3)], r.randint(1, 3))
    return img


def render(p: Person, scene_seed: int, size: int = 480) -> np.ndarray:
    """Draw person ``p`` in scene ``scene_seed``; returns a BGR uint8 image of size x size."""
    r = random.Random(scene_seed * 104729 + p.seed)
    img = _scene(size, r)
    k = size / 480.0
    cx = size // 2 + int(r.randint(-20, 20) * k)
    cy = size // 2 + int(r.randint(-10, 20) * k)
    zoom = r.uniform(0.93, 1.07)
    fw, fh = int(size * p.face_w * zoom), int(size * p.face_h * zoom)
    skin = p.skin
    shirt = tuple(r.randint(20, 200) for _ in range(3))
    cv2.ellipse(img, (cx, cy + fh + int(size * 0.35)), (int(fw * 2.4), int(size * 0.35)), 0, 0, 360, shirt, -1)
    if p.hijab:
        cloth = tuple(r.randint(40, 200) for _ in range(3))
        cv2.ellipse(img, (cx, cy + int(fh * 0.1)), (int(fw * 1.35), int(fh * 1.3)), 0, 0, 360, cloth, -1)
    else:
        cv2.rectangle(img, (cx - fw // 3, cy + fh - 20), (cx + fw // 3, cy + fh + 40), skin, -1)
        cv2.ellipse(img, (cx, cy - int(fh * 0.15)), (int(fw * 1.08), int(fh * 1.0)), 0, 180, 360, p.hair, -1)
    cv2.ellipse(img, (cx, cy), (fw, fh), 0, 0, 360, skin, -1)
    if not p.hijab:
        cv2.ellipse(img, (cx, cy - int(fh * 0.55)), (int(fw * 0.95), int(fh * 0.42)), 0, 180, 360, p.hair, -1)
    ey = cy - int(fh * 0.18) + int(p.eye_drop * k)
    ex = int(fw * p.eye_spread)
    dark = tuple(int(c * 0.35) for c in skin)
    for sx in (-1, 1):
        x = cx + sx * ex
        cv2.ellipse(img, (x, ey - int(fh * 0.05)), (int(fw * 0.28), int(fh * 0.10)), 0, 0, 360, dark, -1)
        cv2.ellipse(img, (x, ey), (int(fw * 0.17), int(fh * 0.055)), 0, 0, 360, (235, 235, 235), -1)
        cv2.circle(img, (x, ey), max(2, int(fh * 0.045)), (40, 30, 20), -1)
        cv2.line(img, (x - int(fw * 0.2), ey - int(fh * 0.14)), (x + int(fw * 0.2), ey - int(fh * 0.16)), p.hair, max(3, size // 80))
    ny = cy + int(fh * 0.18)
    cv2.line(img, (cx, ey + int(10 * k)), (cx - int(fw * 0.08), ny), dark, max(2, size // 120))
    cv2.ellipse(img, (cx, ny), (int(fw * 0.16), int(fh * 0.05)), 0, 0, 180, dark, -1)
    cv2.ellipse(img, (cx, cy + int(fh * 0.45)), (int(fw * p.mouth_w), int(fh * 0.06)), 0, 0, 180, (60, 60, 150), -1)
    light = r.uniform(0.85, 1.12)  # morning sun, office lamp ...
    img = cv2.GaussianBlur(img, (0, 0), size / 700) * light
    noise = np.random.default_rng(scene_seed * 31 + p.seed).normal(0, 4, img.shape)
    return np.clip(img + noise, 0, 255).astype(np.uint8)


def has_one_face(img: np.ndarray) -> bool:
    """Exactly one face after a JPEG round trip (what the importer will store and check)."""
    from services.selfie.checks import count_faces, decode

    decoded = decode(encode_jpeg(img))
    return decoded is not None and count_faces(decoded) == 1


def detectable_person_seed(start: int, tries: int = 60) -> int:
    """First seed >= start whose reference drawing is found as exactly one face."""
    for seed in range(start, start + tries):
        if has_one_face(render(person(seed), 0)):
            return seed
    return start


def detectable_selfie(p: Person, scene_seed: int, size: int = 480, tries: int = 25) -> np.ndarray:
    """A selfie of ``p`` in which the detector finds exactly one face (first scene that works)."""
    for i in range(tries):
        img = render(p, scene_seed * 1000 + i, size)
        if has_one_face(img):
            return img
    return render(p, scene_seed * 1000, size)


def encode_jpeg(img: np.ndarray, quality: int = 88) -> bytes:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("gagal menyandikan JPEG")
    return buf.tobytes()
