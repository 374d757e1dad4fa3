"""Order the verification queue by risk and say in words why a selfie is there.

Every flag is a signal with its evidence, never a verdict. The risk score only decides what the atasan sees
first: a suspected different person first, then a photo used twice, a mock location, EXIF contradicting the
punch, several faces or none, and the weaker signals after those. Within the same signals a larger face
distance ranks higher.
"""

from __future__ import annotations

from collections.abc import Iterable

from services.selfie.checks import FLAG_LABELS

FLAG_RISK = {
    "low_similarity": 100,
    "reused": 80,
    "mock_location": 70,
    "exif_time_mismatch": 60,
    "exif_gps_mismatch": 60,
    "multiple_faces": 50,
    "no_face": 45,
    "unknown_phone": 40,
    "photo_missing": 35,
    "unreadable": 35,
    "outside_geofence": 30,
    "no_reference": 20,
    "late_upload": 10,
    "blur": 10,
    "too_dark": 10,
    "too_bright": 10,
    "no_photo": 10,
}


def risk_score(flags: Iterable[str], distance: float | None, threshold: float | None) -> int:
    """0 = nothing to see; the strongest signal dominates, every further one adds a little, so does the distance."""
    weights = sorted((FLAG_RISK.get(f, 5) for f in flags if f), reverse=True)
    score = (weights[0] + 5 * (len(weights) - 1)) if weights else 0
    if distance is not None and threshold is not None:
        score += max(0, int(round((distance - threshold + 0.10) * 100)))  # from 0.10 below the threshold upwards
    return score


def risk_words(score: int, flags: Iterable[str]) -> str:
    flags = list(flags)
    if "low_similarity" in flags:
        return "tinggi — kemungkinan orang lain"
    if score >= 60:
        return "tinggi"
    if score >= 30:
        return "sedang"
    if score > 0:
        return "rendah"
    return "tidak ada tanda"


def explain(flags: Iterable[str], evidence: dict[str, str]) -> list[str]:
    """One line per flag: its label and, when known, the evidence behind it."""
    lines = []
    for f in flags:
        if not f:
            continue
        label = FLAG_LABELS.get(f, f)
        lines.append(f"{label}: {evidence[f]}" if evidence.get(f) else label)
    return lines
