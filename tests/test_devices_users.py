"""Users on devices: names for unmapped PINs with suggestions, upload of employees, copy of users and
fingerprint templates between devices — through the emulator, both user layouts, checked with stock pyzk too."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from zk import ZK

from services.demo.sample_org import SampleOrg, create_sample_org
from services.devices import protocol as p
from services.devices.emulator import DeviceState, Emulator
from services.devices.registry import DeviceInput, add_device
from services.devices.sync import sync_device
from services.devices.users import copy_users, normalize_name, suggest_for, unmapped_with_names, upload_employees
from services.store.db import Database
from services.store.models import AuditEvent, DeviceUserRecord, Employee, EmployeePin


@pytest.fixture
def org(db: Database) -> SampleOrg:
    with db.transaction() as s:
        return create_sample_org(s, n_employees=12, with_users=False)


def _register(db: Database, org: SampleOrg, port: int, name: str = "Mesin A") -> int:
    with db.transaction() as s:
        return add_device(s, org.opd_id, DeviceInput(name, "127.0.0.1", port), "admin").id


def test_name_matching_rules() -> None:
    assert normalize_name("Dra. Hj. Siti Aminah, S.Pd., M.Si.") == ["siti", "aminah"]
    people = [(1, "Budi Santoso, S.Kom", "198501012010011001"), (2, "Siti Aminah", "199002022015022002"),
              (3, "Budiman Hartono", "197703032005011003")]
    [best, *_] = suggest_for("77", "BUDI SANTOSO", people)
    assert (best.employee_id, best.score) == (1, 1.0)
    assert suggest_for("77", "Budi San", people)[0].employee_id == 1  # an 8-byte name cut off on a 28-byte device
    assert suggest_for("199002022015022002", "", people)[0].why == "NIP sama dengan PIN"
    assert suggest_for("9", "Rudi 199002022015022002", people)[0].employee_id == 2
    assert suggest_for("5", "Zulkarnain", people) == ()


@pytest.mark.parametrize("user_size", [28, 72])
def test_unmapped_pins_show_the_device_name_and_suggestions(db: Database, org: SampleOrg, user_size: int) -> None:
    with db.session() as s:
        emp = s.execute(select(Employee).where(Employee.id == org.employee_ids[3])).scalar_one()
        s.expunge(emp)
    state = DeviceState(serial=f"USR-{user_size}", user_size=user_size)
    state.generate(12, 60, seed=2)  # PINs 1..12 belong to the sample org
    state.add_user("4040", emp.name.split(",")[0])  # an employee enrolled on the device under an unmapped PIN
    state.add_user("4041", "Tamu Tidak Dikenal")
    import datetime as dt

    state.add_punch("4040", dt.datetime(2026, 3, 2, 7, 20))
    state.add_punch("4041", dt.datetime(2026, 3, 2, 7, 25))
    with Emulator(state) as emu:
        device_id = _register(db, org, emu.port)
        assert sync_device(db, device_id).new == 62
    with db.session() as s:
        stored = dict(s.execute(select(DeviceUserRecord.pin, DeviceUserRecord.name)).all())
        rows = {r.pin: r for r in unmapped_with_names(s, org.opd_id)}
    assert len(stored) == 14
    assert stored["4041"] == ("Tamu Tid" if user_size == 28 else "Tamu Tidak Dikenal")  # 8 / 24 name bytes
    assert set(rows) == {"4040", "4041"}
    assert rows["4040"].device_name and rows["4040"].suggestions[0].employee_id == emp.id
    assert rows["4040"].suggestions[0].score >= 0.9
    assert not rows["4041"].suggestions or rows["4041"].suggestions[0].score < 0.9


@pytest.mark.parametrize("user_size", [28, 72])
def test_upload_employees_to_a_device(db: Database, org: SampleOrg, user_size: int) -> None:
    state = DeviceState(serial=f"UP-{user_size}", user_size=user_size)
    state.add_user("1", "Nama Lama")  # PIN 1 exists: keeps its slot, gets the employee's name
    with Emulator(state) as emu:
        device_id = _register(db, org, emu.port)
        r = upload_employees(db, device_id, org.employee_ids[:5], "admin")
        conn = ZK("127.0.0.1", port=emu.port, timeout=5, ommit_ping=True).connect()  # an independent reader
        try:
            seen = {u.user_id: u for u in conn.get_users()}
        finally:
            conn.disconnect()
    assert (r.written, r.verified, r.errors) == (5, 5, [])
    with db.session() as s:
        names = dict(s.execute(select(EmployeePin.pin, Employee.name).join(Employee)
                               .where(Employee.id.in_(org.employee_ids[:5]))).all())
    assert set(seen) == set(names)
    width = 8 if user_size == 28 else 24
    for pin, name in names.items():
        assert seen[pin].name == p.fit_text(name.split(",")[0], width).decode().strip()
    assert seen["1"].uid == 1 and len({u.uid for u in seen.values()}) == 5
    with db.session() as s:
        assert s.execute(select(AuditEvent).where(AuditEvent.action == "device.upload_users")).scalar_one()


def test_copy_users_and_templates_between_devices(db: Database, org: SampleOrg) -> None:
    src = DeviceState(serial="COPY-SRC", user_size=72)
    for pin in ("1", "2", "3"):
        src.add_user(pin, f"Pegawai {pin}")
    src.put_templates([p.Template(1, 0, 1, b"\x4a\x53" * 300), p.Template(1, 6, 1, b"\x01\x02" * 250),
                       p.Template(3, 2, 1, bytes(range(256)) * 2)])
    dst = DeviceState(serial="COPY-DST", user_size=28)  # another model: 28-byte users
    dst.add_user("9", "Satpam")
    dst.add_user("3", "Lama Tiga")  # PIN 3 already there: keeps its slot on the target
    with Emulator(src) as a, Emulator(dst) as b:
        a_id, b_id = _register(db, org, a.port, "Asal"), _register(db, org, b.port, "Tujuan")
        r = copy_users(db, a_id, b_id, "admin")
        conn = ZK("127.0.0.1", port=b.port, timeout=5, ommit_ping=True).connect()
        try:
            users = {u.user_id: u for u in conn.get_users()}
            fingers = conn.get_templates()
        finally:
            conn.disconnect()
    assert (r.users, r.templates, r.verified_users, r.target_fingers, r.errors) == (3, 3, 3, 3, [])
    assert set(users) == {"1", "2", "3", "9"} and users["3"].uid == 2
    by_uid = {(f.uid, f.fid): f.template for f in fingers}
    assert by_uid[(users["1"].uid, 0)] == b"\x4a\x53" * 300 and by_uid[(users["1"].uid, 6)] == b"\x01\x02" * 250
    assert by_uid[(users["3"].uid, 2)] == bytes(range(256)) * 2
    with db.session() as s:
        assert s.execute(select(AuditEvent).where(AuditEvent.action == "device.copy_users")).scalar_one()


def test_pyzk_can_write_users_and_templates_to_the_emulator() -> None:
    """The emulator accepts what stock pyzk sends (CMD_USER_WRQ, save_user_template)."""
    from zk.finger import Finger

    state = DeviceState(user_size=72)
    with Emulator(state) as emu:
        conn = ZK("127.0.0.1", port=emu.port, timeout=5, ommit_ping=True).connect()
        try:
            conn.set_user(uid=7, name="Dewi Lestari", privilege=0, user_id="707")
            [user] = conn.get_users()
            conn.save_user_template(user, [Finger(7, 3, 1, b"TEMPLATE" * 40)])
            [finger] = conn.get_templates()
        finally:
            conn.disconnect()
    assert (user.uid, user.user_id, user.name) == (7, "707", "Dewi Lestari")
    assert (finger.uid, finger.fid, finger.template) == (7, 3, b"TEMPLATE" * 40)
