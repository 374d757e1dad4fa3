"""People and accounts: employees (add, edit, deactivate, atasan langsung, PINs) and users (add, own
password, reset, deactivate), with the roles enforced in services; screens shown only to the roles
that use them (desktop/views SCREEN_ROLES), and the dashboard's counts are the user's own work."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select

from desktop.main_window import MainWindow
from desktop.views.accounts import AccountDialog, AccountsPanel, OwnPasswordDialog, ResetPasswordDialog
from desktop.views.employee_dialogs import DeactivateDialog, EmployeeDialog
from desktop.views.employees import EmployeesView
from services.auth.accounts import (
    AccountError,
    add_account,
    change_own_password,
    list_accounts,
    reset_password,
    set_account_active,
)
from services.auth.users import AuthError, authenticate, to_current
from services.devices.pins import PinTakenError, set_employee_pins
from services.errors import ConflictError, PermissionDeniedError
from services.org.employees import (
    EmployeeData,
    EmployeeError,
    add_employee,
    deactivate_employee,
    detail,
    set_supervisor,
    update_employee,
)
from services.org.nip import make_nip
from services.store.models import AuditEvent, Employee, EmployeePin, Punch, SelfieCheck, User
from tests.gui_helpers import make_context

NEW_NIP = make_nip(dt.date(1990, 5, 17), (2015, 3), "P", 7)


def _user(db, username: str):  # type: ignore[no-untyped-def]
    with db.session() as s:
        return to_current(s.execute(select(User).where(User.username == username)).scalar_one())


def _idle(qtbot, win: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """Let the queued refresh() run and the dashboard's background read finish (closing asks otherwise)."""
    qtbot.wait(20)
    qtbot.waitUntil(lambda: not win.ctx.runner.active(), timeout=20000)


def _audit(db, action: str) -> list[AuditEvent]:
    with db.session() as s:
        return list(s.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars())


def test_employee_services_enforce_role_and_rules(db, org) -> None:  # type: ignore[no-untyped-def]
    operator, atasan = _user(db, "operator"), _user(db, "atasan")
    data = EmployeeData(NEW_NIP, "  Sri   Wahyuni ", "PNS", org.unit_ids[0], "Analis Kepegawaian", "III/b", 7, 3_500_000)
    with db.transaction() as s, pytest.raises(PermissionDeniedError):
        add_employee(s, atasan, org.opd_id, data)
    with db.transaction() as s:
        emp_id = add_employee(s, operator, org.opd_id, data)
    with db.session() as s:
        d = detail(s, org.opd_id, emp_id)
        assert (d.data.name, d.data.golongan, d.data.tpp_base) == ("Sri Wahyuni", "III/B", 3_500_000)
        assert s.get(Employee, emp_id).gender == "P"  # from the NIP
    with db.transaction() as s, pytest.raises(ConflictError, match="sudah dipakai"):
        add_employee(s, operator, org.opd_id, data)
    with db.transaction() as s, pytest.raises(EmployeeError, match="Kolom NIP / NI PPPK: NIP '123' harus 18 digit"):
        add_employee(s, operator, org.opd_id, EmployeeData("123", "X", "PNS"))

    with db.transaction() as s:
        update_employee(s, operator, org.opd_id, emp_id, EmployeeData(NEW_NIP, "Sri Wahyuni", "PNS", org.unit_ids[0],
                                                                      "Kepala Subbagian", "III/c", 9, 4_000_000))
    [ev] = _audit(db, "employee.update")
    assert '"jabatan": {"dari": "Analis Kepegawaian", "ke": "Kepala Subbagian"}' in ev.detail

    a, b = org.employee_ids[1], org.employee_ids[2]
    with db.transaction() as s:
        set_supervisor(s, operator, org.opd_id, b, a)
        set_supervisor(s, operator, org.opd_id, emp_id, b)
    with db.transaction() as s, pytest.raises(EmployeeError, match="melingkar"):
        set_supervisor(s, operator, org.opd_id, a, emp_id)  # emp -> b -> a -> emp
    with db.transaction() as s, pytest.raises(EmployeeError, match="dirinya sendiri"):
        set_supervisor(s, operator, org.opd_id, a, a)

    with db.transaction() as s, pytest.raises(EmployeeError, match="Alasan"):
        deactivate_employee(s, operator, org.opd_id, emp_id, dt.date(2026, 11, 30), "")
    with db.transaction() as s:
        deactivate_employee(s, operator, org.opd_id, emp_id, dt.date(2026, 11, 30), "mutasi ke BKPSDM")
    with db.session() as s:
        assert s.get(Employee, emp_id).active_to == dt.date(2026, 11, 30)
    with db.transaction() as s, pytest.raises(EmployeeError, match="nonaktif"):
        set_supervisor(s, operator, org.opd_id, a, emp_id)  # a deactivated employee supervises nobody new


def test_device_pins_attribute_punches_and_refuse_a_taken_pin(db, org) -> None:  # type: ignore[no-untyped-def]
    operator = _user(db, "operator")
    e = org.employee_ids[3]
    with db.transaction() as s:
        s.add(Punch(source="device", source_serial="SN1", pin="9901", ts=dt.datetime(2026, 11, 20, 7, 21)))
        other_pin = s.execute(select(EmployeePin.pin).where(EmployeePin.employee_id == org.employee_ids[4])).scalar()
    with db.transaction() as s, pytest.raises(PermissionDeniedError):
        set_employee_pins(s, _user(db, "atasan"), e, ["9901"])
    with db.transaction() as s:
        assert set_employee_pins(s, operator, e, ["9901", " 9901 "]) == 1
    with db.session() as s:
        assert s.execute(select(Punch.employee_id).where(Punch.pin == "9901")).scalar() == e
        assert sorted(detail(s, org.opd_id, e).pins) == ["9901"]  # the old PIN was replaced
    with pytest.raises(PinTakenError), db.transaction() as s:
        set_employee_pins(s, operator, e, ["9902", other_pin])
    with db.session() as s:  # refused: nothing changed
        assert detail(s, org.opd_id, e).pins == ("9901",)


def test_account_services(db, org) -> None:  # type: ignore[no-untyped-def]
    admin, operator = _user(db, "admin"), _user(db, "operator")
    with db.transaction() as s, pytest.raises(PermissionDeniedError):
        add_account(s, operator, "budi", "Budi", "rahasia-budi", ["operator"])
    with db.transaction() as s, pytest.raises(AccountError, match="ditautkan"):
        add_account(s, admin, "budi", "Budi", "rahasia-budi", ["verifier"])
    with db.transaction() as s, pytest.raises(AccountError, match="minimal 8"):
        add_account(s, admin, "budi", "Budi", "pendek", ["operator"])
    with db.transaction() as s:
        budi_id = add_account(s, admin, "budi", "Budi", "rahasia-budi", ["operator"])
    with db.transaction() as s:
        budi = authenticate(s, "budi", "rahasia-budi")
    with db.transaction() as s, pytest.raises(AuthError, match="saat ini salah"):
        change_own_password(s, budi, "keliru", "sandi-baru-budi")
    assert len(_audit(db, "user.password_failed")) == 1  # the wrong attempt is on record
    with db.transaction() as s:
        change_own_password(s, budi, "rahasia-budi", "sandi-baru-budi")
    with db.transaction() as s, pytest.raises(PermissionDeniedError):
        reset_password(s, budi, admin.id, "ambil-alih-admin")
    with db.transaction() as s:
        reset_password(s, admin, budi_id, "dari-admin-123")
        authenticate(s, "budi", "dari-admin-123")
    with db.transaction() as s, pytest.raises(AccountError, match="sendiri"):
        set_account_active(s, admin, admin.id, False)
    with db.transaction() as s:
        second = add_account(s, admin, "admin2", "Admin Dua", "admin-dua-123", ["admin"])
        set_account_active(s, admin, budi_id, False)
    with db.transaction() as s, pytest.raises(AuthError):
        authenticate(s, "budi", "dari-admin-123")
    with db.transaction() as s:
        set_account_active(s, to_current(s.get(User, second)), admin.id, False)
    with db.transaction() as s, pytest.raises(AccountError, match="satu-satunya Administrator"):
        set_account_active(s, admin, second, False)  # (admin is inactive now; admin2 is the last one)
    with db.session() as s:
        assert "budi" in {a.username for a in list_accounts(s, to_current(s.get(User, second)))}
        with pytest.raises(PermissionDeniedError):
            list_accounts(s, operator)


def test_navigation_shows_each_role_its_screens(qtbot, db, org) -> None:  # type: ignore[no-untyped-def]
    def visible(username: str) -> tuple[MainWindow, list[str]]:
        win = MainWindow(make_context(db, username))
        qtbot.addWidget(win)
        _idle(qtbot, win)
        shown = [win.nav.item(i).text() for i in range(win.nav.count()) if not win.nav.item(i).isHidden()]
        return win, shown

    win, atasan = visible("atasan")
    assert atasan == ["Verifikasi Swafoto"]  # the atasan sees only his selfie queue
    assert win.current_key() == "swafoto"
    assert win.open_screen("pengaturan") is not win._views.get(win.row_of("pengaturan"))
    assert win.current_key() == "swafoto"
    menu = [a.text() for a in win.menu_bar.actions()[1].menu().actions()]
    assert "Pengaturan" not in menu and "Verifikasi Swafoto" in menu
    from desktop.finder import FinderDialog

    finder = FinderDialog(win.ctx, win)
    qtbot.addWidget(finder)
    finder.query.setText("pengaturan")
    finder.search()
    assert all("Pengaturan" not in finder.results.item(i).text() for i in range(finder.results.count()))
    win.close()

    _, operator = visible("operator")
    assert "Pengaturan" not in operator and "Kiriman OPD (BKPSDM)" not in operator and "Verifikasi Swafoto" not in operator
    assert {"Pegawai", "Perangkat", "Rekonsiliasi", "Laporan Bulanan"} <= set(operator)
    _, kepala = visible("kepala")
    assert kepala == ["Dasbor", "Rekonsiliasi", "Verifikasi Swafoto", "TPP & Disiplin", "Laporan Bulanan"]
    _, admin = visible("admin")
    assert len(admin) == win.nav.count()


def test_dashboard_counts_are_the_users_own_work(qtbot, db, org) -> None:  # type: ignore[no-untyped-def]
    kepala = _user(db, "kepala")
    with db.transaction() as s:
        mine = [e for e in s.execute(select(Employee)).scalars() if e.supervisor_id == kepala.employee_id]
        others = [e for e in s.execute(select(Employee)).scalars()
                  if e.supervisor_id != kepala.employee_id and e.id != kepala.employee_id]
        assert mine and others
        for n, e in enumerate([mine[0], others[0], others[1]]):
            p = Punch(source="mobile", source_serial="MOBILE", pin="", ts=dt.datetime(2026, 11, 24, 7, n),
                      employee_id=e.id, photo_path="x.jpg")
            s.add(p)
            s.flush()
            s.add(SelfieCheck(punch_id=p.id, verdict="pending"))
    win = MainWindow(make_context(db, "kepala"))
    qtbot.addWidget(win)
    _idle(qtbot, win)
    dash = win.view("dasbor")
    dash.refresh()
    _idle(qtbot, win)
    # the figure arrives through a queued signal after the background read ends: wait for it, not for the runner
    qtbot.waitUntil(lambda: dash.cards["selfies"].value.text() == "1", timeout=20000)  # his team's, not the OPD's 3
    assert "review" not in dash.cards and "devices" not in dash.cards  # a Kepala OPD corrects no days
    op = MainWindow(make_context(db, "operator"))
    qtbot.addWidget(op)
    _idle(qtbot, op)
    odash = op.view("dasbor")
    assert "selfies" not in odash.cards and "review" in odash.cards


def test_employee_screen_add_edit_deactivate(qtbot, db, org, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _p, _t, text: warnings.append(text)))
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda *_a: pytest.fail("unexpected notice")))
    ctx = make_context(db, "operator")
    view = EmployeesView(ctx)
    qtbot.addWidget(view)
    view.refresh()
    n = view.model.rowCount()
    dlg = view.add_employee()
    qtbot.addWidget(dlg)
    dlg.nip.setText(NEW_NIP)
    dlg.name.setText("Sri Wahyuni")
    dlg.kind.setCurrentIndex(dlg.kind.findData("PNS"))
    dlg.supervisor.setCurrentIndex(1)
    dlg.pins.setText("7701, 7702")
    assert dlg.save(), warnings
    view.refresh()
    assert view.model.rowCount() == n + 1
    with db.session() as s:
        emp = s.execute(select(Employee).where(Employee.nip == NEW_NIP)).scalar_one()
        assert emp.supervisor_id == dlg.supervisor.itemData(1)
        assert sorted(p.pin for p in emp.pins) == ["7701", "7702"]
        emp_id = emp.id
    view.search.setText(NEW_NIP)
    view.refresh()
    view.table.selectRow(0)
    edit = view.edit_selected()
    qtbot.addWidget(edit)
    assert edit.pins.text() == "7701, 7702" and edit.name.text() == "Sri Wahyuni"
    edit.nip.setText("123")
    assert not edit.save() and "18 digit" in warnings[-1]  # refused, named field; the dialog stays open
    edit.nip.setText(NEW_NIP)
    edit.jabatan.setText("Pranata Komputer")
    assert edit.save()
    view.table.selectRow(0)  # the list reloaded after the save
    off = view.deactivate_selected()
    qtbot.addWidget(off)
    assert isinstance(off, DeactivateDialog)
    off.reason.setText("pensiun dini")
    assert off.save()
    view.refresh()
    assert view.model.index(0, 8).data().startswith("Nonaktif sejak")
    with db.session() as s:
        assert s.get(Employee, emp_id).jabatan == "Pranata Komputer"
    assert isinstance(edit, EmployeeDialog)


def test_account_dialogs(qtbot, db, org, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _p, _t, text: warnings.append(text)))
    admin_ctx = make_context(db, "admin")
    panel = AccountsPanel(admin_ctx)
    qtbot.addWidget(panel)
    panel.refresh()
    n = panel.model.rowCount()
    add = AccountDialog(admin_ctx, None, panel)
    qtbot.addWidget(add)
    add.username.setText("atasan2")
    add.full_name.setText("Atasan Dua")
    add.password.setText("atasan-dua-1")
    add.roles["verifier"].setChecked(True)
    assert not add.save() and "ditautkan" in warnings[-1]
    add.employee.setCurrentIndex(2)
    assert add.save()
    panel.refresh()
    assert panel.model.rowCount() == n + 1
    row = next(r for r in panel.model.rows() if r.username == "atasan2")
    assert row.role_labels == "Atasan / Verifikator"
    reset = ResetPasswordDialog(admin_ctx, row, panel)
    qtbot.addWidget(reset)
    reset.new.setText("baru-dari-admin")
    reset.again.setText("baru-dari-admin")
    assert reset.save()

    own = OwnPasswordDialog(make_context(db, "atasan2"))
    qtbot.addWidget(own)
    own.current.setText("salah-sekali")
    own.new.setText("milik-saya-sendiri")
    own.again.setText("milik-saya-sendiri")
    assert not own.save() and "saat ini salah" in own.error.text()
    own.current.setText("baru-dari-admin")
    assert own.save()
    with db.transaction() as s:
        authenticate(s, "atasan2", "milik-saya-sendiri")


def test_switch_user_closes_the_window_for_a_new_login(qtbot, db, org) -> None:  # type: ignore[no-untyped-def]
    win = MainWindow(make_context(db, "operator"))
    qtbot.addWidget(win)
    win.show()
    _idle(qtbot, win)
    closed: list[bool] = []
    win.closed.connect(lambda: closed.append(True))
    win.switch_user()
    assert win.switch_requested and closed == [True] and not win.isVisible()
