"""Excel (openpyxl) export of the monthly TPP table and the yearly discipline table.

Numbers are written as numbers (not text) so finance staff can sum them; rupiah
columns carry a thousands format. The file is written to a temporary name and
renamed, so a cancelled or failed export never leaves a half-written .xlsx.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from services.calendar.names import BULAN
from services.jobs import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from services.policy.discipline import DisciplineRow
from services.policy.model import policy_for_opd
from services.policy.recap import MonthRecapRow
from services.tabular import put_cell, put_formula

RP_FORMAT = '#,##0'
PCT_FORMAT = '0.00'
_HEAD_FILL = PatternFill("solid", fgColor="DDE7F0")
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)

TPP_COLUMNS = ["No", "NIP", "Nama", "Jabatan", "Unit", "Hari Kerja", "H", "DL", "TL1", "TL2", "TL3", "TL4",
               "PSW1", "PSW2", "PSW3", "PSW4", "TK", "Cuti", "S", "I", "Tidak Apel", "Manipulasi",
               "Potongan (%)", "TPP Dasar (Rp)", "Dasar Potongan (Rp)", "Potongan (Rp)", "TPP Diterima (Rp)"]
DETAIL_COLUMNS = ["No", "NIP", "Nama", "TPP Dasar (Rp)", "Dasar Potongan (Rp)", "Aturan", "Keterangan", "Jumlah",
                  "Persen per Kejadian", "Persen", "Potongan (Rp)", "TPP Diterima (Rp)"]
DISCIPLINE_COLUMNS = ["No", "NIP", "Nama", "Jenis", "Jabatan", "Unit", "TK (hari)", "Terlambat (menit)",
                      "Pulang Cepat (menit)", "Konversi (hari)", "Jumlah (hari)", "TK Berturut-turut",
                      "Tingkat", "Hukuman", "Pemeriksa", "Dokumen Berikutnya"]


def _atomic_save(wb: Workbook, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _title(ws, lines: list[str], ncols: int) -> int:  # type: ignore[no-untyped-def]
    for i, text in enumerate(lines, 1):
        put_cell(ws, i, 1, text).font = Font(bold=i == 1, size=13 if i == 1 else 11)
        ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=ncols)
    return len(lines) + 2


def _header(ws, row: int, columns: list[str]) -> None:  # type: ignore[no-untyped-def]
    for c, name in enumerate(columns, 1):
        cell = put_cell(ws, row, c, name)
        cell.font = Font(bold=True)
        cell.fill = _HEAD_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.freeze_panes = ws.cell(row=row + 1, column=4)


def export_tpp_excel(
    rows: list[MonthRecapRow],
    path: Path,
    *,
    opd_name: str,
    year: int,
    month: int,
    generated_at: dt.datetime,
    policy_name: str = "",
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> Path:
    wb = Workbook()
    wb.properties.created = wb.properties.modified = generated_at
    ws = wb.active
    ws.title = f"TPP {year}-{month:02d}"
    first = _title(ws, [f"Rekapitulasi Potongan TPP {BULAN[month - 1]} {year}", opd_name,
                        f"Kebijakan: {policy_name}" if policy_name else ""], len(TPP_COLUMNS))
    _header(ws, first, TPP_COLUMNS)
    total = len(rows)
    r = first
    for i, row in enumerate(rows, 1):
        cancel.raise_if_cancelled()
        r = first + i
        c = row.count
        values = [i, row.nip, row.name, row.jabatan, row.unit, row.working_days, c("H"), c("DL"), c("TL1"),
                  c("TL2"), c("TL3"), c("TL4"), c("PSW1"), c("PSW2"), c("PSW3"), c("PSW4"), c("TK"), c("CUTI"),
                  c("S"), c("I"), c("APEL_MISS"), "Ya" if row.manipulation else "", row.deduction_pct, row.tpp_base,
                  row.deduction_base_rp, row.deduction_rp, row.tpp_net]
        for col, v in enumerate(values, 1):
            cell = put_cell(ws, r, col, v)
            cell.border = _BORDER
        ws.cell(row=r, column=2).number_format = "@"  # NIP is an identifier: keep all 18 digits as text
        ws.cell(row=r, column=23).number_format = PCT_FORMAT
        for col in (24, 25, 26, 27):
            ws.cell(row=r, column=col).number_format = RP_FORMAT
        progress(i, total, row.name)
    if rows:
        tr = r + 1
        put_cell(ws, tr, 3, "JUMLAH").font = Font(bold=True)
        for col in (24, 25, 26, 27):
            letter = get_column_letter(col)
            # plain totals too (not only a formula) so readers without recalculation still see the figure
            cell = put_cell(ws, tr, col, sum(
                (rw.tpp_base, rw.deduction_base_rp, rw.deduction_rp, rw.tpp_net)[col - 24] for rw in rows))
            cell.number_format = RP_FORMAT
            cell.font = Font(bold=True)
            put_formula(ws, tr + 1, col, f"=SUM({letter}{first + 1}:{letter}{r})").number_format = RP_FORMAT
        put_cell(ws, tr + 1, 3, "Kontrol (rumus)")
    widths = {1: 5, 2: 21, 3: 28, 4: 28, 5: 26}
    for col in range(1, len(TPP_COLUMNS) + 1):
        ws.column_dimensions[get_column_letter(col)].width = widths.get(col, 15 if col >= 23 else 7)
    put_cell(ws, r + 4 if rows else first + 2, 1,
             f"Dibuat {generated_at:%d-%m-%Y %H.%M}. Rupiah dibulatkan ke rupiah terdekat; "
             "TPP diterima = TPP dasar - potongan. Rincian per aturan: lembar 'Rincian potongan'.")
    _detail_sheet(wb, rows, year, month, cancel)
    return _atomic_save(wb, path)


def _detail_sheet(wb: Workbook, rows: list[MonthRecapRow], year: int, month: int, cancel: CancelToken) -> None:
    """One row per deduction line: jumlah × persen × dasar = rupiah, then the employee's total (hand-checkable)."""
    ws = wb.create_sheet("Rincian potongan")
    base_label = next((r.deduction_base_label for r in rows if r.deduction_base_label), "dasar potongan")
    first = _title(ws, [f"Rincian Potongan TPP {BULAN[month - 1]} {year}",
                        f"Persentase dihitung dari {base_label}; rupiah tiap baris = jumlah × persen × dasar "
                        f"potongan / 100, dibulatkan; potongan = jumlah baris."], len(DETAIL_COLUMNS))
    _header(ws, first, DETAIL_COLUMNS)
    r = first
    for i, row in enumerate((x for x in rows if x.lines), 1):
        cancel.raise_if_cancelled()
        for ln in row.lines:
            r += 1
            values = [i, row.nip, row.name, row.tpp_base, row.deduction_base_rp, ln.code, ln.label, ln.count, ln.pct,
                      ln.pct_total, ln.rupiah]
            for col, v in enumerate(values, 1):
                put_cell(ws, r, col, v).border = _BORDER
            ws.cell(row=r, column=2).number_format = "@"
        r += 1
        for col, v in ((3, "Jumlah potongan"), (10, row.deduction_pct), (11, row.deduction_rp), (12, row.tpp_net)):
            cell = put_cell(ws, r, col, v)
            cell.font = Font(bold=True)
            cell.border = _BORDER
    for rr in range(first + 1, r + 1):
        for col in (4, 5, 11, 12):
            ws.cell(row=rr, column=col).number_format = RP_FORMAT
    for col, w in enumerate([5, 21, 28, 15, 15, 9, 34, 8, 11, 11, 15, 15], 1):
        ws.column_dimensions[get_column_letter(col)].width = w


def export_discipline_excel(
    rows: list[DisciplineRow],
    path: Path,
    *,
    opd_name: str,
    year: int,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = f"Disiplin {year}"
    first = _title(ws, [f"Rekapitulasi Disiplin PP 94/2021 Tahun {year}", opd_name], len(DISCIPLINE_COLUMNS))
    _header(ws, first, DISCIPLINE_COLUMNS)
    for i, row in enumerate(rows, 1):
        cancel.raise_if_cancelled()
        values = [i, row.nip, row.name, row.kind, row.jabatan, row.unit, row.tk_days, row.late_minutes,
                  row.early_minutes, row.converted_days, row.total_days, row.longest_run,
                  row.level, row.sanction, row.examiner, row.next_document]
        for col, v in enumerate(values, 1):
            put_cell(ws, first + i, col, v).border = _BORDER
        ws.cell(row=first + i, column=2).number_format = "@"
        progress(i, len(rows), row.name)
    for col, w in enumerate([5, 21, 28, 8, 28, 26, 9, 11, 11, 10, 10, 12, 10, 40, 40, 40], 1):
        ws.column_dimensions[get_column_letter(col)].width = w
    return _atomic_save(wb, path)


def _opd_name(session, opd_id: int) -> str:  # type: ignore[no-untyped-def]
    from services.store.models import Opd

    opd = session.get(Opd, opd_id)
    return opd.name if opd else ""


def export_tpp_job(db, opd_id: int, year: int, month: int, path: Path, *,  # type: ignore[no-untyped-def]
                   progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> Path:
    """Background job (desktop/ops.py): own Session, month_recap, then the workbook."""
    from services.policy.tpp import month_recap

    progress(0, 1, "Menghitung rekap TPP…")
    with db.session() as s:
        policy, opd_name = policy_for_opd(s, opd_id), _opd_name(s, opd_id)
        rows = month_recap(s, opd_id, year, month, policy)
    cancel.raise_if_cancelled()
    return export_tpp_excel(rows, Path(path), opd_name=opd_name, year=year, month=month, policy_name=policy.name,
                            generated_at=db.clock.now(), progress=progress, cancel=cancel)


def export_discipline_job(db, opd_id: int, year: int, path: Path, *,  # type: ignore[no-untyped-def]
                          progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> Path:
    from services.policy.discipline import discipline_summary

    progress(0, 1, "Menghitung rekap disiplin…")
    with db.session() as s:
        policy, opd_name = policy_for_opd(s, opd_id), _opd_name(s, opd_id)
        rows = discipline_summary(s, opd_id, year, policy)
    cancel.raise_if_cancelled()
    return export_discipline_excel(rows, Path(path), opd_name=opd_name, year=year, progress=progress, cancel=cancel)
