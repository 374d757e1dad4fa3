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
from services.reconcile.period import (
    PeriodLockedError,
    PeriodNotReadyError,
    is_locked,
    lock_period,
    period_status,
    unlock_period,
)
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
        lock_period(s, org.opd_id, 2026, 1, SIGNER, override_reason="TK pegawai lain sudah diproses PP 94")
        with pytest.raises(PeriodLockedError, match="sudah dikunci"):
            lock_period(s, org.opd_id, 2026, 1, SIGNER, override_reason="TK pegawai lain sudah diproses PP 94")
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


def test_a_month_that_has_not_ended_cannot_be_locked(db, org, clock):
    # the suite's clock: 25 November 2026, 08:00
    with db.transaction() as s:
        with pytest.raises(PeriodNotReadyError, match="November 2026 ditolak: bulan itu belum berakhir.*01-12-2026"):
            lock_period(s, org.opd_id, 2026, 11, SIGNER, override_reason="Dipaksa oleh kepala")  # no override
        with pytest.raises(PeriodNotReadyError, match="belum berakhir"):
            lock_period(s, org.opd_id, 2027, 1, SIGNER)
        lock_period(s, org.opd_id, 2026, 10, SIGNER)  # October has ended; nothing computed = nothing to review
    clock.set("2026-11-30 23:59")
    with db.transaction() as s, pytest.raises(PeriodNotReadyError, match="belum berakhir"):
        lock_period(s, org.opd_id, 2026, 11, SIGNER)  # the last day itself has not ended
    clock.set("2026-12-01 00:00")
    with db.transaction() as s:
        assert lock_period(s, org.opd_id, 2026, 11, SIGNER).status == "locked"


def test_a_month_computed_only_part_way_must_be_recomputed_first(db, org):
    with db.transaction() as s:
        seed_standard_schedules(s)
        recompute(s, 2026, 1, POLICY, today=d("2026-01-20"))  # computed mid-month, never again
    with db.transaction() as s, pytest.raises(PeriodNotReadyError, match="baru dihitung sampai 20-01-2026.*Hitung ulang"):
        lock_period(s, org.opd_id, 2026, 1, SIGNER, override_reason="Sudah ditinjau semua")
    with db.transaction() as s:
        recompute(s, 2026, 1, POLICY)  # the suite's clock: November
        lock_period(s, org.opd_id, 2026, 1, SIGNER, override_reason="Sudah ditinjau semua")


def test_days_still_to_review_need_the_signer_s_written_reason(db, org):
    e = org.employee_ids[0]
    with db.transaction() as s:
        seed_standard_schedules(s)
        punches(s, e, "2026-01-05 07:20:00", "2026-01-05 16:10:00")
        recompute(s, 2026, 1, POLICY, today=d("2026-02-01"))
    with db.transaction() as s:
        with pytest.raises(PeriodNotReadyError, match=r"masih ada \d+ hari yang perlu ditinjau"):
            lock_period(s, org.opd_id, 2026, 1, SIGNER)
        with pytest.raises(PeriodNotReadyError, match="perlu ditinjau"):
            lock_period(s, org.opd_id, 2026, 1, SIGNER, override_reason="  ok  ")  # too short to be a reason
        with pytest.raises(AuthError):
            lock_period(s, org.opd_id, 2026, 1, OPERATOR, override_reason="Operator tidak boleh memaksa")
        assert not is_locked(s, org.opd_id, 2026, 1)
        lock_period(s, org.opd_id, 2026, 1, SIGNER, override_reason="Pegawai TK sudah dipanggil (SP I)")
    with db.session() as s:
        assert is_locked(s, org.opd_id, 2026, 1)
        [detail] = s.execute(select(AuditEvent.detail).where(AuditEvent.action == "period.lock")).scalars()
        assert "Pegawai TK sudah dipanggil (SP I)" in detail and "review_days" in detail


def test_cli_lock_refuses_open_review_days_without_reason(db, org, capsys, tmp_path):
    from services.cli import main

    base = ["--db", db.location, "reconcile", "2026-01", "--kunci", *login_args("kepala", tmp_path)]
    assert main(base) == 1
    assert "perlu ditinjau" in capsys.readouterr().err
    assert main([*base, "--alasan-kunci", "Semua TK sudah ditindaklanjuti"]) == 0
    with db.session() as s:
        assert is_locked(s, org.opd_id, 2026, 1)
