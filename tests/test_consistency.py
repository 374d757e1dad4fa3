"""One name per state on every screen (services/labels.py), one time format (services/timefmt.py), no raw
status codes in sentences or lists, and the demo's certificate passphrase shown with the demo logins."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QLabel

from desktop.app import _login_hint
from desktop.login import LoginDialog
from desktop.views.dashboard import DashboardView
from desktop.views.reconcile import ReconcileView
from desktop.views.reports import ReportsView
from services.clock import FrozenClock
from services.labels import PERIOD_STATE, day_status_label, period_label
from services.timefmt import jam, jam_pada, tanggal_jam, tanggal_jam_zona
from tests.frozen import FROZEN_NOW
from tests.gui_helpers import make_context
from tests.report_fixtures import lock_period


def test_time_format_is_one() -> None:
    t = dt.datetime(2026, 12, 1, 8, 21, 5)
    assert jam(t) == "08.21" and tanggal_jam(t) == "01-12-2026 08.21"
    assert jam_pada(dt.datetime(2026, 12, 2, 0, 15), dt.date(2026, 12, 1)) == "00.15 (02/12)"
    aware = dt.datetime(2026, 12, 1, 1, 21, tzinfo=dt.UTC)
    assert tanggal_jam_zona(aware, "Asia/Jakarta") == "01-12-2026 08.21 WIB"
    assert tanggal_jam_zona(aware, "Asia/Makassar") == "01-12-2026 09.21 WITA"
    assert jam(None) == "-"


def test_a_state_has_one_name_on_every_screen(qtbot, db, org) -> None:  # type: ignore[no-untyped-def]
    lock_period(db, org.opd_id, 2026, 10)
    ctx = make_context(db, "kepala")
    rec, rep, dash = ReconcileView(ctx), ReportsView(ctx), DashboardView(ctx)
    for w in (rec, rep, dash):
        qtbot.addWidget(w)
    for month, state in ((10, "locked"), (9, "open")):
        rec.period.set_value(2026, month)
        rec.refresh()
        rep.year.setValue(2026)
        rep.month.setCurrentIndex(month - 1)
        rep.refresh()
        name = PERIOD_STATE[state]
        assert name in rec.lock_label.text(), rec.lock_label.text()
        assert rep.period_label.text().startswith(name), rep.period_label.text()
    assert period_label(None) == "Terbuka"  # a month without a period row is open, by the same name
    dash.refresh()
    assert dash.cards["period"].value.text() in PERIOD_STATE.values()
    assert day_status_label("BELUM") == "Belum ada data (hari ini)" and day_status_label("TK") == "Tanpa keterangan"


def test_review_list_names_statuses(qtbot, db, org) -> None:  # type: ignore[no-untyped-def]
    from services.calendar.seed import seed_calendar
    from services.demo.month import seed_demo_month

    with db.transaction() as s:
        seed_calendar(s, [2026])
        seed_demo_month(s, org.opd_id, 2026, 10, today=dt.date(2026, 11, 10))
    view = ReconcileView(make_context(db, "operator"))
    qtbot.addWidget(view)
    view.period.set_value(2026, 10)
    view.refresh()
    shown = {view.exc_model.index(r, 3).data() for r in range(view.exc_model.rowCount())}
    assert shown and not shown & {"TK", "BELUM", "H"}, shown
    times = [view.exc_model.index(r, 5).data() for r in range(view.exc_model.rowCount())]
    assert all(t == "-" or (len(t) == 5 and t[2] == ".") for t in times), times


def test_demo_login_shows_the_certificate_passphrase(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from services.demo.build import DEMO_CERT_PASSPHRASE, build_demo
    from services.store.db import open_database

    res = build_demo(tmp_path / "presensi.sqlite", 8, 2, clock=FrozenClock(FROZEN_NOW), with_central=False)
    db = open_database(res.db_path, clock=FrozenClock(FROZEN_NOW))
    try:
        dlg = LoginDialog(db, "Demo", hint=_login_hint(db))
        qtbot.addWidget(dlg)
        texts = " ".join(lbl.text() for lbl in dlg.findChildren(QLabel))
        assert "presensi123" in texts and f"Kata sandi sertifikat tanda tangan demo (kepala): {DEMO_CERT_PASSPHRASE}" in texts
        assert res.reports  # the demo's reports were signed with exactly that passphrase
    finally:
        db.dispose()
