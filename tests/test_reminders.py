"""Deadline reminders from the 5th (frozen clocks on the 4th, 5th, 10th, 11th) and the OPD's view of a return."""

from __future__ import annotations

import datetime as dt

import pytest

from desktop.reminders import ReminderNotifier
from desktop.views.dashboard import DashboardView
from desktop.views.reports import ReportsView
from services.central.reminders import deadline_reminder
from services.clock import FrozenClock
from services.store.models import CentralReview, Period, Report
from tests.gui_helpers import make_context


def _report(db, opd_id: int, status: str, year: int = 2026, month: int = 10, revision: int = 1) -> int:  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        period = s.query(Period).filter_by(opd_id=opd_id, year=year, month=month).one_or_none()
        if period is None:
            period = Period(opd_id=opd_id, year=year, month=month, status="locked")
            s.add(period)
            s.flush()
        rep = Report(period_id=period.id, revision=revision, pdf_path=f"r{revision}.pdf", pdf_sha256="0" * 64,
                     status=status, reason="" if revision == 1 else "Menjawab pengembalian")
        s.add(rep)
        s.flush()
        return rep.id


def _remind(db, opd_id: int, day: str):  # type: ignore[no-untyped-def]
    with db.session() as s:
        return deadline_reminder(s, opd_id, dt.date.fromisoformat(day))


def test_reminder_days_and_stages(db, org):
    assert _remind(db, org.opd_id, "2026-11-04") is None  # before the 5th: quiet
    r = _remind(db, org.opd_id, "2026-11-05")
    assert r is not None and (r.year, r.month, r.deadline, r.days_left) == (2026, 10, dt.date(2026, 11, 10), 5)
    assert r.stage == "report" and r.level == "warning"
    assert "Laporan bulanan Oktober 2026" in r.text() and "batas 10 November 2026 (5 hari lagi)" in r.text()
    assert "HARI INI" in _remind(db, org.opd_id, "2026-11-10").text()
    late = _remind(db, org.opd_id, "2026-11-11")
    assert late.overdue and late.level == "urgent" and "LEWAT batas 10 November 2026 (1 hari)" in late.text()
    january = _remind(db, org.opd_id, "2027-01-05")
    assert (january.year, january.month, january.deadline) == (2026, 12, dt.date(2027, 1, 10))

    rid = _report(db, org.opd_id, "draft")
    assert _remind(db, org.opd_id, "2026-11-06").stage == "sign"
    for status, stage in (("signed", "send"), ("queued", "queued")):
        with db.transaction() as s:
            s.get(Report, rid).status = status
        assert _remind(db, org.opd_id, "2026-11-06").stage == stage
    with db.transaction() as s:
        s.get(Report, rid).status = "submitted"
    assert _remind(db, org.opd_id, "2026-11-06") is None
    assert _remind(db, org.opd_id, "2026-11-20") is None  # sent: nothing to remind, even after the 10th

    # BKPSDM returned it: reminded again (with the reason) until a new revision has been sent
    with db.transaction() as s:
        s.add(CentralReview(central_id=41, report_id=rid, year=2026, month=10, revision=1, decision="returned",
                            reason="Rekap belum memuat pegawai PPPK", reviewed_by="bkpsdm",
                            reviewed_at=dt.datetime(2026, 11, 7, 10, 0)))
    back = _remind(db, org.opd_id, "2026-11-08")
    assert back.stage == "returned" and back.level == "urgent" and "PPPK" in back.text()
    r2 = _report(db, org.opd_id, "signed", revision=2)
    assert _remind(db, org.opd_id, "2026-11-08").stage == "returned"  # answer prepared, not yet sent
    with db.transaction() as s:
        s.get(Report, r2).status = "submitted"
    assert _remind(db, org.opd_id, "2026-11-08") is None


@pytest.fixture
def ctx(db, org):
    db.clock = FrozenClock("2026-11-04 08:00")
    return make_context(db, "operator")


def test_dashboard_banner_from_the_fifth(qtbot, ctx, tmp_path):
    view = DashboardView(ctx)
    qtbot.addWidget(view)
    view.show()

    def refresh() -> None:  # the figures are read off the UI thread (desktop/ops.py)
        view.refresh()
        qtbot.waitUntil(lambda: not view.loading, timeout=10000)

    refresh()
    assert view.banner.isHidden()
    ctx.db.clock = FrozenClock("2026-11-05 08:00")
    refresh()
    assert not view.banner.isHidden() and "5 hari lagi" in view.banner.text()
    assert "#fff4d6" in view.banner.styleSheet()  # a warning, not yet urgent
    ctx.db.clock = FrozenClock("2026-11-11 08:00")
    refresh()
    assert "LEWAT batas" in view.banner.text() and "#f9d6d5" in view.banner.styleSheet()
    view.grab().save(str(tmp_path / "dasbor_pengingat.png"))


def test_notification_once_per_office_day(qtbot, ctx):
    messages: list[str] = []
    ctx.events.status_message.connect(messages.append)
    notifier = ReminderNotifier(ctx)
    assert notifier.check() is None and not messages  # the 4th
    ctx.db.clock = FrozenClock("2026-11-05 08:00")
    with qtbot.waitSignal(notifier.notified, timeout=2000):
        assert notifier.check() is not None
    assert len(messages) == 1 and "Oktober 2026" in messages[0]
    ctx.db.clock.advance(hours=3)
    assert notifier.check() is None and len(messages) == 1  # same day: once
    ctx.db.clock = FrozenClock("2026-11-06 08:00")
    assert notifier.check() is not None and len(messages) == 2
    notifier.stop()


def test_laporan_screen_shows_a_return_and_its_reason(qtbot, ctx, org):
    ctx.db.clock = FrozenClock("2026-11-08 08:00")
    rid = _report(ctx.db, org.opd_id, "submitted")
    with ctx.db.transaction() as s:
        s.add(CentralReview(central_id=7, report_id=rid, year=2026, month=10, revision=1, decision="returned",
                            reason="SPTJM belum ditandatangani kepala OPD", reviewed_by="bkpsdm_uji",
                            reviewed_at=dt.datetime(2026, 11, 7, 14, 30)))
    view = ReportsView(ctx)
    qtbot.addWidget(view)
    view.year.setValue(2026)
    view.month.setCurrentIndex(9)
    view.refresh()
    assert view.period() == (2026, 10)
    assert not view.review_banner.isHidden()
    text = view.review_banner.text()
    assert "DIKEMBALIKAN" in text and "SPTJM belum ditandatangani kepala OPD" in text and "07-11-2026 14.30" in text  # services/timefmt.py: one time format
    assert "buat revisi baru" in text
    assert view.reason.text().startswith("Menjawab pengembalian BKPSDM atas revisi 1")
    assert view.gen_button.text() == "Buat revisi baru"
    decision = view.rev_model.data(view.rev_model.index(0, 6))
    assert decision.startswith("Dikembalikan 07-11-2026 14.30")
