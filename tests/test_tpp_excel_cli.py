"""Excel export re-opened with openpyxl, and the `tpp` / `disiplin` / `notices` CLI on a real database."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from services.cli import main as cli_main
from services.jobs import Cancelled, CancelToken
from services.policy.model import load_policy
from services.policy.tpp import month_recap
from services.reports.excel import export_discipline_job, export_tpp_excel, export_tpp_job
from services.store.models import DayRecord, Employee
from tests.cli_login import login_args

D = dt.date


def _seed(db, org) -> int:  # type: ignore[no-untyped-def]
    emp_id = org.employee_ids[1]
    with db.transaction() as s:
        emp = s.get(Employee, emp_id)
        emp.tpp_base = 4_000_000
        s.add(DayRecord(employee_id=emp_id, date=D(2026, 3, 2), status="H", working_day=True, tl_tier=2, late_minutes=45, apel=False))
        s.add(DayRecord(employee_id=emp_id, date=D(2026, 3, 3), status="TK", working_day=True))
        s.add(DayRecord(employee_id=emp_id, date=D(2026, 3, 4), status="TK", working_day=True))
        s.add(DayRecord(employee_id=emp_id, date=D(2026, 3, 5), status="TK", working_day=True))
    return emp_id


def test_excel_reopened_values(db, org, tmp_path) -> None:
    emp_id = _seed(db, org)
    with db.session() as s:
        rows = month_recap(s, org.opd_id, 2026, 3, load_policy("kotawaringin_timur"))
        nip = s.get(Employee, emp_id).nip
    seen: list[int] = []
    path = export_tpp_excel(rows, tmp_path / "tpp.xlsx", opd_name="Diskominfo", year=2026, month=3,
                            generated_at=db.clock.now(),
                            progress=lambda d, t, m="": seen.append(d))
    assert seen[-1] == 12
    ws = load_workbook(path).active
    assert ws["A1"].value == "Rekapitulasi Potongan TPP Maret 2026"
    header_row = next(r for r in range(1, 10) if ws.cell(row=r, column=1).value == "No")
    headers = [c.value for c in ws[header_row]]
    data = {ws.cell(row=r, column=2).value: r for r in range(header_row + 1, header_row + 13)}
    r = data[nip]
    col = {h: i + 1 for i, h in enumerate(headers)}
    # TL2 1 % + apel 0.5 % + 3 x TK 4 % = 13.5 % of the whole TPP 4.000.000 (SE 800.1/1090) = 540.000
    assert ws.cell(row=r, column=col["TK"]).value == 3
    assert ws.cell(row=r, column=col["TL2"]).value == 1
    assert ws.cell(row=r, column=col["Tidak Apel"]).value == 1
    assert ws.cell(row=r, column=col["Potongan (%)"]).value == pytest.approx(13.5)
    assert ws.cell(row=r, column=col["TPP Dasar (Rp)"]).value == 4_000_000
    assert ws.cell(row=r, column=col["Dasar Potongan (Rp)"]).value == 4_000_000
    assert ws.cell(row=r, column=col["Potongan (Rp)"]).value == 540_000
    assert ws.cell(row=r, column=col["TPP Diterima (Rp)"]).value == 3_460_000
    assert isinstance(ws.cell(row=r, column=col["NIP"]).value, str) and len(nip) == 18
    total_row = header_row + 13
    assert ws.cell(row=total_row, column=3).value == "JUMLAH"
    assert ws.cell(row=total_row, column=col["Potongan (Rp)"]).value == sum(x.deduction_rp for x in rows)
    # the arithmetic sheet: one row per rule line, then the employee's total
    detail = load_workbook(path)["Rincian potongan"]
    head = next(r for r in range(1, 10) if detail.cell(row=r, column=1).value == "No")
    dcol = {c.value: i + 1 for i, c in enumerate(detail[head])}
    body = [[detail.cell(row=r, column=c).value for c in range(1, 13)] for r in range(head + 1, detail.max_row + 1)]
    mine = [b for b in body if b[dcol["NIP"] - 1] == nip]
    assert [(b[5], b[7], b[8], b[10]) for b in mine] == [("TL2", 1, 1.0, 40_000), ("TK", 3, 4.0, 480_000),
                                                         ("APEL_MISS", 1, 0.5, 20_000)]
    assert all(b[3] == 4_000_000 and b[4] == 4_000_000 for b in mine)
    total = body[body.index(mine[-1]) + 1]
    assert (total[2], total[10], total[11]) == ("Jumlah potongan", 540_000, 3_460_000)


def test_background_jobs_and_cancel(db, org, tmp_path) -> None:
    _seed(db, org)
    out = export_tpp_job(db, org.opd_id, 2026, 3, tmp_path / "a.xlsx")
    assert load_workbook(out).active.max_row > 12
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        export_tpp_job(db, org.opd_id, 2026, 3, tmp_path / "b.xlsx", cancel=token)
    assert not (tmp_path / "b.xlsx").exists() and not (tmp_path / "b.xlsx.tmp").exists()
    d = export_discipline_job(db, org.opd_id, 2026, tmp_path / "d.xlsx")
    ws = load_workbook(d).active
    assert ws["A1"].value == "Rekapitulasi Disiplin PP 94/2021 Tahun 2026"


def test_cli_tpp_disiplin_notices(db, org, tmp_path, capsys) -> None:
    emp_id = _seed(db, org)
    with db.session() as s:
        nip = s.get(Employee, emp_id).nip
    dbp = db.location
    assert cli_main(["--db", dbp, "tpp", "--year", "2026", "--month", "3", "--excel", str(tmp_path / "c.xlsx"), *login_args("operator", tmp_path)]) == 0
    out = capsys.readouterr().out
    assert nip in out and "Rp 540.000" in out and (tmp_path / "c.xlsx").exists()
    assert cli_main(["--db", dbp, "disiplin", "--year", "2026", *login_args("operator", tmp_path)]) == 0
    out = capsys.readouterr().out
    assert nip in out and "teguran lisan" in out and "Surat Panggilan I" in out
    assert cli_main(["--db", dbp, "notices", "create", "--kind", "SP1", "--nip", nip, "--date", "2026-03-09",
                     "--exam-date", "2026-03-12", "--place", "Ruang Rapat", "--paper", "F4", *login_args("operator", tmp_path)]) == 0
    assert "800.1.6.4/001/SP-I/DISKOMINFO/2026" in capsys.readouterr().out
    assert cli_main(["--db", dbp, "notices", "create", "--kind", "SP1", "--nip", nip, "--date", "2026-03-09",
                     "--exam-date", "2026-03-30", "--place", "Ruang Rapat", *login_args("operator", tmp_path)]) == 1
    assert "paling lambat" in capsys.readouterr().err
    assert cli_main(["--db", dbp, "notices", "list", "--year", "2026", *login_args("operator", tmp_path)]) == 0
    assert "SP-I" in capsys.readouterr().out
