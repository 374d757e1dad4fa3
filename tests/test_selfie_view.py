"""The verification queue screen: keyboard decisions write audited verdicts."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from sqlalchemy import select

from desktop.views.selfie import SelfieQueueView
from services.demo.mobile_bundle import add_demo_reference_photos
from services.mobile.importer import import_bundle
from services.selfie.service import run_checks
from services.store.models import AuditEvent, Employee, SelfieCheck, User
from tests.gui_helpers import make_context
from tests.mobile_fixtures import csv_text, row, synthetic_face, write_zip


def _seed_queue(db, org, tmp_path) -> list[int]:
    with db.session() as s:
        boss = s.execute(select(User.employee_id).where(User.username == "atasan")).scalar_one()
        subs = s.execute(select(Employee).where(Employee.supervisor_id == boss).order_by(Employee.id)).scalars().all()
        staff = [(e.id, e.nip, e.phones[0].phone_id) for e in subs][:3]
    with db.transaction() as s:
        add_demo_reference_photos(s, db.path, [e for e, _, _ in staff])
    rows, photos = [], {}
    for i, (_e, nip, hp) in enumerate(staff):
        photos[f"f{i}.jpg"] = synthetic_face(300 + 50 * i, i)
        rows.append(row(nip, f"2026-03-02 07:{10 + i:02d}:00", f"f{i}.jpg", phone=hp))
    res = import_bundle(db, write_zip(tmp_path / "q.zip", {"presensi.csv": csv_text(rows), **photos}),
                        now=dt.datetime(2026, 3, 3))
    run_checks(db, res.punch_ids)
    return res.punch_ids


def _verdicts(db):
    with db.session() as s:
        return [(c.verdict, c.verifier, c.reason) for c in s.execute(select(SelfieCheck).order_by(SelfieCheck.punch_id)).scalars()]


def test_keyboard_approve_reject_manipulation(qtbot, db, org, tmp_path):
    _seed_queue(db, org, tmp_path)
    view = SelfieQueueView(make_context(db, "atasan"))
    qtbot.addWidget(view)
    view.resize(1200, 720)
    view.show()
    assert view.model.rowCount() == 3
    assert view.selfie.pixmap() is not None and not view.selfie.pixmap().isNull()
    assert not view.reference.pixmap().isNull()
    view.grab().save(str(tmp_path / "selfie_queue.png"))

    qtbot.keyClick(view, Qt.Key.Key_A)  # approve the first, move to the second
    assert view.current_row() == 1
    qtbot.keyClick(view, Qt.Key.Key_R)  # reject: a reason is required
    assert view.reason.hasFocus() or view.pending_verdict == "rejected"
    qtbot.keyClick(view.reason, Qt.Key.Key_Return)  # empty reason is refused
    assert "wajib" in view.message.text()
    qtbot.keyClicks(view.reason, "Bukan wajah pegawai")
    qtbot.keyClick(view.reason, Qt.Key.Key_Return)
    assert view.current_row() == 2
    qtbot.keyClick(view, Qt.Key.Key_Up)
    qtbot.keyClick(view, Qt.Key.Key_Down)
    qtbot.keyClick(view.table, Qt.Key.Key_M)  # keys work while the list has focus too
    qtbot.keyClicks(view.reason, "Foto layar HP")
    qtbot.keyClick(view.reason, Qt.Key.Key_Return)

    assert _verdicts(db) == [("approved", "atasan", ""), ("rejected", "atasan", "Bukan wajah pegawai"),
                             ("manipulation", "atasan", "Foto layar HP")]
    with db.session() as s:
        events = s.execute(select(AuditEvent).where(AuditEvent.action == "selfie.verdict")).scalars().all()
    assert [e.username for e in events] == ["atasan"] * 3
    view.status_combo.setCurrentIndex(0)
    view.refresh()
    assert view.model.rowCount() == 0  # nothing left pending


def test_escape_cancels_reason_and_operator_cannot_decide(qtbot, db, org, tmp_path):
    _seed_queue(db, org, tmp_path)
    view = SelfieQueueView(make_context(db, "atasan"))
    qtbot.addWidget(view)
    view.show()
    qtbot.keyClick(view, Qt.Key.Key_R)
    qtbot.keyClicks(view.reason, "salah tekan")
    qtbot.keyClick(view.reason, Qt.Key.Key_Escape)
    assert view.pending_verdict is None
    assert _verdicts(db)[0][0] == "pending"

    op_view = SelfieQueueView(make_context(db, "operator"))
    qtbot.addWidget(op_view)
    qtbot.keyClick(op_view, Qt.Key.Key_A)
    assert op_view.model.rowCount() == 0 and "khusus atasan" in op_view.message.text()
    assert all(v[0] == "pending" for v in _verdicts(db))
