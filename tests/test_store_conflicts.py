"""Edits saved from a stale view are refused with ConflictError (Indonesian, says what to do), on either store.

The same rule the two-process test (tests/test_store_multi_pc.py) exercises across PCs, here in one process so
it runs in every pass: the screen passes the version it showed; another user's save in between wins.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from services.auth.users import SYSTEM_USER, CurrentUser
from services.calendar.schedules import seed_standard_schedules
from services.errors import ConflictError
from services.letters.register import create_letter, delete_letter, list_letters, update_letter
from services.reconcile.corrections import add_correction
from services.selfie.queue import set_verdict
from services.store.models import Correction, Letter, Punch, SelfieCheck

DAY = dt.date(2026, 1, 6)
OPERATOR = CurrentUser(id=2, username="operator", full_name="Op", roles=frozenset({"operator"}))
OTHER = CurrentUser(id=3, username="operator2", full_name="Op 2", roles=frozenset({"operator"}))


def test_letter_edit_from_a_stale_view_is_refused(db, org) -> None:
    with db.transaction() as s:
        seed_standard_schedules(s)
        lt = create_letter(s, "operator", "DL", "800/1", DAY, DAY, DAY, org.employee_ids[:1])
    with db.session() as s:
        shown = list_letters(s)[0]
    assert shown.version == 1
    args = dict(kind="DL", number="800/1-rev", letter_date=DAY, date_from=DAY, date_to=DAY,
                employee_ids=org.employee_ids[:1])
    with db.transaction() as s:  # another PC saves first
        update_letter(s, "operator2", lt.id, expected_version=shown.version, **args)  # type: ignore[arg-type]
    with pytest.raises(ConflictError, match="baru saja diubah oleh pengguna lain"), db.transaction() as s:
        update_letter(s, "operator", lt.id, expected_version=shown.version,  # type: ignore[arg-type]
                      **{**args, "number": "800/1-mine"})
    with pytest.raises(ConflictError), db.transaction() as s:
        delete_letter(s, "operator", lt.id, "salah input surat", expected_version=shown.version)
    with db.session() as s:
        row = s.execute(select(Letter.number, Letter.version)).one()
    assert tuple(row) == ("800/1-rev", 2)


def test_correction_over_one_saved_meanwhile_is_refused(db, org) -> None:
    e = org.employee_ids[0]
    with db.transaction() as s:
        seed_standard_schedules(s)
    with db.transaction() as s:  # both forms opened showing no correction; the other PC saves first
        add_correction(s, OTHER, e, DAY, "status", "DL", "Tugas ke provinsi", expected_active=None,
                       today=dt.date(2026, 2, 1))
    with pytest.raises(ConflictError, match="baru saja dikoreksi oleh operator2"), db.transaction() as s:
        add_correction(s, OPERATOR, e, DAY, "status", "S", "Sakit, surat menyusul", expected_active=None,
                       today=dt.date(2026, 2, 1))
    with db.session() as s:
        active = list(s.execute(select(Correction.value, Correction.username).where(Correction.active.is_(True))))
    assert [tuple(a) for a in active] == [("DL", "operator2")]


def test_selfie_verdict_over_another_decision_is_refused(db, org) -> None:
    with db.transaction() as s:
        p = Punch(source="mobile", source_serial="HP-1", pin="1", ts=dt.datetime(2026, 1, 6, 7, 10), tz="Asia/Jakarta",
                  employee_id=org.employee_ids[1])
        s.add(p)
        s.flush()
        check = SelfieCheck(punch_id=p.id)
        s.add(check)
        s.flush()
        check_id, shown = check.id, check.version
    with db.transaction() as s:
        set_verdict(s, SYSTEM_USER, check_id, "approved", expected_version=shown)
    with pytest.raises(ConflictError, match="baru saja diputuskan oleh system"), db.transaction() as s:
        set_verdict(s, SYSTEM_USER, check_id, "rejected", "wajah lain", expected_version=shown)
    with db.session() as s:
        assert s.execute(select(SelfieCheck.verdict)).scalar_one() == "approved"
