"""What the Laporan Bulanan screen shows for one month: period status and report revisions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from services.labels import REPORT_STATE, period_label
from services.reports.monthly import find_period, resolve_file
from services.store.db import Database
from services.store.models import Report

_NEXT = {"open": " — kunci periode di layar Rekonsiliasi sebelum membuat laporan",
         "locked": " — siap dibuat laporannya"}
# the state's one name (services/labels.py) and, on this screen, what to do next
PERIOD_LABELS: dict[str | None, str] = {None: period_label(None) + _NEXT["open"],
                 **{k: period_label(k) + _NEXT.get(k, "") for k in ("open", "locked", "signed", "submitted")}}
REPORT_LABELS = REPORT_STATE


@dataclass(frozen=True)
class ReportRow:
    id: int
    revision: int
    status: str
    reason: str
    created_at: dt.datetime
    created_by: str
    signed_at: dt.datetime | None
    signed_by: str
    pdf_path: str  # absolute
    signed_path: str  # absolute or ""
    pdf_sha256: str
    signed_sha256: str
    employees: int


@dataclass(frozen=True)
class MonthOverview:
    period_status: str | None
    reports: list[ReportRow]  # newest revision first

    @property
    def latest(self) -> ReportRow | None:
        return self.reports[0] if self.reports else None

    @property
    def period_label(self) -> str:
        return PERIOD_LABELS.get(self.period_status, self.period_status or "")


def month_overview(db: Database, opd_id: int, year: int, month: int) -> MonthOverview:
    import json

    with db.session() as s:
        period = find_period(s, opd_id, year, month)
        if period is None:
            return MonthOverview(None, [])
        rows = []
        for r in s.execute(select(Report).where(Report.period_id == period.id).order_by(Report.revision.desc())).scalars():
            rows.append(ReportRow(
                id=r.id, revision=r.revision, status=r.status, reason=r.reason, created_at=r.created_at,
                created_by=r.created_by, signed_at=r.signed_at, signed_by=r.signed_by,
                pdf_path=str(resolve_file(db, r.pdf_path)),
                signed_path=str(resolve_file(db, r.signed_pdf_path)) if r.signed_pdf_path else "",
                pdf_sha256=r.pdf_sha256, signed_sha256=r.signed_sha256 or "",
                employees=len(json.loads(r.summary_json or "[]")),
            ))
        return MonthOverview(period.status, rows)
