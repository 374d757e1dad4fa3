"""The verification queue screen: riskiest first, score in words, best reference; keyboard verdicts are audited."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from sqlalchemy import select

from desktop.models.selfie_queue import FACE_COLUMN, FLAGS_COLUMN
from desktop.views.selfie import SelfieQueueView
from services.demo.faces import DemoFaces
from services.demo.mobile_bundle import add_demo_reference_photos
from services.mobile.importer import import_bundle
from services.selfie.service import add_reference_photo, run_checks
from services.store.models import AuditEvent, Employee, SelfieCheck, User
from tests.faces_fixtures import face_set, photo_bytes
from tests.gui_helpers import make_context
from tests.mobile_fixtures import csv_text, row, synthetic_face, write_zip


def _subordinates(db) -> list[tuple[int, str, str]]:
    """The first three whose atasan langsung is the `kepala` login (the Sekretaris and both Kepala Bidang)."""
    with db.session() as s:
        boss = s.execute(select(User.employee_id).where(User.username == "kepala")).scalar_one()
        subs = s.execute(select(Employee).where(Employee.supervisor_id == boss).order_by(Employee.id)).scalars().all()
        return [(e.id, e.nip, e.phones[0].phone_id) for e in subs][:3]


def _seed_queue(db, org, tmp_path, selfies: list[bytes] | None = None, references: list[list[bytes]] | None = None) -> list[int]:
    staff = _subordinates(db)
    with db.transaction() as s:
        if references is None:
            add_demo_reference_photos(s, db.path, [e for e, _, _ in staff], faces=DemoFaces([]))
        else:
            for (emp, _nip, _hp), refs in zip(staff, references, strict=True):
                for data in refs:
                    add_reference_photo(s, db.path, emp, data, "admin", now=dt.datetime(2026, 2, 1, 9, 0))
    rows, photos = [], {}
    for i, (_e, nip, hp) in enumerate(staff):
        photos[f"f{i}.jpg"] = selfies[i] if selfies else synthetic_face(300 + 50 * i, i)
        rows.append(row(nip, f"2026-03-02 07:{10 + i:02d}:00", f"f{i}.jpg", phone=hp))
    res = import_bundle(db, write_zip(tmp_path / "q.zip", {"presensi.csv": csv_text(rows), **photos}),
                        now=dt.datetime(2026, 3, 3))
    run_checks(db, res.punch_ids)
    return res.punch_ids


def _verdicts(db, check_ids=None):
    """Verdicts in the order of ``check_ids`` (the rows as the screen listed them), else by punch."""
    with db.session() as s:
        checks = {c.id: c for c in s.execute(select(SelfieCheck)).scalars()}
        order = check_ids or [c.id for c in sorted(checks.values(), key=lambda c: c.punch_id)]
        return [(checks[i].verdict, checks[i].verifier, checks[i].reason) for i in order]


def test_keyboard_approve_reject_manipulation(qtbot, db, org, tmp_path):
    _seed_queue(db, org, tmp_path)
    view = SelfieQueueView(make_context(db, "kepala"))
    qtbot.addWidget(view)
    view.resize(1200, 720)
    view.show()
    assert view.model.rowCount() == 3
    assert view.selfie.pixmap() is not None and not view.selfie.pixmap().isNull()
    assert not view.reference.pixmap().isNull()
    view.grab().save(str(tmp_path / "selfie_queue.png"))
    rows = [view.model.item(r).check_id for r in range(view.model.rowCount())]

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

    assert _verdicts(db, rows) == [("approved", "kepala", ""), ("rejected", "kepala", "Bukan wajah pegawai"),
                                   ("manipulation", "kepala", "Foto layar HP")]
    with db.session() as s:
        events = s.execute(select(AuditEvent).where(AuditEvent.action == "selfie.verdict")).scalars().all()
    assert [e.username for e in events] == ["kepala"] * 3
    view.status_combo.setCurrentIndex(0)
    view.refresh()
    assert view.model.rowCount() == 0  # nothing left pending


def test_escape_cancels_reason_and_operator_cannot_decide(qtbot, db, org, tmp_path):
    _seed_queue(db, org, tmp_path)
    view = SelfieQueueView(make_context(db, "kepala"))
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


def test_queue_puts_the_other_person_first_with_words_and_best_reference(qtbot, db, org, tmp_path):
    face_set()
    # three subordinates: A with two references, B, C; B's punch carries a photo of someone else (img13)
    refs = [[photo_bytes("img1.jpg"), photo_bytes("img2.jpg")], [photo_bytes("img20.jpg")], [photo_bytes("img22.jpg")]]
    selfies = [photo_bytes("img4.jpg"), photo_bytes("img13.jpg"), photo_bytes("img23.jpg")]
    _seed_queue(db, org, tmp_path, selfies, refs)
    view = SelfieQueueView(make_context(db, "kepala"))
    qtbot.addWidget(view)
    view.resize(1280, 760)
    view.show()
    model = view.model
    assert model.rowCount() == 3
    assert model.headerData(FACE_COLUMN, Qt.Orientation.Horizontal) == "Wajah"
    first = model.item(0)
    staff = _subordinates(db)
    assert first.employee_id == staff[1][0]  # the suspected different person heads the queue
    assert model.index(0, FACE_COLUMN).data() == "kemungkinan orang lain"
    assert model.index(0, FACE_COLUMN).data(Qt.ItemDataRole.BackgroundRole) is not None
    assert "jarak wajah" in model.index(0, FLAGS_COLUMN).data(Qt.ItemDataRole.ToolTipRole)
    assert [model.item(r).risk for r in range(3)] == sorted((model.item(r).risk for r in range(3)), reverse=True)
    assert view.info["face"].text().startswith("kemungkinan orang lain (jarak ")
    assert view.info["risk"].text() == "tinggi — kemungkinan orang lain"
    view.grab().save(str(tmp_path / "selfie_queue_risk.png"))
    # A's selfie: matched, and the screen names which of A's two references was nearest
    row_a = next(r for r in range(3) if model.item(r).employee_id == staff[0][0])
    view.table.selectRow(row_a)
    assert model.index(row_a, FACE_COLUMN).data() in ("mirip", "sangat mirip")
    assert view.info["reference"].text().startswith("referensi ") and "dari 2, 2026-02-01" in view.info["reference"].text()
    assert view.reference.pixmap() is not None and not view.reference.pixmap().isNull()
