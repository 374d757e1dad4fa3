"""Append-only, hash-chained audit log.

Each event's hash covers the previous event's hash, so editing or deleting any
row breaks the chain from that point on (``verify_chain`` finds it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.store.db import clock_of, xact_lock
from services.store.models import AuditEvent

GENESIS = "0" * 64
AUDIT_LOCK_KEY = 7263003  # (key, 0) advisory lock of the chain append on PostgreSQL


def _canonical(ts: dt.datetime, username: str, action: str, entity: str, entity_id: str, detail: str) -> str:
    return json.dumps([ts.isoformat(), username, action, entity, entity_id, detail], ensure_ascii=False, separators=(",", ":"))


def _digest(prev_hash: str, canonical: str) -> str:
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def record(
    session: Session,
    username: str,
    action: str,
    entity: str,
    entity_id: object = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one audit event to the session (committed with the caller's transaction)."""
    session.flush()
    # several PCs append at once: without this two events would chain onto the same predecessor (a fork
    # verify_chain reports as tampering). Held to commit; SQLite's single write lock does the same there.
    xact_lock(session, AUDIT_LOCK_KEY, 0)
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
        hash=_digest(prev, _canonical(ts, username, action, entity, eid, detail_json)),
    )
    session.add(ev)
    session.flush()
    return ev


def chain_head(session: Session) -> tuple[int, str]:
    """(id, hash) of the newest audit event: what a submission bundle attests the log stood at.

    An empty log answers (0, GENESIS).
    """
    row = session.execute(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    return (int(row[0]), str(row[1])) if row is not None else (0, GENESIS)


def verify_chain(session: Session) -> int | None:
    """Return the id of the first tampered event, or None when the chain is intact."""
    prev = GENESIS
    for ev in session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars():
        expected = _digest(prev, _canonical(ev.ts, ev.username, ev.action, ev.entity, ev.entity_id, ev.detail))
        if ev.prev_hash != prev or ev.hash != expected:
            return ev.id
        prev = ev.hash
    return None


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
