"""Kartu presensi: one employee's month as a PDF (service, CLI, and the Rekonsiliasi button)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from desktop.entry import main
from services.auth.users import AuthError
from services.calendar.seed import seed_calendar
from services.demo.sample_org import SampleOrg
from services.errors import NotFoundError
from services.letters.register import create_letter
from services.reconcile.corrections import add_correction
from services.reconcile.engine import recompute_month
from services.reports.card import card_data, write_attendance_card
from services.store.db import Database
from services.store.models import Employee
from tests.cli_login import login_args
from tests.reconcile_helpers import d, punches
from tests.report_fixtures import pdf_text, user


@pytest.fixture
def month(db: Database, org: SampleOrg) -> int:
    """November 2026 of employee #3 (unit Sekretariat, atasan = employee #0): on time, late, a TK day
    corrected to Izin, two days of cuti with a letter; recomputed up to the frozen today (25 Nov)."""
    e = org.employee_ids[3]
    with db.transaction() as s:
        seed_calendar(s, [2026])
        punches(s, e, "2026-11-02 07:20:00", "2026-11-02 16:05:00",
                "2026-11-03 07:52:00", "2026-11-03 16:02:00",
                "2026-11-09 07:25:00", "2026-11-09 15:30:00")
        create_letter(s, "operator", "CT", "800/123/UMPEG/2026", d("2026-10-30"), d("2026-11-05"), d("2026-11-06"), [e])
    recompute_month(db, org.opd_id, 2026, 11)
    with db.transaction() as s:
        add_correction(s, user(db, "operator"), e, d("2026-11-04"), "status", "I",
                       "Izin keluarga sakit, surat menyusul")
    return e


def _render_png(pdf: Path, tmp_path: Path) -> Path:
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "kartu")], check=True)
    [png] = list(tmp_path.glob("kartu-*.png"))
    return png


def test_card_shows_every_day_with_times_lateness_letter_correction_and_atasan(db: Database, org: SampleOrg,
                                                                               month: int, tmp_path: Path) -> None:
    res = write_attendance_card(db, org.opd_id, month, 2026, 11, user(db, "operator"), tmp_path / "kartu.pdf")
    assert res.pages == 1 and res.path.exists()
    png = _render_png(res.path, tmp_path)
    assert png.stat().st_size > 5000
    text = pdf_text(res.path)
    with db.session() as s:
        emp = s.get(Employee, month)
        boss = s.get(Employee, emp.supervisor_id)
        assert boss.id == org.employee_ids[0]
    for expected in ("PEMERINTAH KABUPATEN KOTAWARINGIN TIMUR", "KARTU PRESENSI PEGAWAI", "Bulan November 2026",
                     emp.name, emp.nip, "Atasan langsung", boss.name, f"NIP. {boss.nip}",
                     "07.20", "16.05", "07.52", "(TL1)", "15.30", "(PSW", "800/123/UMPEG/2026", "Cuti Tahunan",
                     "Izin*", "koreksi K1", "K1. 04-11-2026: status dikoreksi menjadi Izin — Izin keluarga sakit",
                     "Pegawai yang bersangkutan"):
        assert expected in text, expected
    lines = text.splitlines()
    # every day of the month has its row (1..30 with its weekday), future days say so
    for day, weekday in ((1, "Minggu"), (2, "Senin"), (25, "Rabu"), (30, "Senin")):
        assert any(line.split()[:2] == [str(day), weekday] for line in lines if line.split()), (day, weekday)
    data = card_data(db.session(), org.opd_id, month, 2026, 11, user(db, "operator"), db.clock.now())
    t = data.totals
    assert (t["TL"], t["CUTI"], t["I"], t["koreksi"]) == (1, 2, 1, 1)
    assert t["H"] >= 3 and t["hari_kerja"] == 21  # November 2026: 21 working days (no holiday)
    assert t["TK"] == 11  # 10-24 Nov without any punch
    assert t["belum"] == 1  # today (25 Nov, 08.00) has no punch yet; the days still to come are no gap
    assert [x.label for x in data.days[24:27]] == ["belum ada data", "belum terjadi", "belum terjadi"]


def test_card_on_f4_and_who_may_make_it(db: Database, org: SampleOrg, month: int, tmp_path: Path) -> None:
    # the Kepala is the atasan langsung of employee #3 (the Sekretaris); the `atasan` login is the Kasubbag
    res = write_attendance_card(db, org.opd_id, month, 2026, 11, user(db, "kepala"), tmp_path / "f4.pdf", "F4")
    size = subprocess.run(["pdfinfo", str(res.path)], capture_output=True, text=True, check=True).stdout
    assert "609.449 x 935.433 pts" in size  # 215 × 330 mm
    not_his = org.employee_ids[4]  # Bidang Aplikasi Informatika: another atasan
    with pytest.raises(AuthError, match="atasan langsung"):
        write_attendance_card(db, org.opd_id, not_his, 2026, 11, user(db, "atasan"), tmp_path / "x.pdf")
    with pytest.raises(NotFoundError):
        write_attendance_card(db, org.opd_id, 999_999, 2026, 11, user(db, "operator"), tmp_path / "x.pdf")


def test_cli_kartu(db: Database, org: SampleOrg, month: int, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        nip = s.execute(select(Employee.nip).where(Employee.id == month)).scalar_one()
    out = tmp_path / "kartu-cli.pdf"
    code = main(["--db", db.location, "kartu", "--nip", nip, "--year", "2026", "--month", "11", "--out", str(out),
                 *login_args("operator", tmp_path)], clock=db.clock)
    assert code == 0, capsys.readouterr().err
    assert str(out) in capsys.readouterr().out
    assert "KARTU PRESENSI PEGAWAI" in pdf_text(out)
    code = main(["--db", db.location, "kartu", "--nip", "000", "--year", "2026", "--month", "11",
                 *login_args("operator", tmp_path)], clock=db.clock)
    assert code == 1 and "NIP 000 tidak ditemukan" in capsys.readouterr().err


def test_rekonsiliasi_button_makes_the_card_and_opens_its_print_preview(qtbot, db: Database, org: SampleOrg,
                                                                        month: int, tmp_path: Path) -> None:
    from desktop.printing import PrintPreviewDialog
    from desktop.views.reconcile import ReconcileView
    from tests.gui_helpers import make_context

    ctx = make_context(db, "operator")
    messages: list[str] = []
    ctx.events.status_message.connect(messages.append)
    view = ReconcileView(ctx)
    qtbot.addWidget(view)
    view.period.set_value(2026, 11)
    monkeypatch_info = pytest.MonkeyPatch()
    asked: list[str] = []
    monkeypatch_info.setattr("desktop.views.reconcile_card.QMessageBox.information", lambda *a: asked.append(a[2]))
    view.grid.setCurrentIndex(view.model.index(-1, -1))
    assert view.card_actions.make_card() is None and "Pilih satu sel" in asked[0]  # nothing selected yet
    monkeypatch_info.undo()
    row = next(r for r in range(view.model.rowCount()) if view.model.row_at(r).employee_id == month)
    view.grid.setCurrentIndex(view.model.index(row, 3))
    op = view.card_actions.make_card(tmp_path / "kartu-ui.pdf")
    assert op is not None
    qtbot.waitUntil(lambda: isinstance(view.card_actions.preview, PrintPreviewDialog), timeout=15000)
    preview = view.card_actions.preview
    qtbot.waitUntil(lambda: preview.page_count() == 1, timeout=5000)
    assert "KARTU PRESENSI PEGAWAI" in pdf_text(tmp_path / "kartu-ui.pdf")
    assert any("Kartu presensi" in m and "kartu-ui.pdf" in m for m in messages)
    preview.close()
