"""Cuti tahunan balance on the Pegawai and Surat screens; setting the atasan langsung (service and dialog)."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select

import services.reconcile  # noqa: F401  (installs the recompute used by letters)
from desktop.views.employee_supervisor import SupervisorDialog
from desktop.views.employees import EmployeesView
from desktop.views.letters import LetterDialog
from services.auth.users import AuthError, CurrentUser
from services.calendar.schedules import seed_standard_schedules
from services.errors import BadInputError
from services.letters.register import create_letter
from services.org.supervisor import set_supervisor
from services.store.models import AuditEvent, Employee, Letter, Setting
from tests.gui_helpers import make_context

OPERATOR = CurrentUser(id=2, username="operator", full_name="Operator", roles=frozenset({"operator"}))


@pytest.fixture
def emp(db, org) -> int:  # type: ignore[no-untyped-def]
    e = org.employee_ids[10]
    with db.transaction() as s:
        seed_standard_schedules(s)
        row = s.get(Employee, e)
        row.nip, row.active_from = "198503122010031002", None
        s.add(Setting(key="leave.history_from", value="2025"))
        # 2025: 10 working days (Mon 3 - Fri 14 Feb) -> 2026: 12 + 2 = 14
        create_letter(s, "operator", "CT", "851/1/2025", dt.date(2025, 2, 3), dt.date(2025, 2, 3),
                      dt.date(2025, 2, 14), [e], today=dt.date(2026, 11, 25))
    return e


def test_letter_dialog_shows_the_balance_and_refuses_over_it(qtbot, db, org, emp, monkeypatch) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: shown.append(text))
    ctx = make_context(db, "operator")
    dlg = LetterDialog(ctx)
    qtbot.addWidget(dlg)
    dlg.kind.setCurrentIndex(dlg.kind.findData("CT"))
    dlg.number.setText("851/2/2026")
    dlg.letter_date.setDate(QDate(2026, 3, 2))
    dlg.date_from.setDate(QDate(2026, 3, 2))
    dlg.date_to.setDate(QDate(2026, 3, 20))  # Mon 2 - Fri 20 Mar: 15 working days (no holidays in this data)
    dlg.set_checked([emp])
    text = dlg.balance.text()
    assert "Cuti tahunan 2026: hak 14 hari kerja = 12 + 2 sisa tahun lalu, terpakai 0, sisa 14" in text
    assert "surat ini 15 hari kerja" in text and "DITOLAK" in text
    dlg._save()
    assert len(shown) == 1 and "hak 14 hari kerja, terpakai 0, sisa 14, diminta 15 hari kerja" in shown[0]
    dlg.date_to.setDate(QDate(2026, 3, 19))  # 14: fits
    assert "DITOLAK" not in dlg.balance.text()
    dlg._save()
    assert dlg.result() == dlg.DialogCode.Accepted
    with db.session() as s:
        assert s.execute(select(Letter.number).where(Letter.number == "851/2/2026")).scalar_one()


def test_employee_screen_shows_the_balance_of_the_selected_employee(qtbot, db, org, emp) -> None:
    ctx = make_context(db, "operator")
    view = EmployeesView(ctx)
    qtbot.addWidget(view)
    view.refresh()
    row = next(r for r in range(view.model.rowCount()) if view.model.row(r)[0] == emp)
    view.table.selectRow(row)
    # the frozen today is in 2026: 14 days (12 + 2 left from 2025), none taken yet
    assert "Cuti tahunan 2026: hak 14 hari kerja = 12 + 2 sisa tahun lalu, terpakai 0, sisa 14" in view.leave.text()
    with db.transaction() as s:
        s.get(Employee, org.employee_ids[11]).kind = "PTT"
    other = next(r for r in range(view.model.rowCount()) if view.model.row(r)[0] == org.employee_ids[11])
    view.table.selectRow(other)
    assert "PTT/non-ASN tidak dihitung" in view.leave.text()


def test_supervisor_dialog_sets_the_chain_the_notices_follow(qtbot, db, org, monkeypatch) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: shown.append(text))
    ctx = make_context(db, "operator")
    staff, kasi, kabid = org.employee_ids[10], org.employee_ids[7], org.employee_ids[1]
    dlg = SupervisorDialog(ctx, kasi)
    qtbot.addWidget(dlg)
    dlg.choice.setCurrentIndex(dlg.choice.findData(staff))  # the kasi under his own staff: a loop
    assert not dlg.save() and "lingkaran" in shown[0]
    dlg.choice.setCurrentIndex(dlg.choice.findData(kabid))
    assert dlg.save()
    dlg = SupervisorDialog(ctx, staff)
    qtbot.addWidget(dlg)
    assert dlg.choice.currentData() == kasi
    dlg.choice.setCurrentIndex(0)  # "(belum ada atasan langsung)"
    assert dlg.save()
    with db.session() as s:
        assert s.get(Employee, staff).supervisor_id is None
        events = s.execute(select(AuditEvent).where(AuditEvent.action == "employee.supervisor")).scalars().all()
        assert len(events) == 2


def test_set_supervisor_refusals(db, org) -> None:
    ids = org.employee_ids
    with db.transaction() as s:
        with pytest.raises(BadInputError, match="atasan langsungnya sendiri"):
            set_supervisor(s, OPERATOR, ids[4], ids[4])
        with pytest.raises(BadInputError, match="lingkaran"):
            set_supervisor(s, OPERATOR, ids[0], ids[10])  # the Kepala under a staff member of his own chain
        viewer = CurrentUser(id=9, username="tamu", full_name="Tamu", roles=frozenset({"signer"}))
        with pytest.raises(AuthError):
            set_supervisor(s, viewer, ids[4], ids[1])
        assert set_supervisor(s, OPERATOR, ids[4], ids[1]).employees
        assert s.get(Employee, ids[4]).supervisor_id == ids[1]


def test_letter_dialog_balance_only_for_cuti_tahunan(qtbot, db, org, emp) -> None:
    ctx = make_context(db, "operator")
    dlg = LetterDialog(ctx)
    qtbot.addWidget(dlg)
    dlg.kind.setCurrentIndex(dlg.kind.findData("DL"))
    dlg.set_checked([emp])
    assert dlg.balance.text() == "hanya untuk cuti tahunan"
    dlg.kind.setCurrentIndex(dlg.kind.findData("CT"))
    assert "sisa 14" in dlg.balance.text()
