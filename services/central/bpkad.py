"""Region-wide TPP table for the finance office (BPKAD), built from the submissions themselves.

Each OPD's per-employee summary lines travel with its signed bundle; this export takes, per
OPD, the newest *accepted* revision (or, with ``only_accepted=False``, the newest revision) and
writes one workbook: every employee of the region on the first sheet, one line per OPD (with its
status against the deadline) on the second. OPDs without a usable submission are listed, never
silently left out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from services.calendar.names import BULAN
from services.central.bundle import summary_rows
from services.central.client import connect
from services.central.review import load_board
from services.central.status import OpdMonthStatus, SubmissionMeta
from services.jobs import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from services.policy.recap import MonthRecapRow
from services.reports.excel import _BORDER, PCT_FORMAT, RP_FORMAT, _atomic_save, _header, _title
from services.tabular import put_cell

EMPLOYEE_COLUMNS = ["No", "Kode OPD", "Perangkat Daerah", "NIP", "Nama", "Jabatan", "Unit", "Hari Kerja", "TK",
                    "Potongan (%)", "TPP Dasar (Rp)", "Potongan (Rp)", "TPP Diterima (Rp)", "Revisi"]
OPD_COLUMNS = ["No", "Kode OPD", "Perangkat Daerah", "Status", "Ketepatan", "Revisi", "Dikirim", "Pegawai",
               "TPP Dasar (Rp)", "Potongan (Rp)", "TPP Diterima (Rp)", "Keterangan"]


@dataclass(frozen=True)
class OpdTpp:
    status: OpdMonthStatus
    used: SubmissionMeta | None  # the revision whose lines are in the table
    lines: list[MonthRecapRow]
    note: str


@dataclass(frozen=True)
class RegionExport:
    path: Path
    opds: int
    included: int
    employees: int
    tpp_net: int

    def summary(self) -> str:
        rupiah = f"Rp{self.tpp_net:,}".replace(",", ".")
        return (f"{self.included} dari {self.opds} perangkat daerah, {self.employees} pegawai, TPP diterima "
                f"{rupiah} → {self.path}")


def _pick(row: OpdMonthStatus, only_accepted: bool) -> tuple[SubmissionMeta | None, str]:
    if not row.history:
        return None, "belum mengirim"
    if not only_accepted:
        return row.history[-1], "" if row.history[-1].decision == "accepted" else "belum diterima BKPSDM"
    accepted = [h for h in row.history if h.decision == "accepted"]
    if not accepted:
        return None, "belum ada revisi yang diterima BKPSDM"
    note = "" if accepted[-1] is row.history[-1] else f"revisi {row.history[-1].revision} lebih baru belum diputuskan"
    return accepted[-1], note


def region_tpp(conn: psycopg.Connection, year: int, month: int, as_of: dt.date, *, only_accepted: bool = True,
               cancel: CancelToken = NEVER_CANCELLED) -> list[OpdTpp]:
    out = []
    for row in load_board(conn, year, month, as_of):
        cancel.raise_if_cancelled()
        used, note = _pick(row, only_accepted)
        lines: list[MonthRecapRow] = []
        if used is not None:
            got = conn.execute("SELECT summary FROM submission WHERE id = %s", (used.id,)).fetchone()
            lines = summary_rows(got[0] if got else [])
        out.append(OpdTpp(row, used, lines, note))
    conn.rollback()
    return out


def export_region_tpp_excel(items: list[OpdTpp], path: Path, *, year: int, month: int, region_name: str,
                            generated_at: dt.datetime, only_accepted: bool = True,
                            progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> RegionExport:
    wb = Workbook()
    wb.properties.created = wb.properties.modified = generated_at
    ws = wb.active
    ws.title = f"TPP {year}-{month:02d}"
    basis = "revisi terakhir yang DITERIMA BKPSDM" if only_accepted else "revisi terakhir (diterima atau belum)"
    first = _title(ws, [f"Tabel TPP {BULAN[month - 1]} {year} — seluruh perangkat daerah", region_name,
                        f"Sumber: kiriman OPD ke BKPSDM, {basis}; dibuat {generated_at:%d-%m-%Y %H:%M}"],
                   len(EMPLOYEE_COLUMNS))
    _header(ws, first, EMPLOYEE_COLUMNS)
    r, n = first, 0
    for i, item in enumerate(items, 1):
        cancel.raise_if_cancelled()
        for line in item.lines:
            n += 1
            r = first + n
            values = [n, item.status.opd.code, item.status.opd.name, line.nip, line.name, line.jabatan, line.unit,
                      line.working_days, line.count("TK"), line.deduction_pct, line.tpp_base, line.deduction_rp,
                      line.tpp_net, item.used.revision if item.used else None]
            for col, v in enumerate(values, 1):
                put_cell(ws, r, col, v).border = _BORDER
            ws.cell(row=r, column=4).number_format = "@"
            ws.cell(row=r, column=10).number_format = PCT_FORMAT
            for col in (11, 12, 13):
                ws.cell(row=r, column=col).number_format = RP_FORMAT
        progress(i, len(items), item.status.opd.name)
    if n:
        put_cell(ws, r + 1, 5, "JUMLAH").font = Font(bold=True)
        for col, attr in ((11, "tpp_base"), (12, "deduction_rp"), (13, "tpp_net")):
            cell = put_cell(ws, r + 1, col, sum(getattr(x, attr) for it in items for x in it.lines))
            cell.number_format, cell.font = RP_FORMAT, Font(bold=True)
    for col, width in enumerate([6, 14, 32, 21, 28, 28, 24, 8, 6, 10, 15, 15, 15, 7], 1):
        ws.column_dimensions[get_column_letter(col)].width = width
    _opd_sheet(wb, items, year, month)
    _atomic_save(wb, path)
    included = sum(1 for it in items if it.used is not None)
    return RegionExport(Path(path), len(items), included, n, sum(x.tpp_net for it in items for x in it.lines))


def _opd_sheet(wb: Workbook, items: list[OpdTpp], year: int, month: int) -> None:
    ws = wb.create_sheet("Rekap OPD")
    first = _title(ws, [f"Rekap TPP per perangkat daerah {BULAN[month - 1]} {year}"], len(OPD_COLUMNS))
    _header(ws, first, OPD_COLUMNS)
    for i, it in enumerate(items, 1):
        st = it.status
        sent = (st.first_submitted_at.astimezone(ZoneInfo(st.opd.timezone)).strftime("%d-%m-%Y %H:%M")
                if st.first_submitted_at else "")
        values = [i, st.opd.code, st.opd.name, st.label, st.timeliness, it.used.revision if it.used else None, sent,
                  len(it.lines), sum(x.tpp_base for x in it.lines), sum(x.deduction_rp for x in it.lines),
                  sum(x.tpp_net for x in it.lines), it.note]
        for col, v in enumerate(values, 1):
            put_cell(ws, first + i, col, v).border = _BORDER
        for col in (9, 10, 11):
            ws.cell(row=first + i, column=col).number_format = RP_FORMAT
    for col, width in enumerate([5, 14, 34, 26, 12, 7, 17, 8, 16, 16, 16, 40], 1):
        ws.column_dimensions[get_column_letter(col)].width = width


def export_region_tpp_job(url: str, password: str | None, year: int, month: int, path: Path, *, as_of: dt.date,
                          generated_at: dt.datetime, region_name: str = "", only_accepted: bool = True,
                          progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> RegionExport:
    """Background job (desktop/ops.py): read the month at the central DB, write the workbook."""
    progress(0, 1, "Membaca kiriman seluruh OPD")
    with connect(url, password) as conn:
        items = region_tpp(conn, year, month, as_of, only_accepted=only_accepted, cancel=cancel)
    return export_region_tpp_excel(items, path, year=year, month=month, region_name=region_name,
                                   generated_at=generated_at, only_accepted=only_accepted, progress=progress,
                                   cancel=cancel)
