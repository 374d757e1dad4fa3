"""Unmapped device PINs: the Perangkat tab lists them with the name each device holds and the employees
whose names are alike (difflib catches spellings the token match misses); one click on a suggestion maps
the PIN and attributes its punches; only an operator may map."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from desktop.views.devices import DevicesView
from services.devices.pins import map_pin_by
from services.devices.registry import DeviceInput, add_device
from services.devices.users import suggest_for
from services.errors import PermissionDeniedError
from services.store.models import DeviceUserRecord, Employee, EmployeePin, Punch
from tests.gui_helpers import make_context


def test_difflib_catches_misspelt_names() -> None:
    people = [(1, "Siti Aminah", "199002022015022002"), (2, "Muhammad Rizki", "198501012010011001"),
              (3, "Budi Santoso", "197703032005011003")]
    [best, *_] = suggest_for("12", "Siti Aminh", people)  # a letter lost when typed into the device
    assert best.employee_id == 1 and best.why.startswith("nama mirip")
    assert suggest_for("13", "Mohamad Rizky", people)[0].employee_id == 2
    assert suggest_for("14", "Zulkarnain", people) == ()


def _setup(db, org):  # type: ignore[no-untyped-def]
    with db.session() as s:
        names = {e.id: e.name for e in s.execute(select(Employee).where(Employee.id.in_(org.employee_ids[:3]))).scalars()}
    with db.transaction() as s:
        dev = add_device(s, org.opd_id, DeviceInput("Mesin Lobi", "127.0.0.1", 4370), "admin")
        typo = names[org.employee_ids[1]][:-1]  # the device's name lost its last letter
        s.add(DeviceUserRecord(device_id=dev.id, uid=1, pin="8801", name=typo, read_at=dt.datetime(2026, 11, 20)))
        s.add(DeviceUserRecord(device_id=dev.id, uid=2, pin="8802", name="Tamu Rapat", read_at=dt.datetime(2026, 11, 20)))
        for n, pin in enumerate(("8801", "8801", "8802")):
            s.add(Punch(source="device", source_serial="SN-LOBI", pin=pin, ts=dt.datetime(2026, 11, 20, 7, n)))
    return names


def test_panel_lists_names_and_maps_in_one_click(qtbot, db, org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    names = _setup(db, org)
    view = DevicesView(make_context(db, "operator"))
    qtbot.addWidget(view)
    view.resize(1156, 668)
    view.show()
    view.refresh()
    view.tabs.setCurrentWidget(view.pins)
    panel = view.pins
    assert panel.table.height() > 250  # a tab as large as the screen, not a strip under the device list
    rows = {panel.model.row(r).pin: panel.model.row(r) for r in range(panel.model.rowCount())}
    assert set(rows) == {"8801", "8802"} and rows["8801"].punches == 2
    assert rows["8801"].device_name == names[org.employee_ids[1]][:-1]
    assert rows["8802"].suggestions == ()
    r = next(i for i in range(panel.model.rowCount()) if panel.model.row(i).pin == "8801")
    panel.table.selectRow(r)
    first = panel.suggestion_buttons[0]
    assert first.isVisible() and first.text().startswith(names[org.employee_ids[1]].split(",")[0])
    assert "klik untuk memetakan" in panel.suggestion_label.text()
    view.grab().save(str(tmp_path / "pin_belum_terpetakan.png"))
    first.click()  # one click: mapped, punches attributed
    with db.session() as s:
        assert s.execute(select(EmployeePin.employee_id).where(EmployeePin.pin == "8801")).scalar() == org.employee_ids[1]
        assert set(s.execute(select(Punch.employee_id).where(Punch.pin == "8801")).scalars()) == {org.employee_ids[1]}
    view.refresh()
    assert [panel.model.row(i).pin for i in range(panel.model.rowCount())] == ["8802"]
    panel.table.selectRow(0)
    assert not panel.suggestion_buttons[0].isVisible() and "Tidak ada pegawai yang mirip" in panel.suggestion_label.text()


def test_only_an_operator_maps(db, org) -> None:  # type: ignore[no-untyped-def]
    from services.auth.users import CurrentUser

    atasan = CurrentUser(id=3, username="atasan", full_name="Atasan", roles=frozenset({"verifier"}))
    with db.transaction() as s, pytest.raises(PermissionDeniedError):
        map_pin_by(s, atasan, "8801", org.employee_ids[0])
