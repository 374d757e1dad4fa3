"""Manipulation signals from a photo's EXIF block: when and where the camera says the picture was taken.

A phone camera writes the capture time (``DateTimeOriginal``, with ``OffsetTimeOriginal`` when it knows the
zone) and often the GPS position into the JPEG. A selfie picked from the gallery, taken yesterday or elsewhere,
keeps those values, so a capture time far from the punch time, or a position far from the GPS the app reported,
is evidence worth showing the atasan. Many apps strip EXIF: a photo without it raises nothing (absence is no
evidence). Only the header is parsed (Pillow reads it without decoding the picture); a broken block reads as none.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from services.geo import haversine_m

_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_DATETIME_ORIGINAL = 0x9003
_OFFSET_ORIGINAL = 0x9011
_DATETIME = 0x0132


@dataclass(frozen=True)
class PhotoExif:
    taken_at: dt.datetime | None = None  # as written by the camera (naive)
    utc_offset: dt.timedelta | None = None  # from OffsetTimeOriginal, when present
    lat: float | None = None
    lon: float | None = None

    def taken_local(self, tz: ZoneInfo) -> dt.datetime | None:
        """Capture time as naive wall-clock time in ``tz`` (a camera without an offset is taken to be in ``tz``)."""
        if self.taken_at is None:
            return None
        if self.utc_offset is None:
            return self.taken_at
        aware = self.taken_at.replace(tzinfo=dt.timezone(self.utc_offset))
        return aware.astimezone(tz).replace(tzinfo=None)


def _parse_time(value: object) -> dt.datetime | None:
    text = str(value or "").strip().rstrip("\x00")
    for fmt in ("%Y:%m:%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y:%m:%d %H:%M"):
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def _parse_offset(value: object) -> dt.timedelta | None:
    text = str(value or "").strip().rstrip("\x00")
    if len(text) != 6 or text[0] not in "+-" or text[3] != ":":
        return None
    try:
        hours, minutes = int(text[1:3]), int(text[4:6])
    except ValueError:
        return None
    delta = dt.timedelta(hours=hours, minutes=minutes)
    return -delta if text[0] == "-" else delta


def _degrees(dms: object, ref: object) -> float | None:
    try:
        d, m, s = (float(v) for v in dms)  # type: ignore[attr-defined]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = d + m / 60.0 + s / 3600.0
    if str(ref or "").strip().upper()[:1] in ("S", "W"):
        value = -value
    return value


def read_exif(data: bytes) -> PhotoExif:
    """EXIF capture time and GPS of JPEG bytes; every field None when absent or unreadable."""
    if data[:3] != b"\xff\xd8\xff":
        return PhotoExif()
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as im:
            exif = im.getexif()
            sub = exif.get_ifd(_EXIF_IFD)
            gps = exif.get_ifd(_GPS_IFD)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, TypeError, KeyError):
        return PhotoExif()
    taken = _parse_time(sub.get(_DATETIME_ORIGINAL) or exif.get(_DATETIME))
    lat = _degrees(gps.get(2), gps.get(1)) if gps else None
    lon = _degrees(gps.get(4), gps.get(3)) if gps else None
    if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        lat = lon = None
    if lat == 0.0 and lon == 0.0:  # "no fix" written as zeros by some phones
        lat = lon = None
    return PhotoExif(taken_at=taken, utc_offset=_parse_offset(sub.get(_OFFSET_ORIGINAL)), lat=lat, lon=lon)


def _duration_text(minutes: float) -> str:
    total = int(round(abs(minutes)))
    days, rest = divmod(total, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} hari"] * bool(days) + [f"{hours} jam"] * bool(hours) + [f"{mins} menit"] * (bool(mins) or not total)
    return " ".join(parts)


def _distance_text(metres: float) -> str:
    return f"{metres / 1000:.1f} km".replace(".", ",") if metres >= 1000 else f"{metres:.0f} m"


def exif_evidence(
    exif: PhotoExif,
    punch_ts: dt.datetime,
    tz: ZoneInfo,
    punch_lat: float | None,
    punch_lon: float | None,
    *,
    max_minutes: float,
    max_metres: float,
) -> dict[str, str]:
    """{flag: evidence in words} for ``exif_time_mismatch`` / ``exif_gps_mismatch`` (empty: nothing found)."""
    out: dict[str, str] = {}
    taken = exif.taken_local(tz)
    if taken is not None:
        minutes = (taken - punch_ts).total_seconds() / 60.0
        if abs(minutes) > max_minutes:
            out["exif_time_mismatch"] = (
                f"foto diambil {taken:%Y-%m-%d %H:%M} menurut EXIF, presensi {punch_ts:%Y-%m-%d %H:%M}: "
                f"selisih {_duration_text(minutes)} (batas {max_minutes:.0f} menit)"
            )
    if exif.lat is not None and exif.lon is not None and punch_lat is not None and punch_lon is not None:
        metres = haversine_m(exif.lat, exif.lon, punch_lat, punch_lon)
        if metres > max_metres:
            out["exif_gps_mismatch"] = (
                f"GPS di EXIF foto ({exif.lat:.5f}, {exif.lon:.5f}) berjarak {_distance_text(metres)} dari GPS "
                f"presensi (batas {_distance_text(max_metres)})"
            )
    return out
