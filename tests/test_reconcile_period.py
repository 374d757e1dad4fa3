"""Period lock: signer only, recompute/corrections refuse while locked, unlock needs a reason; all audited. CLI."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from services.auth.audit import verify_chain
from services.auth.users import AuthError, CurrentUser
from services.calendar.schedules import seed_standard_schedules
from services.policy.model import load_policy
from services.reconcile.corrections import add_correction
from services.reconcile.engine import recompute
from services.reconcile.period import PeriodLockedError, is_locked, lock_period, period_status, unlock_period
from services.store.models import AuditEvent, DayRecord
from tests.cli_login import login_args
from tests.reconcile_helpers import d, punches

POLICY = load_policy("kotawaringin_timur")
SIGNER = CurrentUser(id=4, username="kepala", full_name="Kepala", roles=frozenset({"signer", "verifier"}))
OPERATOR = CurrentUser(id=2, username="operator", full_name="Op", roles=frozenset({"operator"}))


def test_lock_blocks_changes_until_unlocked_with_reason(db, org):
    e = org.employee_ids[0]
    with db.transaction() as s:
        seed_standard_schedules(s)
        punches(s, e, "2026-01-05 07:20:00", "2026-01-05 16:10:00")
        recompute(s, 2026, 1, POLICY, today=d("2026-02-01"))
    with db.transaction() as s:
        with pytest.raises(AuthError):
            lock_period(s, org.opd_id, 2026, 1, OPERATOR)
        lock_period(s, org.opd_id, 2026, 1, SIGNER)
        with pytest.raises(PeriodLockedError, match="sudah dikunci"):
            lock_period(s, org.opd_id, 2026, 1, SIGNER)
    with db.session() as s:
        assert is_locked(s, org.opd_id, 2026, 1) and not is_locked(s, org.opd_id, 2026, 2)
    with pytest.raises(PeriodLockedError, match="Hitung ulang ditolak.*Januari 2026.*kepala"), db.transaction() as s:
        recompute(s, 2026, 1, POLICY, today=d("2026-02-01"))
    with pytest.raises(PeriodLockedError, match="Koreksi ditolak"), db.transaction() as s:
        add_correction(s, OPERATOR, e, d("2026-01-06"), "status", "DL", "Tugas ke provinsi", policy=POLICY)
    with db.transaction() as s:
        with pytest.raises(ValueError, match="Alasan"):
            unlock_period(s, org.opd_id, 2026, 1, SIGNER, " ")
        unlock_period(s, org.opd_id, 2026, 1, SIGNER, "Surat tugas terlambat diterima")
        add_correction(s, OPERATOR, e, d("2026-01-06"), "status", "DL", "Tugas ke provinsi", policy=POLICY,
                       today=d("2026-02-01"))
    with db.session() as s:
        assert period_status(s, org.opd_id, 2026, 1) == "open"
        rec = s.get(DayRecord, (e, d("2026-01-06")))
        assert (rec.status, rec.corrected) == ("DL", True)
        events = list(s.execute(select(AuditEvent.action, AuditEvent.detail).where(AuditEvent.entity.in_(
            ["period", "day_record"])).order_by(AuditEvent.id)))
        assert [a for a, _ in events] == ["period.lock", "period.unlock", "correction.add"]
        assert "Surat tugas terlambat diterima" in events[1][1]
        assert verify_chain(s) is None


def test_cli_reconcile_and_kalender(db, org, capsys, tmp_path):
    from services.cli import main

    with db.transaction() as s:
        punches(s, org.employee_ids[0], "2026-01-05 07:20:00", "2026-01-05 16:10:00")
    assert main(["--db", db.location, "kalender", "--tahun", "2026", *login_args("operator", tmp_path)]) == 0
    assert main(["--db", db.location, "reconcile", "2026-01", *login_args("operator", tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "12 pegawai" in out and "H=" in out and "Antrean pengecualian" in out
    for bad in ("2026-13", "Januari"):
        with pytest.raises(SystemExit, match="YYYY-MM"):
            main(["--db", db.location, "reconcile", bad, *login_args("operator", tmp_path)])
    with db.session() as s:
        n = s.execute(select(DayRecord).where(DayRecord.date <= dt.date(2026, 1, 31))).scalars().all()
        assert len(n) == 12 * 31
