"""Append-only, keyed hash-chained audit log.

Each event's hash is HMAC-SHA256(installation key, previous hash + event), so editing a row and
recomputing later hashes, or appending a forged event, fails without the key
(services.auth.audit_key). Database triggers refuse UPDATE and DELETE on the table
(services.store.audit_guard). Deleting the newest rows leaves a shorter but valid chain: that is
caught by comparing with an anchored head (the head printed in each monthly report PDF and sent
with each submission to the central database), see ``check_chain``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.store.db import clock_of, xact_lock
from services.store.models import AuditEvent, Setting

GENESIS = "0" * 64
AUDIT_LOCK_KEY = 7263003  # (key, 0) advisory lock of the chain append on PostgreSQL


def _canonical(ts: dt.datetime, username: str, action: str, entity: str, entity_id: str, detail: str) -> str:
    return json.dumps([ts.isoformat(), username, action, entity, entity_id, detail], ensure_ascii=False, separators=(",", ":"))


def _digest(prev_hash: str, canonical: str, key: bytes | None = None) -> str:
    """HMAC with the installation key; plain sha256 only for rows older than the key."""
    data = (prev_hash + canonical).encode("utf-8")
    if key is None:
        return hashlib.sha256(data).hexdigest()
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def record(
    session: Session,
    username: str,
    action: str,
    entity: str,
    entity_id: object = "",
    detail: dict[str, Any] | None = None,
    *,
    defer_without_key: bool = False,
) -> AuditEvent | None:
    """Add one audit event to the session (committed with the caller's transaction).

    ``defer_without_key``: a login failure in a process that cannot open the key yet is kept in
    audit_pending (returns None) instead of failing, so throttling still counts it.
    """
    from services.auth import audit_key
    from services.store.models import AuditPending

    session.flush()
    # several PCs append at once: without this two events would chain onto the same predecessor (a fork
    # verify_chain reports as tampering). Held to commit; SQLite's single write lock does the same there.
    # Taken before the key too: two PCs writing the first keyed event must not create two keys.
    xact_lock(session, AUDIT_LOCK_KEY, 0)
    try:
        key = audit_key.ensure_key(session)
    except audit_key.AuditKeyUnavailable:
        if not defer_without_key:
            raise
        session.add(AuditPending(ts=clock_of(session).now(), username=username, action=action, entity=entity,
                                 entity_id=str(entity_id),
                                 detail=json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str)))
        session.flush()
        return None
    last = session.execute(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).scalar()
    prev = last or GENESIS
    ts = clock_of(session).now()
    detail_json = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str)
    eid = str(entity_id)
    ev = AuditEvent(
        ts=ts,
        username=username,
        action=action,
        entity=entity,
        entity_id=eid,
        detail=detail_json,
        prev_hash=prev,
        hash=_digest(prev, _canonical(ts, username, action, entity, eid, detail_json), key.key),
    )
    session.add(ev)
    session.flush()
    return ev


def flush_pending(session: Session) -> int:
    """Move deferred login failures into the keyed chain (the key is open now). Returns how many."""
    from services.store.models import AuditPending

    pending = list(session.execute(select(AuditPending).order_by(AuditPending.id)).scalars())
    for p in pending:
        detail = {**json.loads(p.detail or "{}"), "tertunda_sejak": p.ts.isoformat()}
        record(session, p.username, p.action, p.entity, p.entity_id, detail)
        session.delete(p)
    session.flush()
    return len(pending)


def chain_head(session: Session) -> tuple[int, str]:
    """(id, hash) of the newest audit event: what a submission bundle attests the log stood at.

    An empty log answers (0, GENESIS).
    """
    row = session.execute(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    return (int(row[0]), str(row[1])) if row is not None else (0, GENESIS)


@dataclass(frozen=True)
class Anchor:
    """A chain head recorded outside the local database: (event id, hash) and where it was seen."""

    event_id: int
    hash: str
    source: str


@dataclass
class ChainReport:
    events: int = 0
    head: tuple[int, str] = (0, GENESIS)
    first_bad: int | None = None
    problem: str = ""
    anchors_checked: list[Anchor] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.first_bad is None

    def text(self) -> str:
        if not self.ok:
            return f"RUSAK: log audit mulai kejadian #{self.first_bad}: {self.problem}"
        anchored = (f"; cocok dengan {len(self.anchors_checked)} jangkar ("
                    + ", ".join(f"#{a.event_id} {a.source}" for a in self.anchors_checked[-3:]) + ")"
                    if self.anchors_checked else "; belum ada jangkar di luar basis data untuk dibandingkan")
        return f"Log audit utuh: {self.events} kejadian, kepala #{self.head[0]} {self.head[1][:16]}…{anchored}."


def check_chain(session: Session, anchors: Iterable[Anchor] = ()) -> ChainReport:
    """Walk the whole chain (key, links) and compare it with the anchored heads.

    An anchor whose event is missing (rows deleted down to below it) or differs is a break even
    when the remaining chain is internally valid.
    """
    from services.auth import audit_key

    report = ChainReport()
    key = audit_key.current_key(session) if audit_key.is_keyed(session) else None
    keyed_from = key.from_id if key is not None else None
    if audit_key.is_keyed(session) and key is None:
        marker = session.get(Setting, audit_key.SETTING_KEYED_FROM)
        keyed_from = int(marker.value) if marker is not None else 1
    wanted = {a.event_id: a for a in anchors}
    seen: dict[int, str] = {}
    prev = GENESIS
    for ev in session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars():
        report.events += 1
        keyed = keyed_from is not None and ev.id >= keyed_from
        if keyed and key is None:
            report.first_bad, report.problem = ev.id, ("kunci log audit tidak dapat dibuka di proses ini (masuk "
                                                       "dulu, atau keyring hilang): kejadian tidak dapat diperiksa")
            return report
        canonical = _canonical(ev.ts, ev.username, ev.action, ev.entity, ev.entity_id, ev.detail)
        if ev.prev_hash != prev:
            report.first_bad, report.problem = ev.id, "tidak tersambung dengan kejadian sebelumnya (ada yang dihapus)"
            return report
        if ev.hash != _digest(prev, canonical, key.key if keyed and key is not None else None):
            report.first_bad, report.problem = ev.id, "isi kejadian tidak cocok dengan tanda kuncinya (diubah/dipalsukan)"
            return report
        prev = ev.hash
        if ev.id in wanted:
            seen[ev.id] = ev.hash
        report.head = (ev.id, ev.hash)
    for anchor in sorted(wanted.values(), key=lambda a: a.event_id):
        if anchor.event_id == 0:
            continue
        if anchor.event_id not in seen:
            report.first_bad = anchor.event_id
            report.problem = (f"kejadian #{anchor.event_id} yang tercatat di {anchor.source} tidak ada lagi "
                              "(kejadian terbaru dihapus)")
            return report
        if seen[anchor.event_id] != anchor.hash:
            report.first_bad = anchor.event_id
            report.problem = f"kejadian #{anchor.event_id} berbeda dengan yang tercatat di {anchor.source}"
            return report
        report.anchors_checked.append(anchor)
    return report


def verify_chain(session: Session, anchors: Iterable[Anchor] = ()) -> int | None:
    """Return the id of the first tampered event, or None when the chain is intact."""
    return check_chain(session, anchors).first_bad


def local_anchors(session: Session) -> list[Anchor]:
    """Heads printed in each report PDF and sent with each submission bundle (the central database holds those too).

    Kept in the local database as well, they catch deleting the newest rows by the app's own means;
    someone who also rewrites these rows is caught by the central copy and the signed PDFs.
    """
    from services.store.models import Report, SubmissionBundle

    rows = session.execute(select(SubmissionBundle.audit_head_id, SubmissionBundle.audit_head_hash, Report.revision,
                                  Report.id).join(Report, Report.id == SubmissionBundle.report_id)).all()
    out = [Anchor(int(i), str(h), f"bundel laporan #{rid} revisi {rev}") for i, h, rev, rid in rows]
    printed = session.execute(select(Report.audit_head_id, Report.audit_head_hash, Report.revision, Report.id)
                              .where(Report.audit_head_id.is_not(None))).all()
    out += [Anchor(int(i), str(h), f"PDF laporan #{rid} revisi {rev}") for i, h, rev, rid in printed if i is not None]
    return out


def startup_warning(session: Session) -> str | None:
    """What the app tells an admin at start-up when the log is broken (None when intact)."""
    report = check_chain(session, local_anchors(session))
    if report.ok:
        return None
    return (f"Log audit rusak mulai kejadian #{report.first_bad}: {report.problem}. Catatan mungkin diubah atau "
            "dihapus di luar aplikasi. Jangan hapus apa pun; periksa dengan `presensi-opd audit-verify` dan cadangan "
            "database, lalu laporkan (docs/SECURITY.md).")


def recent_events(session: Session, search: str = "", limit: int = 1000) -> list[tuple[int, str, str, str, str, str, str]]:
    """Newest first: (id, time, user, action, entity, entity id, detail) — filtered in SQL."""
    q = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if search.strip():
        like = f"%{search.strip()}%"
        q = q.where(
            AuditEvent.username.like(like) | AuditEvent.action.like(like) | AuditEvent.entity.like(like)
            | AuditEvent.detail.like(like)
        )
    return [
        (e.id, e.ts.strftime("%d-%m-%Y %H:%M:%S"), e.username, e.action, e.entity, e.entity_id, e.detail)
        for e in session.execute(q).scalars()
    ]
