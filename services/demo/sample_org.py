"""Deterministic sample organisation for tests and the demo.

Creates one OPD with 3 work units, 2 office locations, employees with valid
NIP / NI PPPK, device PINs ("1", "2", ...), registered phones ("HP-0001", ...)
and four users (admin, operator, atasan, kepala) sharing one password.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy.orm import Session

from services.auth.users import create_user
from services.org.nip import make_ni_pppk, make_nip
from services.store.models import Employee, EmployeePhone, EmployeePin, OfficeLocation, Opd, WorkUnit

FIRST_L = ["Ahmad", "Budi", "Dedi", "Eko", "Fajar", "Hendra", "Irfan", "Joko", "Rizki", "Slamet", "Yusuf", "Agus", "Bambang", "Dimas", "Gilang"]
FIRST_P = ["Ani", "Dewi", "Fitri", "Indah", "Lestari", "Maya", "Nur", "Putri", "Rina", "Sari", "Siti", "Wulan", "Yuni", "Ratna", "Ayu"]
LAST = ["Saputra", "Wijaya", "Hidayat", "Pratama", "Nugroho", "Santoso", "Siregar", "Nasution", "Harahap", "Lubis", "Kusuma", "Rahman", "Syahputra", "Hasibuan", "Utami", "Lestari"]
JABATAN = ["Analis Kepegawaian", "Pengadministrasi Umum", "Pranata Komputer", "Bendahara", "Perencana", "Pengelola Keuangan", "Arsiparis", "Pengemudi"]

DEFAULT_PASSWORD = "presensi123"


@dataclass
class SampleOrg:
    opd_id: int
    unit_ids: list[int]
    location_ids: list[int]
    employee_ids: list[int]


def _supervisor_chain(employees: list[Employee], units: list[WorkUnit]) -> None:
    """Kepala OPD -> Sekretaris / Kepala Bidang -> Kasubbag / Kepala Seksi -> staff (each unit's
    first members in creation order), so every notice has an atasan langsung of a higher rank."""
    head = employees[0]
    for unit in units:
        members = [e for e in employees if e.unit_id == unit.id]
        if not members:
            continue
        if members[0] is head:  # the Sekretariat: the Sekretaris leads it under the Kepala
            lead = members[1] if len(members) > 1 else None
            if lead is not None:
                lead.jabatan, lead.golongan, lead.kelas_jabatan = "Sekretaris", "IV/b", 12
            middle_title = "Kepala Subbagian Umum dan Kepegawaian"
        else:
            lead = members[0]  # Kepala Bidang (set in the loop above)
            middle_title = "Kepala Seksi " + unit.name.removeprefix("Bidang ")
        if lead is not None:
            lead.supervisor_id = head.id
        middle = members[2] if len(members) > 2 else None
        if middle is not None:
            middle.jabatan, middle.golongan, middle.kelas_jabatan = middle_title, "III/d", 9
            middle.supervisor_id = (lead or head).id
        boss = middle or lead or head
        for e in members:
            if e is not head and e is not lead and e is not middle:
                e.supervisor_id = boss.id


def _selfie_verifier(employees: list[Employee]) -> Employee | None:
    """The `atasan` login: the atasan langsung of the Sekretariat's staff (its Kasubbag Umum dan
    Kepegawaian in the chain above), so his queue holds his own staff's selfies, as in an office."""
    if not employees:
        return None
    head = employees[0]
    staff = [e for e in employees if e.unit_id == head.unit_id and e is not head]
    boss_id = staff[-1].supervisor_id if staff else None
    return next((e for e in employees if e.id == boss_id), head)


def create_sample_org(session: Session, n_employees: int = 10, seed: int = 1, with_users: bool = True) -> SampleOrg:
    rnd = random.Random(seed)
    opd = Opd(
        code="DISKOMINFO",
        name="Dinas Komunikasi dan Informatika",
        address="Jl. Jenderal Sudirman No. 12",
        city="Sampit",
        region_name="PEMERINTAH KABUPATEN KOTAWARINGIN TIMUR",
        timezone="Asia/Jakarta",
        policy_preset="kotawaringin_timur",
    )
    session.add(opd)
    session.flush()
    units = [
        WorkUnit(opd_id=opd.id, code="SEKRE", name="Sekretariat"),
        WorkUnit(opd_id=opd.id, code="TIK", name="Bidang Aplikasi Informatika"),
        WorkUnit(opd_id=opd.id, code="IKP", name="Bidang Informasi dan Komunikasi Publik"),
    ]
    session.add_all(units)
    locations = [
        OfficeLocation(opd_id=opd.id, name="Kantor Utama", lat=-2.5389, lon=112.9525, radius_m=100.0),
        OfficeLocation(opd_id=opd.id, name="Kantor UPT Command Center", lat=-2.5461, lon=112.9431, radius_m=100.0),
    ]
    session.add_all(locations)
    session.flush()

    employees: list[Employee] = []
    used: set[str] = set()
    heads: dict[int, Employee] = {}
    for i in range(n_employees):
        gender = "L" if rnd.random() < 0.5 else "P"
        first = rnd.choice(FIRST_L if gender == "L" else FIRST_P)
        name = f"{first} {rnd.choice(LAST)}"
        birth = dt.date(rnd.randint(1968, 1998), rnd.randint(1, 12), rnd.randint(1, 28))
        if units[i % len(units)].id not in heads:  # unit heads are senior officials
            birth = birth.replace(year=1968 + (birth.year - 1968) // 3)
        kind = "PPPK" if i % 5 == 4 else "PNS"
        while True:
            serial = rnd.randint(1, 999)
            if kind == "PNS":
                nip = make_nip(birth, (birth.year + rnd.randint(22, 30), rnd.randint(1, 12)), gender, serial)
            else:
                nip = make_ni_pppk(birth, 2022 + rnd.randint(0, 3), 20 + rnd.randint(1, 3), gender, serial)
            if nip not in used:
                used.add(nip)
                break
        unit = units[i % len(units)]
        emp = Employee(
            opd_id=opd.id,
            unit_id=unit.id,
            location_id=locations[0 if i % 7 else 1].id,
            nip=nip,
            name=name,
            kind=kind,
            gender=gender,
            jabatan="Kepala " + unit.name if unit.id not in heads else rnd.choice(JABATAN),
            kelas_jabatan=12 if unit.id not in heads else rnd.randint(5, 9),
            golongan="IV/a" if unit.id not in heads else rnd.choice(["II/c", "III/a", "III/b", "III/c"]),
            tpp_base=rnd.choice([2_500_000, 3_000_000, 3_750_000, 4_500_000]) if unit.id in heads else 7_500_000,
            active_from=dt.date(2020, 1, 1),
        )
        if unit.id in heads:
            emp.supervisor_id = heads[unit.id].id
        session.add(emp)
        session.flush()
        if unit.id not in heads:
            heads[unit.id] = emp
        emp.pins.append(EmployeePin(pin=str(i + 1)))
        emp.phones.append(EmployeePhone(phone_id=f"HP-{i + 1:04d}"))
        employees.append(emp)
    session.flush()
    if employees:
        opd.head_employee_id = employees[0].id
        employees[0].jabatan = f"Kepala {opd.name}"
        employees[0].kelas_jabatan = 14
        employees[0].golongan = "IV/c"
        _supervisor_chain(employees, units)
    session.flush()

    if with_users:
        create_user(session, "admin", "Administrator Sistem", DEFAULT_PASSWORD, ["admin"])
        create_user(session, "operator", "Operator Umpeg", DEFAULT_PASSWORD, ["operator"])
        atasan = _selfie_verifier(employees)
        create_user(session, "atasan", atasan.name if atasan else "Atasan", DEFAULT_PASSWORD, ["verifier"],
                    employee_id=atasan.id if atasan else None)
        create_user(session, "kepala", employees[0].name if employees else "Kepala OPD", DEFAULT_PASSWORD,
                    ["signer", "verifier"], employee_id=employees[0].id if employees else None)
    session.flush()
    return SampleOrg(
        opd_id=opd.id,
        unit_ids=[u.id for u in units],
        location_ids=[loc.id for loc in locations],
        employee_ids=[e.id for e in employees],
    )
