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
