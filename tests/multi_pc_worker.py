"""One "PC" of the multi-PC test (tests/test_store_multi_pc.py): a separate OS process on the shared database.

Each mode does what a user at that PC does through the service layer: open the edit form (read in one
session), think a moment, save (another transaction with the version seen). Prints one JSON line.

    python -m tests.multi_pc_worker URL MODE NAME ROUNDS START_FILE
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from services.auth.users import login
from services.clock import FrozenClock
from services.errors import ConflictError, PeriodLockedError
from services.letters.register import update_letter
from services.reconcile.corrections import add_correction
from services.reconcile.period import lock_period
from services.store.db import Database
from services.store.models import Correction, Employee, Letter, LetterEmployee

DAY = dt.date(2026, 1, 6)
PASSWORD = "presensi123"


def _wait(start: Path) -> None:
    while not start.exists():
        time.sleep(0.01)


def correct(db: Database, name: str, rounds: int) -> dict[str, object]:
    ok = conflict = locked = 0
    user = login(db, "operator", PASSWORD, via="uji multi-PC")  # opens the audit key from the user's wrap
    with db.session() as s:
        emp = s.execute(select(Employee.id).order_by(Employee.id)).scalars().first()
    for i in range(rounds):
        with db.session() as s:  # the form shows the active correction (or none)
            seen = s.execute(select(Correction.id).where(Correction.employee_id == emp, Correction.date == DAY,
                                                         Correction.field == "status",
                                                         Correction.active.is_(True))).scalar()
        time.sleep(0.005)
        try:
            with db.transaction() as s:
                add_correction(s, user, emp, DAY, "status", "DL" if i % 2 else "S", f"{name} putaran {i}",
                               expected_active=seen)
            ok += 1
        except ConflictError:
            conflict += 1
        except PeriodLockedError:
            locked += 1
            if name.endswith("until-locked") and locked >= 3:
                break
    return {"ok": ok, "conflict": conflict, "locked": locked}


def letter(db: Database, name: str, rounds: int) -> dict[str, object]:
    ok = conflict = 0
    user = login(db, "operator", PASSWORD, via="uji multi-PC")  # opens the audit key from the user's wrap
    for i in range(rounds):
        with db.session() as s:
            lt = s.execute(select(Letter).order_by(Letter.id)).scalars().first()
            assert lt is not None
            emps = [e for (e,) in s.execute(select(LetterEmployee.employee_id).where(LetterEmployee.letter_id == lt.id))]
            seen = (lt.id, lt.version, lt.kind, lt.number, lt.letter_date, lt.date_from, lt.date_to)
        time.sleep(0.005)
        try:
            with db.transaction() as s:
                update_letter(s, user.username, seen[0], kind=seen[2], number=seen[3], letter_date=seen[4],
                              date_from=seen[5], date_to=seen[6], employee_ids=emps, note=f"{name}:{i}",
                              expected_version=seen[1])
            ok += 1
        except ConflictError:
            conflict += 1
    return {"ok": ok, "conflict": conflict}


def lock(db: Database, name: str, rounds: int) -> dict[str, object]:
    user = login(db, "kepala", PASSWORD, via="uji multi-PC")
    with db.session() as s:
        opd_id = s.execute(select(Employee.opd_id)).scalars().first()
    for _ in range(rounds * 100):  # lock once the other PC has saved some corrections (bounded wait)
        with db.session() as s:
            if (s.execute(select(func.count()).select_from(Correction)).scalar() or 0) >= 3:
                break
        time.sleep(0.01)
    from services.reconcile.engine import recompute_month

    recompute_month(db, opd_id, DAY.year, DAY.month, today=db.clock.today())  # a month is locked once computed
    with db.transaction() as s:
        # the days without punches are still "perlu ditinjau": the kepala locks with his written reason
        lock_period(s, opd_id, DAY.year, DAY.month, user, override_reason="Uji beberapa PC: kunci bulan berjalan")
    return {"locked": True}


MODES = {"correct": correct, "letter": letter, "lock": lock}


def main() -> None:
    url, mode, name, rounds, start = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), Path(sys.argv[5])
    db = Database(url, FrozenClock("2026-02-10 09:00"))
    _wait(start)
    print(json.dumps(MODES[mode](db, name, rounds)), flush=True)
    db.dispose()


if __name__ == "__main__":
    main()
