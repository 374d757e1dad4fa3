"""Run the selfie checks over stored punches and manage employees' reference photos.

The slow part (decoding + OpenCV) runs outside any transaction; the results are
written in one transaction at the end, so a cancel leaves the database as it was.
SelfieCheck rows are derived data: re-running the checks recomputes the
measurements and flags but never touches an atasan's verdict.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.auth import audit
from services.changes import Changes
from services.errors import BadInputError
from services.jobs import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from services.mobile.photos import REFERENCE_KIND, PhotoError, check_photo, store_photo, stored_path
from services.selfie.checks import (
    DEFAULT_THRESHOLDS,
    FLAG_LABELS,
    Thresholds,
    analyse,
    decode,
    descriptor_from_bytes,
    descriptor_to_bytes,
    similarity,
    thumbnail,
    to_grey,
    work_copy,
)
from services.store.db import Database
from services.store.models import Punch, ReferencePhoto, SelfieCheck


class ReferencePhotoError(BadInputError):
    pass


@dataclass
class SelfieRunResult:
    checked: int = 0
    flags: Counter[str] = field(default_factory=Counter)
    check_ids: list[int] = field(default_factory=list)

    @property
    def changes(self) -> Changes:
        return Changes(selfies=self.checked > 0)

    def summary(self) -> str:
        text = f"{self.checked} foto diperiksa"
        if self.flags:
            text += "; ditandai: " + ", ".join(f"{FLAG_LABELS.get(k, k)} {v}" for k, v in sorted(self.flags.items()))
        return text


@dataclass
class _Outcome:
    punch_id: int
    employee_id: int | None
    ts: dt.datetime
    faces: int = 0
    blur: float = 0.0
    brightness: float = 0.0
    phash: str = ""
    similarity: float | None = None
    flags: list[str] = field(default_factory=list)
    reused_of: int | None = None
    thumb: np.ndarray | None = None


def _load_image(db_path: Path, rel: str) -> np.ndarray | str:
    path = stored_path(db_path, rel)
    try:
        data = path.read_bytes()
    except OSError:
        return "photo_missing"
    try:
        check_photo(data)
    except PhotoError:
        return "unreadable"
    img = decode(data)
    return "unreadable" if img is None else img


def _reference_descriptors(db: Database, employee_ids: set[int]) -> dict[int, list[np.ndarray]]:
    """Descriptors of the employees' reference photos (computed and cached in the DB on first use)."""
    out: dict[int, list[np.ndarray]] = {}
    if not employee_ids:
        return out
    with db.transaction() as s:
        refs = s.execute(select(ReferencePhoto).where(ReferencePhoto.employee_id.in_(employee_ids))).scalars().all()
        for ref in refs:
            if ref.face_descriptor is None:
                img = _load_image(db.path, ref.path)
                if isinstance(img, str):
                    continue
                m = analyse(img)
                if m.descriptor is None:
                    continue
                ref.face_descriptor = descriptor_to_bytes(m.descriptor)
            out.setdefault(ref.employee_id, []).append(descriptor_from_bytes(ref.face_descriptor))
    return out


def _hash_array(hashes: list[str]) -> np.ndarray:
    return np.array([int(h, 16) for h in hashes], dtype=np.uint64) if hashes else np.zeros(0, dtype=np.uint64)


def run_checks(
    db: Database,
    punch_ids: list[int] | None = None,
    *,
    recheck: bool = False,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> SelfieRunResult:
    """Check the photos of ``punch_ids`` (default: every punch with a photo not yet checked)."""
    with db.session() as s:
        q = select(Punch.id, Punch.employee_id, Punch.ts, Punch.photo_path).where(Punch.photo_path.is_not(None))
        if punch_ids is not None:
            q = q.where(Punch.id.in_(punch_ids))
        if not recheck:
            q = q.where(~select(SelfieCheck.id).where(SelfieCheck.punch_id == Punch.id).exists())
        todo = s.execute(q.order_by(Punch.ts, Punch.id)).all()
        # every photo already checked, for reuse detection across employees and days
        known = s.execute(
            select(SelfieCheck.punch_id, SelfieCheck.phash, Punch.ts, Punch.photo_path)
            .join(Punch, Punch.id == SelfieCheck.punch_id)
            .where(SelfieCheck.phash != "")
        ).all()
    refs = _reference_descriptors(db, {e for _, e, _, _ in todo if e is not None})
    todo_ids = {pid for pid, *_ in todo}
    known = [k for k in known if k[0] not in todo_ids]

    outcomes: list[_Outcome] = []
    total = len(todo)
    for i, (pid, emp_id, ts, rel) in enumerate(todo):
        cancel.raise_if_cancelled()
        progress(i, total, f"Memeriksa swafoto {i + 1} dari {total}")
        out = _Outcome(punch_id=pid, employee_id=emp_id, ts=ts)
        img = _load_image(db.path, rel)
        if isinstance(img, str):
            out.flags.append(img)
        else:
            m = analyse(img)
            out.faces, out.blur, out.brightness, out.phash, out.thumb = m.faces, m.blur, m.brightness, m.phash, m.thumb
            out.flags.extend(m.flags(thresholds))
            emp_refs = refs.get(emp_id or -1, [])
            if not emp_refs:
                out.flags.append("no_reference")
            elif m.descriptor is not None:
                out.similarity = round(max(similarity(m.descriptor, r) for r in emp_refs), 4)
                if out.similarity < thresholds.similarity_min:
                    out.flags.append("low_similarity")
        outcomes.append(out)
    progress(total, total, "Mencari foto yang dipakai ulang ...")
    late_reuse = _mark_reuse(outcomes, known, thresholds, db.path)

    result = SelfieRunResult()
    with db.transaction() as s:
        existing = {
            c.punch_id: c
            for c in s.execute(select(SelfieCheck).where(SelfieCheck.punch_id.in_([o.punch_id for o in outcomes]))).scalars()
        } if outcomes else {}
        written: list[SelfieCheck] = []
        for out in outcomes:
            check = existing.get(out.punch_id) or SelfieCheck(punch_id=out.punch_id)
            written.append(check)
            check.faces, check.blur, check.brightness, check.phash = out.faces, round(out.blur, 2), round(out.brightness, 2), out.phash
            check.similarity, check.reused_of_punch_id, check.flags = out.similarity, out.reused_of, ",".join(out.flags)
            s.add(check)
            result.flags.update(out.flags)
        # an older photo arriving late (offline upload) makes an already-checked newer one the copy
        for later_pid, original_pid in late_reuse.items():
            check = s.execute(select(SelfieCheck).where(SelfieCheck.punch_id == later_pid)).scalar_one_or_none()
            if check is not None and check.reused_of_punch_id is None:
                check.reused_of_punch_id = original_pid
                check.flags = ",".join([f for f in check.flags.split(",") if f] + ["reused"])
        s.flush()
        result.checked = len(outcomes)
        result.check_ids = [c.id for c in written]
    return result


def _stored_thumb(db_path: Path, rel: str | None) -> np.ndarray | None:
    img = _load_image(db_path, rel) if rel else "photo_missing"
    return None if isinstance(img, str) else thumbnail(to_grey(work_copy(img)))


def _mark_reuse(outcomes: list[_Outcome], known: list, t: Thresholds, db_path: Path) -> dict[int, int]:
    """Flag photos that are a copy of another punch's photo.

    Candidates come from the pHash (Hamming distance <= t.reuse_max_distance); a candidate is confirmed when
    the two thumbnails correlate >= t.reuse_min_correlation (photos of an earlier check are read again only
    for such candidates). The earliest punch (by time, then id) is the original; every later one gets
    "reused" and points to it. Returns {already-checked later punch: new original} for the case where the
    original only arrives now (an offline upload).
    """
    new = [o for o in outcomes if o.phash]
    if not new:
        return {}
    # every photo: (punch id, time, hash, outcome of this run or None)
    entries = [(k[0], k[2], k[1], None) for k in known] + [(o.punch_id, o.ts, o.phash, o) for o in new]
    paths = {k[0]: k[3] for k in known}
    thumbs: dict[int, np.ndarray | None] = {o.punch_id: o.thumb for o in new}

    def thumb(pid: int) -> np.ndarray | None:
        if pid not in thumbs:
            thumbs[pid] = _stored_thumb(db_path, paths.get(pid))
        return thumbs[pid]

    def same_picture(a: int, b: int) -> bool:
        ta, tb = thumb(a), thumb(b)
        return ta is not None and tb is not None and float(np.dot(ta, tb)) >= t.reuse_min_correlation

    hashes = _hash_array([e[2] for e in entries])
    order_key = [(e[1], e[0]) for e in entries]
    key_of = {e[0]: order_key[i] for i, e in enumerate(entries)}
    late: dict[int, int] = {}
    first_new = len(known)
    # only pairs with at least one photo of this run need deciding (older pairs were decided before): O(new x all)
    for idx in range(first_new, len(entries)):
        pid, _ts, _h, out = entries[idx]
        dist = np.bitwise_count(hashes ^ hashes[idx])
        close = [j for j in np.nonzero(dist <= t.reuse_max_distance)[0].tolist() if j != idx and same_picture(pid, entries[j][0])]
        if not close:
            continue
        first = min(close + [idx], key=lambda j: order_key[j])
        if first != idx and out is not None:
            out.reused_of = entries[first][0]
            if "reused" not in out.flags:
                out.flags.append("reused")
        for j in close:  # an already-checked photo newer than this one is the copy, not the original
            if j < first_new and order_key[idx] < order_key[j]:
                prev = late.get(entries[j][0])
                if prev is None or key_of[prev] > order_key[idx]:
                    late[entries[j][0]] = pid
    return late


def add_reference_photo(session: Session, db_path: Path, employee_id: int, data: bytes, username: str) -> ReferencePhoto:
    """Store a reference (passport-style) photo of an employee; it must show exactly one face."""
    try:
        fmt, _w, _h = check_photo(data)
    except PhotoError as exc:
        raise ReferencePhotoError(f"Foto referensi ditolak: {exc}") from None
    img = decode(data)
    assert img is not None  # check_photo decoded it already
    m = analyse(img)
    if m.faces != 1 or m.descriptor is None:
        what = "tidak ada wajah" if m.faces == 0 else f"{m.faces} wajah"
        raise ReferencePhotoError(f"Foto referensi ditolak: {what} terdeteksi; pakai foto tampak depan satu orang.")
    rel, digest, _created = store_photo(db_path, data, fmt, kind=REFERENCE_KIND)
    ref = ReferencePhoto(employee_id=employee_id, path=rel, sha256=digest, face_descriptor=descriptor_to_bytes(m.descriptor))
    session.add(ref)
    session.flush()
    audit.record(session, username, "reference_photo.add", "employee", employee_id, {"sha256": digest, "reference_id": ref.id})
    return ref
