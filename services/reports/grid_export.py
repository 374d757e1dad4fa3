"""The Rekonsiliasi month grid as Excel (one row per employee, one column per day, the totals) and as a
landscape PDF for printing (desktop/printing.py shows it in the print preview).

Both take the MonthGrid the screen shows (services/reconcile/grid.py), so what is exported is what
the user filtered and sees; the cell colours follow the screen's categories.
"""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from services.calendar.names import BULAN, HARI
from services.reconcile.grid import GridRow, MonthGrid
from services.tabular import put_cell

# the screen's category colours (desktop/models/month_grid.py CATEGORY_COLOURS), as ARGB-less hex
COLOURS = {"hadir": "C8E6C9", "telat": "FFE0B2", "tk": "EF9A9A", "cuti": "BBDEFB", "dl": "B2DFDB",
           "sakit_izin": "E1BEE7", "libur": "E0E0E0"}
TOTALS = (("H", "H"), ("TK", "TK"), ("TL", "TL"), ("PSW", "PSW"), ("CUTI", "Cuti"), ("DL", "DL"), ("S/I", "S/I"))


def _title(grid: MonthGrid, opd_name: str, unit_name: str) -> str:
    return f"Rekap kehadiran {BULAN[grid.month - 1]} {grid.year} — {opd_name}" + (f" — {unit_name}" if unit_name else "")


def _cells(row: GridRow) -> list[str]:
    return [c.label if c is not None else "" for c in row.cells]


def export_grid_excel(grid: MonthGrid, path: Path | str, *, opd_name: str, unit_name: str = "") -> Path:
    """Write the grid to ``path`` (.xlsx): title, header of days, one row per employee, totals."""
    from services.reports.excel import _atomic_save

    wb = Workbook()
    ws = wb.active
    ws.title = f"{BULAN[grid.month - 1][:3]} {grid.year}"
    put_cell(ws, 1, 1, _title(grid, opd_name, unit_name)).font = Font(bold=True, size=13)
    header = ["No", "NIP", "Nama", "Unit kerja", *(f"{d.day}\n{HARI[d.weekday()][:3]}" for d in grid.days),
              *(label for _k, label in TOTALS)]
    for c, text in enumerate(header, 1):
        cell = put_cell(ws, 3, c, text)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    first_day_col = 5
    for n, row in enumerate(grid.rows, 1):
        r = 3 + n
        for c, value in enumerate([n, row.nip, row.name, row.unit], 1):
            put_cell(ws, r, c, value)
        for i, cell_obj in enumerate(row.cells):
            cell = put_cell(ws, r, first_day_col + i, cell_obj.label if cell_obj is not None else "")
            cell.alignment = Alignment(horizontal="center")
            colour = COLOURS.get(cell_obj.category) if cell_obj is not None else None
            if colour:
                cell.fill = PatternFill("solid", fgColor=colour)
        for j, (key, _label) in enumerate(TOTALS):
            put_cell(ws, r, first_day_col + len(grid.days) + j, row.totals.get(key, 0))
    ws.column_dimensions["A"].width = 5
    ws.column_dimensions["B"].width = 21
    ws.column_dimensions["C"].width = 30
    ws.column_dimensions["D"].width = 24
    for i in range(len(grid.days) + len(TOTALS)):
        ws.column_dimensions[get_column_letter(first_day_col + i)].width = 6
    ws.freeze_panes = ws.cell(row=4, column=first_day_col)
    return _atomic_save(wb, Path(path))


def grid_pdf(grid: MonthGrid, *, opd_name: str, unit_name: str = "", printed_at: str = "") -> bytes:
    """A landscape A4 PDF of the grid (repeating header row), for the print preview."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=landscape(A4), leftMargin=8 * mm, rightMargin=8 * mm, topMargin=10 * mm,
                            bottomMargin=10 * mm, title=_title(grid, opd_name, unit_name))
    styles = getSampleStyleSheet()
    head = ["No", "Nama", *(str(d.day) for d in grid.days), *(label for _k, label in TOTALS)]
    data: list[list[str]] = [head]
    for n, row in enumerate(grid.rows, 1):
        data.append([str(n), row.name[:28], *_cells(row), *(str(row.totals.get(k, 0)) for k, _l in TOTALS)])
    days = len(grid.days)
    name_w = 42 * mm
    rest = (doc.width - 8 * mm - name_w) / (days + len(TOTALS))
    table = LongTable(data, colWidths=[8 * mm, name_w, *([rest] * (days + len(TOTALS)))], repeatRows=1)
    style = [("FONT", (0, 0), (-1, -1), "Helvetica", 6), ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 6),
             ("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("ALIGN", (2, 0), (-1, -1), "CENTER"),
             ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E9EEF3"))]
    for r, row in enumerate(grid.rows, 1):
        for i, cell in enumerate(row.cells):
            colour = COLOURS.get(cell.category) if cell is not None else None
            if colour:
                style.append(("BACKGROUND", (2 + i, r), (2 + i, r), colors.HexColor(f"#{colour}")))
    table.setStyle(TableStyle(style))
    foot = f"Dicetak {printed_at} oleh Presensi OPD." if printed_at else ""
    doc.build([Paragraph(_title(grid, opd_name, unit_name), styles["Heading3"]), Spacer(1, 3 * mm), table,
               Spacer(1, 3 * mm), Paragraph(foot, styles["Normal"])])
    return buf.getvalue()
