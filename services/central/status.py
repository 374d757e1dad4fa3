"""Where each OPD stands for one month against the deadline (pure: no database, no clock).

The deadline is the 10th of the following month, counted in the OPD's own time zone. Whether a
submission was on time is decided from ``submitted_at`` as the *server* stamped it, compared with
the deadline *date*; the caller passes ``as_of`` (the app's clock, e.g. ``db.clock.today()``) only
to tell "not sent yet" from "not sent and already past the deadline". Nothing here asks
PostgreSQL's ``now()``, so the verdicts never depend on the server's clock agreeing with the app's.

Timeliness is judged by the *first* submission of the month: a bundle returned for correction and
answered with a new revision after the 10th still counts as sent on time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

DEADLINE_DAY = 10

ON_TIME, LATE, MISSING, RETURNED, ACCEPTED = "tepat_waktu", "terlambat", "belum_mengirim", "dikembalikan", "diterima"
STATUS_LABELS = {ON_TIME: "Tepat waktu", LATE: "Terlambat", MISSING: "Belum mengirim", RETURNED: "Dikembalikan",
                 ACCEPTED: "Diterima"}
STATUS_COLOURS = {ON_TIME: "#e3f0ff", LATE: "#fde7d9", MISSING: "#f1f1f1", RETURNED: "#f9d6d5", ACCEPTED: "#dff3e4"}
DECISION_LABELS = {"accepted": "Diterima", "returned": "Dikembalikan"}


def deadline_for(year: int, month: int, day: int = DEADLINE_DAY) -> dt.date:
    """The report of (year, month) is due on ``day`` of the following month."""
    return dt.date(year + (month == 12), month % 12 + 1, day)


def previous_month(today: dt.date) -> tuple[int, int]:
    return (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)


@dataclass(frozen=True)
class SubmissionMeta:
    """One submission row without its bytes, with BKPSDM's decision on it (if any)."""

    id: int
    opd_code: str
    year: int
    month: int
    revision: int
    reason: str
    submitted_at: dt.datetime  # aware, stamped by the server
    submitted_by: str
    bundle_sha256: str
    employee_count: int
    total_bytes: int
    decision: str | None = None  # accepted / returned / None (waiting)
    review_id: int | None = None
    review_reason: str = ""
    reviewed_by: str = ""
    reviewed_at: dt.datetime | None = None


@dataclass(frozen=True)
class OpdInfo:
    code: str
    name: str
    timezone: str = "Asia/Jakarta"


@dataclass(frozen=True)
class OpdMonthStatus:
    opd: OpdInfo
    year: int
    month: int
    deadline: dt.date
    status: str  # one of STATUS_LABELS
    on_time: bool | None  # None: nothing sent yet
    overdue: bool  # nothing sent and as_of is past the deadline
    first_submitted_at: dt.datetime | None
    latest: SubmissionMeta | None
    history: tuple[SubmissionMeta, ...]  # oldest revision first

    @property
    def label(self) -> str:
        if self.status == MISSING and self.overdue:
            return "Belum mengirim — lewat batas"
        return STATUS_LABELS[self.status]

    @property
    def timeliness(self) -> str:
        if self.on_time is None:
            return "lewat batas" if self.overdue else "-"
        return "tepat waktu" if self.on_time else "terlambat"


def local_date(instant: dt.datetime, zone: str) -> dt.date:
    if instant.tzinfo is None:
        raise ValueError("submitted_at harus bertanda zona waktu (timestamptz)")
    return instant.astimezone(ZoneInfo(zone)).date()


def classify(opd: OpdInfo, year: int, month: int, submissions: Iterable[SubmissionMeta], as_of: dt.date,
             deadline_day: int = DEADLINE_DAY) -> OpdMonthStatus:
    history = tuple(sorted((s for s in submissions if s.opd_code == opd.code and (s.year, s.month) == (year, month)),
                           key=lambda s: s.revision))
    deadline = deadline_for(year, month, deadline_day)
    if not history:
        return OpdMonthStatus(opd, year, month, deadline, MISSING, None, as_of > deadline, None, None, ())
    latest = history[-1]
    first = min(s.submitted_at for s in history)
    on_time = local_date(first, opd.timezone) <= deadline
    if latest.decision == "accepted":
        status = ACCEPTED
    elif latest.decision == "returned":
        status = RETURNED
    else:
        status = ON_TIME if on_time else LATE
    return OpdMonthStatus(opd, year, month, deadline, status, on_time, False, first, latest, history)


def month_board(opds: Sequence[OpdInfo], year: int, month: int, submissions: Sequence[SubmissionMeta],
                as_of: dt.date, deadline_day: int = DEADLINE_DAY) -> list[OpdMonthStatus]:
    """Every registered OPD's status for the month, in OPD code order."""
    return [classify(o, year, month, submissions, as_of, deadline_day) for o in sorted(opds, key=lambda o: o.code)]


def board_counts(board: Sequence[OpdMonthStatus]) -> dict[str, int]:
    counts = dict.fromkeys(STATUS_LABELS, 0)
    for row in board:
        counts[row.status] += 1
    return counts
