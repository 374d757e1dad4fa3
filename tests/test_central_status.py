"""The month board's verdicts (pure: server-stamped times vs the deadline date; as_of only for "overdue")."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from services.central.status import (
    ACCEPTED,
    LATE,
    MISSING,
    ON_TIME,
    RETURNED,
    OpdInfo,
    SubmissionMeta,
    board_counts,
    classify,
    deadline_for,
    month_board,
    previous_month,
)

UTC = dt.UTC


def sub(code: str, revision: int, when: dt.datetime, decision: str | None = None, sid: int = 0) -> SubmissionMeta:
    return SubmissionMeta(id=sid or revision, opd_code=code, year=2026, month=10, revision=revision, reason="",
                          submitted_at=when, submitted_by="x", bundle_sha256="0" * 64, employee_count=1,
                          total_bytes=1, decision=decision)


def test_deadline_is_the_tenth_of_the_next_month():
    assert deadline_for(2026, 10) == dt.date(2026, 11, 10)
    assert deadline_for(2026, 12) == dt.date(2027, 1, 10)
    assert previous_month(dt.date(2027, 1, 11)) == (2026, 12)


def test_on_time_is_judged_in_the_opds_zone_from_the_server_stamp():
    instant = dt.datetime(2026, 11, 10, 15, 30, tzinfo=UTC)  # 22.30 WIB / 23.30 WITA / 00.30 WIT on the 11th
    for zone, expected in (("Asia/Jakarta", ON_TIME), ("Asia/Makassar", ON_TIME), ("Asia/Jayapura", LATE)):
        row = classify(OpdInfo("X", "X", zone), 2026, 10, [sub("X", 1, instant)], as_of=dt.date(2030, 1, 1))
        assert row.status == expected, zone
    with pytest.raises(ValueError, match="zona waktu"):
        classify(OpdInfo("X", "X"), 2026, 10, [sub("X", 1, dt.datetime(2026, 11, 1))], as_of=dt.date(2026, 11, 1))


def test_review_states_history_and_overdue():
    wib = ZoneInfo("Asia/Jakarta")
    early = dt.datetime(2026, 11, 3, 9, tzinfo=wib)
    late = dt.datetime(2026, 11, 20, 9, tzinfo=wib)
    opds = [OpdInfo(c, c) for c in ("A", "B", "C", "D", "E")]
    subs = [sub("A", 1, early), sub("B", 1, late), sub("C", 1, early, "returned", 10),
            sub("D", 1, early, "returned", 11), sub("D", 2, late, "accepted", 12),
            sub("A", 1, early).__class__(**{**sub("A", 1, early).__dict__, "month": 9})]  # another month: ignored
    before = {r.opd.code: r for r in month_board(opds, 2026, 10, subs, as_of=dt.date(2026, 11, 9))}
    assert [before[c].status for c in "ABCDE"] == [ON_TIME, LATE, RETURNED, ACCEPTED, MISSING]
    assert before["D"].on_time and before["D"].timeliness == "tepat waktu"  # the first revision was on time
    assert [h.revision for h in before["D"].history] == [1, 2] and before["D"].latest.revision == 2
    assert not before["E"].overdue and before["E"].label == "Belum mengirim"
    after = {r.opd.code: r for r in month_board(opds, 2026, 10, subs, as_of=dt.date(2026, 11, 11))}
    assert after["E"].overdue and after["E"].label == "Belum mengirim — lewat batas"
    assert after["A"].status == ON_TIME  # as_of never changes a verdict on something that was sent
    assert board_counts(list(after.values())) == {ON_TIME: 1, LATE: 1, MISSING: 1, RETURNED: 1, ACCEPTED: 1}
