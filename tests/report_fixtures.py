"""Helpers shared by the report / signing / central tests (rows built here, not by the TPP helper)."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

from sqlalchemy import select

from services.auth.users import CurrentUser, to_current
from services.policy.recap import MonthRecapRow
from services.reports.monthly import COUNT_COLUMNS
from services.store.db import Database
from services.store.models import Employee, Period, User


def lock_period(db: Database, opd_id: int, year: int = 2026, month: int = 10, status: str = "locked") -> int:
    with db.transaction() as s:
        p = Period(opd_id=opd_id, year=year, month=month, status=status, locked_by="operator")
        s.add(p)
        s.flush()
        return p.id


def user(db: Database, username: str) -> CurrentUser:
    with db.session() as s:
        return to_current(s.execute(select(User).where(User.username == username)).scalar_one())


def recap_rows(db: Database, n: int | None = None, seed: int = 7) -> list[MonthRecapRow]:
    """Deterministic recap rows for the org's employees (or n synthetic employees)."""
    rnd = random.Random(seed)
    with db.session() as s:
        emps = [(e.id, e.nip, e.name, e.jabatan) for e in s.execute(select(Employee).order_by(Employee.id)).scalars()]
    if n is not None:
        emps = [(10_000 + i, f"19800101200501{1000 + i:04d}", f"Pegawai Uji {i + 1:03d}", "Pranata Komputer")
                for i in range(n)]
    rows = []
    for eid, nip, name, jabatan in emps:
        counts = {k: rnd.randint(0, 2) for k in COUNT_COLUMNS}
        counts["H"] = rnd.randint(15, 21)
        rows.append(MonthRecapRow(employee_id=eid, nip=nip, name=name, jabatan=jabatan, unit="Sekretariat",
                                  working_days=22, counts=counts, deduction_pct=round(rnd.random() * 12, 2)))
    return rows


def pdf_text(path: Path, first: int | None = None, last: int | None = None) -> str:
    args = ["pdftotext", "-layout"]
    if first:
        args += ["-f", str(first)]
    if last:
        args += ["-l", str(last)]
    return subprocess.run([*args, str(path), "-"], check=True, capture_output=True, text=True).stdout


def pdf_pages(path: Path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")))


def tamper(data: bytes) -> bytes:
    """Flip one byte inside the first content stream (well inside the signed byte range)."""
    bad = bytearray(data)
    at = bad.index(b"stream") + 40
    bad[at] ^= 0x01
    return bytes(bad)
