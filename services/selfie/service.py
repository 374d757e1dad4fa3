"""Run the selfie checks over stored punches and manage employees' reference photos.

The slow part (decoding, face detection and embedding, on every core: services/selfie/batch.py) runs
outside any transaction; the results are written in one transaction at the end, so a cancel leaves the
database as it was. SelfieCheck rows are derived data: re-running the checks recomputes the measurements,
flags and evidence but never touches an atasan's verdict.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.auth import audit
from services.changes import Changes
from services.errors import BadInputError
from services.jobs import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from services.policy.model import PolicyError, SelfieRules, load_policy
from services.selfie.batch import FileResult, analyse_bytes, analyse_files
from services.selfie.checks import DEFAULT_THRESHOLDS, FLAG_LABELS, Thresholds, thumbnail, to_grey, work_copy
from services.selfie.exif import exif_evidence
from services.selfie.faces import EMBED_DIM, MODEL_ID
from services.selfie.matching import best_match
from services.selfie.photos import REFERENCE_KIND, PhotoError, check_photo, store_photo, stored_path
from services.store.db import Database, clock_of
from services.store.models import Employee, Opd, Punch, ReferencePhoto, SelfieCheck


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
    distance: float | None = None
    threshold: float | None = None
    best_reference_id: int | None = None
    flags: list[str] = field(default_factory=list)
    evidence: dict[str, str] = field(default_factory=dict)
    reused_of: int | None = None
    thumb: np.ndarray | None = None


@dataclass(frozen=True)
class _Todo:
    punch_id: int
    employee_id: int | None
    opd_id: int | None
    ts: dt.datetime
    tz: str
    lat: float | None
    lon: float | None
    photo_path: str


def descriptor_to_bytes(d: np.ndarray) -> bytes:
    return d.astype(np.float32).tobytes()


def descriptor_from_bytes(raw: bytes) -> np.ndarray:
    return np.frombuffer(raw, dtype=np.float32)


def _load_image(db_path: Path, rel: str) -> np.ndarray | str:
    from services.selfie.checks import decode

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


def _rules_by_opd(session: Session, opd_ids: set[int | None]) -> dict[int | None, SelfieRules]:
    """Each OPD's selfie rules from its regional policy (an unreadable policy falls back to the defaults)."""
    out: dict[int | None, SelfieRules] = {None: load_policy("default").selfie}
    for opd_id in opd_ids - {None}:
        opd = session.get(Opd, opd_id)
        try:
            out[opd_id] = load_policy(opd.policy_preset or "default").selfie if opd else out[None]
        except PolicyError:
            out[opd_id] = out[None]
    return out


def reference_embeddings(
    db: Database, employee_ids: set[int], *, progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED
) -> dict[int, list[tuple[int, np.ndarray]]]:
    """{employee: [(reference id, embedding)]}; embeddings missing or of another model are computed and cached."""
    out: dict[int, list[tuple[int, np.ndarray]]] = {}
    if not employee_ids:
        return out
    with db.session() as s:
        refs = s.execute(
            select(ReferencePhoto.id, ReferencePhoto.employee_id, ReferencePhoto.path, ReferencePhoto.face_descriptor,
                   ReferencePhoto.model)
            .where(ReferencePhoto.employee_id.in_(employee_ids)).order_by(ReferencePhoto.id)
        ).all()
    stale = [r for r in refs if r.face_descriptor is None or r.model != MODEL_ID or len(r.face_descriptor) != EMBED_DIM * 4]
    if stale:
        progress(0, len(stale), f"Menghitung wajah {len(stale)} foto referensi")
        results = analyse_files([stored_path(db.path, r.path) for r in stale], cancel=cancel)
        fresh = {r.id: res.metrics.descriptor for r, res in zip(stale, results, strict=True)
                 if res.metrics is not None and res.metrics.descriptor is not None}
        with db.transaction() as s:
            for ref_id, emb in fresh.items():
                ref = s.get(ReferencePhoto, ref_id)
                if ref is not None:
                    ref.face_descriptor, ref.model = descriptor_to_bytes(emb), MODEL_ID
        stale_ids = {r.id for r in stale}
        cached = {r.id: r.face_descriptor for r in refs if r.id not in stale_ids}
        cached.update({k: descriptor_to_bytes(v) for k, v in fresh.items()})
    else:
        cached = {r.id: r.face_descriptor for r in refs}
    for r in refs:
        if r.id in cached:
            out.setdefault(r.employee_id, []).append((r.id, descriptor_from_bytes(cached[r.id])))
    return out


def _hash_array(hashes: list[str]) -> np.ndarray:
    return np.array([int(h, 16) for h in hashes], dtype=np.uint64) if hashes else np.zeros(0, dtype=np.uint64)


def _load_todo(db: Database, punch_ids: list[int] | None, recheck: bool) -> tuple[list[_Todo], list, dict]:
    with db.session() as s:
        q = (
            select(Punch.id, Punch.employee_id, Employee.opd_id, Punch.ts, Punch.tz, Punch.lat, Punch.lon, Punch.photo_path)
            .outerjoin(Employee, Employee.id == Punch.employee_id)
            .where(Punch.photo_path.is_not(None))
        )
        if punch_ids is not None:
            q = q.where(Punch.id.in_(punch_ids))
        if not recheck:
            q = q.where(~select(SelfieCheck.id).where(SelfieCheck.punch_id == Punch.id).exists())
        todo = [_Todo(pid, emp, opd, ts, tz, lat, lon, path or "")
                for pid, emp, opd, ts, tz, lat, lon, path in s.execute(q.order_by(Punch.ts, Punch.id)).all()]
        # every photo already checked, for reuse detection across employees and days
        known = s.execute(
            select(SelfieCheck.punch_id, SelfieCheck.phash, Punch.ts, Punch.photo_path)
            .join(Punch, Punch.id == SelfieCheck.punch_id)
            .where(SelfieCheck.phash != "")
        ).all()
        rules = _rules_by_opd(s, {t.opd_id for t in todo})
    todo_ids = {t.punch_id for t in todo}
    return todo, [k for k in known if k[0] not in todo_ids], rules


def _outcome(t: _Todo, res: FileResult, refs: list[tuple[int, np.ndarray]], rules: SelfieRules,
             thresholds: Thresholds) -> _Outcome:
    out = _Outcome(punch_id=t.punch_id, employee_id=t.employee_id, ts=t.ts)
    m = res.metrics
    if m is None:
        out.flags.append(res.problem or "unreadable")
        return out
    out.faces, out.blur, out.brightness, out.phash, out.thumb = m.faces, m.blur, m.brightness, m.phash, m.thumb
    out.flags.extend(m.flags(thresholds))
    if m.faces > 1:
        out.evidence["multiple_faces"] = f"{m.faces} wajah terdeteksi; yang dibandingkan wajah terbesar"
    out.threshold = rules.match_max_distance
    if not refs:
        out.flags.append("no_reference")
    elif m.descriptor is not None:
        match = best_match(m.descriptor, refs, rules.match_max_distance)
        out.distance, out.best_reference_id = match.distance, match.reference_id
        if match.same_person is False:
            out.flags.append("low_similarity")
            out.evidence["low_similarity"] = (
                f"jarak wajah {match.distance:.2f} ke foto referensi terdekat (ambang {match.threshold:.2f}; "
                f"{len(refs)} referensi): {match.words}"
            )
    try:
        tz = ZoneInfo(t.tz or "Asia/Jakarta")
    except (KeyError, ValueError):
        tz = ZoneInfo("Asia/Jakarta")
    found = exif_evidence(res.exif, t.ts, tz, t.lat, t.lon, max_minutes=rules.exif_time_max_minutes,
                          max_metres=rules.exif_gps_max_m)
    out.flags.extend(found)
    out.evidence.update(found)
    return out


def run_checks(
    db: Database,
    punch_ids: list[int] | None = None,
    *,
    recheck: bool = False,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    workers: int | None = None,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> SelfieRunResult:
    """Check the photos of ``punch_ids`` (default: every punch with a photo not yet checked).

    The face-match threshold and the EXIF limits come from each employee's OPD policy ([selfie]).
    """
    todo, known, rules = _load_todo(db, punch_ids, recheck)
    refs = reference_embeddings(db, {t.employee_id for t in todo if t.employee_id is not None}, cancel=cancel)
    total = len(todo)
    paths = sorted({t.photo_path for t in todo})  # a photo used by several punches is analysed once

    def done(n: int) -> None:
        progress(n, len(paths), f"Memeriksa swafoto {n} dari {len(paths)}")

    results = dict(zip(paths, analyse_files([stored_path(db.path, p) for p in paths], workers=workers,
                                            on_done=done, cancel=cancel), strict=True))
    outcomes = [_outcome(t, results[t.photo_path], refs.get(t.employee_id or -1, []), rules.get(t.opd_id, rules[None]),
                         thresholds) for t in todo]
    progress(total, total, "Mencari foto yang dipakai ulang ...")
    late_reuse = _mark_reuse(outcomes, known, thresholds, db.path)
    cancel.raise_if_cancelled()
    return _write(db, outcomes, late_reuse)


def _write(db: Database, outcomes: list[_Outcome], late_reuse: dict[int, int]) -> SelfieRunResult:
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
            check.face_distance, check.match_threshold, check.best_reference_id = out.distance, out.threshold, out.best_reference_id
            check.reused_of_punch_id, check.flags = out.reused_of, ",".join(out.flags)
            check.evidence = json.dumps(out.evidence, ensure_ascii=False) if out.evidence else ""
            s.add(check)
            result.flags.update(out.flags)
        # an older photo arriving late (offline upload) makes an already-checked newer one the copy
        for later_pid, original_pid in late_reuse.items():
            later = s.execute(select(SelfieCheck).where(SelfieCheck.punch_id == later_pid)).scalar_one_or_none()
            if later is not None and later.reused_of_punch_id is None:
                later.reused_of_punch_id = original_pid
                later.flags = ",".join([f for f in later.flags.split(",") if f] + ["reused"])
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


def add_reference_photo(
    session: Session,
    db_path: Path,
    employee_id: int,
    data: bytes,
    username: str,
    *,
    now: dt.datetime | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> ReferencePhoto:
    """Store one more reference (passport-style) photo of an employee.

    Refused (ReferencePhotoError) unless the photo shows exactly one sharp, frontal, large enough face: the
    queue compares every selfie with the nearest of the employee's references, so a poor reference would
    make every later selfie of that person look like someone else.
    """
    try:
        fmt, _w, _h = check_photo(data)
    except PhotoError as exc:
        raise ReferencePhotoError(f"Foto referensi ditolak: {exc}") from None
    res = analyse_bytes(data)
    problems = ["foto tidak terbaca"] if res.metrics is None else res.metrics.reference_problems(thresholds)
    if problems:
        raise ReferencePhotoError("Foto referensi ditolak: " + "; ".join(problems)
                                  + ". Pakai foto tampak depan satu orang, tajam dan cukup terang.")
    assert res.metrics is not None and res.metrics.descriptor is not None
    rel, digest, _created = store_photo(db_path, data, fmt, kind=REFERENCE_KIND)
    duplicate = session.execute(
        select(ReferencePhoto.id).where(ReferencePhoto.employee_id == employee_id, ReferencePhoto.sha256 == digest)
    ).scalar_one_or_none()
    if duplicate is not None:
        raise ReferencePhotoError(f"Foto referensi ditolak: foto yang sama sudah tersimpan (referensi #{duplicate}).")
    ref = ReferencePhoto(employee_id=employee_id, path=rel, sha256=digest, face_descriptor=descriptor_to_bytes(res.metrics.descriptor),
                         model=MODEL_ID, created_at=now or clock_of(session).now(), added_by=username)
    session.add(ref)
    session.flush()
    audit.record(session, username, "reference_photo.add", "employee", employee_id, {"sha256": digest, "reference_id": ref.id})
    return ref
