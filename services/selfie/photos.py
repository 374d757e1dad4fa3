"""Safe handling of selfie photo files: size/pixel limits before decoding, sha256 storage names.

The pixel count is read from the JPEG/PNG header *before* OpenCV decodes the
image, so a small file that claims 100 000 x 100 000 pixels (a decompression
bomb) is refused without allocating memory for it.
"""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

from services.errors import BadInputError
from services.paths import files_dir

MAX_PHOTO_BYTES = 15 * 1024 * 1024
MAX_PHOTO_PIXELS = 50_000_000  # a 48 MP phone camera still fits
PHOTO_KIND = "selfie"
REFERENCE_KIND = "reference"


class PhotoError(BadInputError):
    pass


def image_size(data: bytes) -> tuple[str, int, int]:
    """(format, width, height) from the header of JPEG or PNG bytes; PhotoError when it is neither."""
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        if len(data) < 24 or data[12:16] != b"IHDR":
            raise PhotoError("berkas PNG rusak (header IHDR tidak ada)")
        w, h = struct.unpack(">II", data[16:24])
        return "png", w, h
    if data[:3] == b"\xff\xd8\xff":
        i = 2
        n = len(data)
        while i + 4 <= n:
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
                i += 1 if marker == 0xFF else 2
                continue
            seg_len = struct.unpack(">H", data[i + 2 : i + 4])[0]
            # SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC) carry the frame size
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                if i + 9 > n:
                    break
                h, w = struct.unpack(">HH", data[i + 5 : i + 9])
                return "jpeg", w, h
            i += 2 + seg_len
        raise PhotoError("berkas JPEG rusak (ukuran gambar tidak ditemukan)")
    raise PhotoError("bukan gambar JPEG/PNG")


def check_limits(data: bytes) -> tuple[str, int, int]:
    """Byte and pixel limits from the JPEG/PNG header, without decoding; returns (format, w, h)."""
    if not data:
        raise PhotoError("berkas foto kosong")
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoError(f"foto terlalu besar ({len(data) / 1e6:.1f} MB; maksimum {MAX_PHOTO_BYTES / 1e6:.0f} MB)")
    fmt, w, h = image_size(data)
    if w <= 0 or h <= 0:
        raise PhotoError("ukuran gambar tidak valid")
    if w * h > MAX_PHOTO_PIXELS:
        raise PhotoError(f"gambar terlalu besar ({w} x {h} piksel; maksimum {MAX_PHOTO_PIXELS / 1e6:.0f} megapiksel)")
    return fmt, w, h


def check_photo(data: bytes) -> tuple[str, int, int]:
    """Validate a photo's bytes against the limits and that it decodes; returns (format, w, h).

    The decode that proves the file readable runs at reduced size (1/2 .. 1/8 for a big JPEG, see
    services.selfie.checks.decode): every compressed block is still read, but far fewer pixels are made.
    """
    fmt, w, h = check_limits(data)
    from services.selfie.checks import decode

    img = decode(data)
    if img is None:
        raise PhotoError("gambar rusak / tidak dapat dibaca")
    return fmt, w, h


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def store_photo(db_path: Path, data: bytes, fmt: str, kind: str = PHOTO_KIND) -> tuple[str, str, bool]:
    """Write ``data`` as files/<kind>/<sha256>.<ext> beside the DB.

    Returns (relative path "kind/name", sha256, created) — ``created`` is False when the
    identical file was already stored (content-addressed, so re-imports write nothing).
    """
    digest = sha256_hex(data)
    name = f"{digest}.{'jpg' if fmt == 'jpeg' else 'png'}"
    target = files_dir(db_path, kind) / name
    created = False
    if not target.exists():
        tmp = target.with_suffix(target.suffix + ".part")
        tmp.write_bytes(data)
        tmp.replace(target)
        created = True
    return f"{kind}/{name}", digest, created


def stored_path(db_path: Path, rel: str) -> Path:
    """Absolute path of a stored photo from its relative DB value ("selfie/<sha>.jpg")."""
    kind, _, name = rel.partition("/")
    return files_dir(db_path, kind) / name
