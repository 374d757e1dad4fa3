"""Appendix of the monthly report: each employee's TPP deduction as arithmetic Umpeg staff can redo by hand.

One row per employee with a deduction: TPP, the deduction base in rupiah, every rule line
("TL1 2 × 0,5 % = Rp 16.000"), the total and the TPP received. Cells are plain strings (no
Paragraph per row): a 6.000-employee OPD stays a few seconds of layout, like the main table.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from services.jobs import NEVER_CANCELLED, CancelToken
from services.policy.recap import MonthRecapRow, signed_rupiah
from services.reports.paged_table import PagedTable

HEADER = ["No", "Nama / NIP", "TPP (Rp)", "Dasar potongan", "Rincian potongan (aturan, jumlah × persen = rupiah)",
          "Potongan (Rp)", "Diterima (Rp)"]


def _rp(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def appendix_flowables(rows: Sequence[MonthRecapRow], frame_w: float,
                       cancel: CancelToken = NEVER_CANCELLED) -> list[Flowable]:
    """The appendix (empty when no employee has a deduction line this month)."""
    charged = [r for r in rows if r.lines]
    if not charged:
        return []
    title = ParagraphStyle("at", fontName="Helvetica-Bold", fontSize=10, leading=13)
    note = ParagraphStyle("an", fontName="Helvetica", fontSize=7.5, leading=9.5)
    basis = charged[0].deduction_base_label or "dasar potongan"
    data: list[list[str]] = [HEADER]
    for i, r in enumerate(charged, start=1):
        if i % 200 == 0:
            cancel.raise_if_cancelled()
        data.append([str(i), f"{r.name}\nNIP. {r.nip}", _rp(r.tpp_base), _rp(r.deduction_base_rp),
                     "\n".join(ln.describe() for ln in r.lines), _rp(r.deduction_rp), _rp(r.tpp_net)])
    fixed = [8, 0, 24, 24, 0, 22, 24]
    rest = frame_w / mm - sum(fixed)
    widths = [w * mm for w in fixed]
    widths[1], widths[4] = rest * 0.38 * mm, rest * 0.62 * mm
    # page by page in linear time, header repeated (services/reports/paged_table.py)
    table = PagedTable(data[:1], data[1:], widths, [
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 7),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 7),
        ("LEADING", (0, 1), (-1, -1), 8.5),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dfe7f1")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#777777")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (2, 1), (3, -1), "RIGHT"),
        ("ALIGN", (5, 1), (6, -1), "RIGHT"),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ], lambda _last: [])
    return [
        Spacer(1, 4 * mm),
        Paragraph("LAMPIRAN: RINCIAN POTONGAN TPP PER PEGAWAI", title),
        Paragraph(f"Persentase dihitung dari {basis} (dasar potongan per pegawai pada kolom keempat). Tiap baris "
                  f"rincian = jumlah kejadian × persen × dasar potongan, dibulatkan ke rupiah; potongan = jumlah "
                  f"baris rincian; diterima = TPP − potongan. Pegawai yang tidak tercantum tidak dikenai potongan.",
                  note),
        Spacer(1, 2 * mm),
        table,
        Paragraph(f"Jumlah potongan lampiran: {signed_rupiah(sum(r.deduction_rp for r in charged))} "
                  f"({len(charged)} pegawai).", note),
    ]
