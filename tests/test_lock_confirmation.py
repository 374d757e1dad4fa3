"""Locking a month asks first, saying what will happen and to whom; "Tidak" leaves the month open."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from desktop.views.reconcile import ReconcileView
from services.reconcile.period import get_period
from tests.gui_helpers import make_context


def test_lock_says_what_happens_and_to_whom(qtbot, db, org, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    view = ReconcileView(make_context(db, "kepala"))
    qtbot.addWidget(view)
    view.period.set_value(2026, 10)
    view.unit.setCurrentIndex(1)  # one unit shown: the lock still covers the whole OPD, and the box says so
    asked: list[tuple[str, str, object]] = []
    answer = [QMessageBox.StandardButton.No]

    def question(_parent, title, text, *_a, **kw):  # type: ignore[no-untyped-def]
        asked.append((title, text, kw.get("defaultButton")))
        return answer[0]

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    view.lock_btn.click()
    [(title, text, default)] = asked
    assert title == "Kunci periode"
    assert "Periode Oktober 2026 dikunci untuk seluruh 12 pegawai OPD ini" in text
    assert "koreksi, surat dan hitung ulang untuk bulan itu ditolak sampai Kepala OPD membuka kunci dengan alasan" in text
    assert default == QMessageBox.StandardButton.No  # Enter does not lock by accident
    with db.session() as s:
        assert get_period(s, org.opd_id, 2026, 10) is None  # "Tidak": nothing changed
    answer[0] = QMessageBox.StandardButton.Yes
    view.lock_btn.click()
    with db.session() as s:
        assert get_period(s, org.opd_id, 2026, 10).status == "locked"
    assert "Dikunci" in view.lock_label.text() or "dikunci" in view.lock_label.text().lower()


def test_lock_over_days_to_review_asks_the_signer_for_a_reason(qtbot, db, org, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import desktop.views.reconcile as reconcile_view
    from services.policy.model import load_policy
    from services.reconcile.engine import recompute

    with db.transaction() as s:  # nobody punched in September: every working day is TK, i.e. to review
        recompute(s, 2026, 9, load_policy("default"))
    view = ReconcileView(make_context(db, "kepala"))
    qtbot.addWidget(view)
    view.period.set_value(2026, 9)
    texts: list[str] = []

    def question(_parent, _title, text, *_a, **_kw):  # type: ignore[no-untyped-def]
        texts.append(text)
        return QMessageBox.StandardButton.Yes

    reasons: list[str | None] = [None]
    asked: list[str] = []

    def ask_text(_parent, _title, label, **_kw):  # type: ignore[no-untyped-def]
        asked.append(label)
        return reasons[0]

    refusals: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    monkeypatch.setattr(reconcile_view, "ask_text", ask_text)
    monkeypatch.setattr(reconcile_view, "present_refusal", lambda _w, exc: refusals.append(str(exc)))
    view.lock_btn.click()
    assert "memerlukan alasan tertulis Kepala OPD" in texts[0]
    assert "hari di September 2026 masih perlu ditinjau" in asked[0]
    with db.session() as s:
        assert get_period(s, org.opd_id, 2026, 9) is None  # reason dialog cancelled: nothing changed
    reasons[0] = "ok"  # too short: the service refuses, the screen shows its message
    view.lock_btn.click()
    assert refusals and "perlu ditinjau" in refusals[0]
    reasons[0] = "Semua TK September sudah dipanggil"
    view.lock_btn.click()
    with db.session() as s:
        assert get_period(s, org.opd_id, 2026, 9).status == "locked"


def test_lock_of_a_month_that_has_not_ended_is_refused_with_a_message(qtbot, db, org, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import desktop.views.reconcile as reconcile_view

    view = ReconcileView(make_context(db, "kepala"))
    qtbot.addWidget(view)
    view.period.set_value(2026, 11)  # the suite's clock is 25 November 2026
    refusals: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *_a, **_k: QMessageBox.StandardButton.Yes))
    monkeypatch.setattr(reconcile_view, "present_refusal", lambda _w, exc: refusals.append(str(exc)))
    view.lock_btn.click()
    assert refusals and "belum berakhir" in refusals[0]
    with db.session() as s:
        assert get_period(s, org.opd_id, 2026, 11) is None
