"""The OPD side of BKPSDM's decisions: fetch them into the local store, read them offline.

`sync_reviews` asks the central database (with the OPD's own login: row-level security shows
only its own rows) for every decision and keeps a local copy (CentralReview, insert-only), so
the Laporan screen and the dashboard show "dikembalikan: <alasan>" even without a connection.
`review_state` says what the newest decision of a month is and whether the OPD has answered a
return with a newer revision yet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.central.client import connect
from services.central.outbox import central_password, central_url
from services.central.review import own_rows
from services.central.status import SubmissionMeta
from services.changes import NOTHING, Changes
from services.reports.monthly import find_period
from services.store.db import Database
from services.store.models import CentralReview, Opd, Report
from services.timefmt import tanggal_jam


@dataclass(frozen=True)
class ReviewSync:
    new: int
    seen: int
    messages: list[str] = field(default_factory=list)
    changes: Changes = NOTHING


def sync_reviews(db: Database, *, url: str | None = None, password: str | None = None,
                 connect_timeout: int = 5) -> ReviewSync:
    """Copy BKPSDM's decisions on this OPD's submissions into the local store (raises CentralUnreachable)."""
    url = url or central_url(db)
    if not url:
        return ReviewSync(0, 0, ["Alamat server pusat (BKPSDM) belum diatur di Pengaturan."])
    if password is None:
        password = central_password(url)
    with connect(url, password, timeout=connect_timeout) as conn:
        rows = [r for r in own_rows(conn) if r.decision is not None and r.review_id is not None]
    return _store(db, rows)


def _store(db: Database, rows: list[SubmissionMeta]) -> ReviewSync:
    new, messages = 0, []
    with db.transaction() as s:
        known = set(s.execute(select(CentralReview.central_id)).scalars())
        codes = {o.code: o.id for o in s.execute(select(Opd)).scalars()}
        for r in rows:
            if r.review_id in known or r.opd_code not in codes or r.reviewed_at is None or r.review_id is None:
                continue
            period = find_period(s, codes[r.opd_code], r.year, r.month)
            report_id = None
            if period is not None:
                report_id = s.execute(select(Report.id).where(Report.period_id == period.id,
                                                              Report.revision == r.revision)).scalar()
            s.add(CentralReview(central_id=r.review_id, report_id=report_id, year=r.year, month=r.month,
                                revision=r.revision, decision=r.decision or "", reason=r.review_reason,
                                reviewed_by=r.reviewed_by, reviewed_at=db.clock.local(r.reviewed_at)))
            new += 1
            word = "DIKEMBALIKAN" if r.decision == "returned" else "diterima"
            messages.append(f"{r.year}-{r.month:02d} revisi {r.revision} {word} oleh BKPSDM"
                            + (f": {r.review_reason}" if r.decision == "returned" else "."))
    return ReviewSync(new, len(rows), messages, Changes(reports=True) if new else NOTHING)


@dataclass(frozen=True)
class LocalReviewState:
    year: int
    month: int
    revision: int  # the newest revision BKPSDM decided on
    decision: str  # accepted / returned
    reason: str
    reviewed_by: str
    reviewed_at: dt.datetime
    newer_revision: int | None  # a local revision made after it (the OPD's answer to a return)
    newer_submitted: bool  # ... and that answer has reached the central database

    @property
    def awaiting_answer(self) -> bool:
        return self.decision == "returned" and not self.newer_submitted

    def text(self) -> str:
        when = f"{tanggal_jam(self.reviewed_at)}"
        if self.decision == "accepted":
            return f"Revisi {self.revision} DITERIMA oleh BKPSDM ({self.reviewed_by}, {when})."
        head = f"Revisi {self.revision} DIKEMBALIKAN oleh BKPSDM ({self.reviewed_by}, {when}): {self.reason}"
        if self.newer_submitted:
            return head + f" — sudah dijawab dengan revisi {self.newer_revision} (terkirim)."
        if self.newer_revision is not None:
            return head + f" — revisi {self.newer_revision} sedang disiapkan; tanda tangani lalu kirim."
        return head + " — buat revisi baru dengan alasan, tanda tangani, lalu kirim."


def review_state(session: Session, opd_id: int, year: int, month: int) -> LocalReviewState | None:
    """The newest locally known BKPSDM decision of a month, with the OPD's answer to it (if any)."""
    rv = session.execute(select(CentralReview).where(CentralReview.year == year, CentralReview.month == month)
                         .order_by(CentralReview.revision.desc(), CentralReview.id.desc()).limit(1)).scalar()
    if rv is None:
        return None
    period = find_period(session, opd_id, year, month)
    newer = None
    if period is not None:
        newer = session.execute(select(Report).where(Report.period_id == period.id, Report.revision > rv.revision)
                                .order_by(Report.revision.desc()).limit(1)).scalar()
    return LocalReviewState(year, month, rv.revision, rv.decision, rv.reason, rv.reviewed_by, rv.reviewed_at,
                            newer.revision if newer else None, bool(newer and newer.status == "submitted"))


def decisions_by_revision(session: Session, year: int, month: int) -> dict[int, CentralReview]:
    """Locally known BKPSDM decisions of a month, by revision (for the Laporan screen's revision table)."""
    rows = session.execute(select(CentralReview).where(CentralReview.year == year, CentralReview.month == month)
                           .order_by(CentralReview.id)).scalars()
    return {r.revision: r for r in rows}
