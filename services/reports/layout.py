"""Shared page layout for every PDF: paper sizes (A4, F4), letterhead, signature block."""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from services.calendar.names import BULAN
from services.errors import BadInputError

PAPER_SIZES: dict[str, tuple[float, float]] = {
    "A4": (210 * mm, 297 * mm),
    "F4": (215 * mm, 330 * mm),
}


def paper(name: str, landscape: bool = False) -> tuple[float, float]:
    try:
        w, h = PAPER_SIZES[name.upper()]
    except KeyError:
        raise BadInputError(f"Ukuran kertas '{name}' tidak dikenal (pilih A4 atau F4)") from None
    return (h, w) if landscape else (w, h)


@dataclass(frozen=True)
class Letterhead:
    region_name: str  # PEMERINTAH KABUPATEN ...
    opd_name: str
    address: str
    city: str

    @classmethod
    def from_opd(cls, opd) -> Letterhead:  # type: ignore[no-untyped-def]
        return cls(region_name=opd.region_name, opd_name=opd.name, address=opd.address, city=opd.city)


def draw_letterhead(c: Canvas, head: Letterhead, page_size: tuple[float, float], top_margin: float = 15 * mm) -> float:
    """Draw the kop surat; returns the y coordinate just below the double rule."""
    width, height = page_size
    cx = width / 2
    y = height - top_margin
    c.setFont("Helvetica-Bold", 12)
    c.drawCentredString(cx, y, head.region_name.upper())
    y -= 6 * mm
    c.setFont("Helvetica-Bold", 14)
    c.drawCentredString(cx, y, head.opd_name.upper())
    y -= 5 * mm
    c.setFont("Helvetica", 9)
    c.drawCentredString(cx, y, f"{head.address}, {head.city}".strip(", "))
    y -= 3 * mm
    c.setLineWidth(2)
    c.line(15 * mm, y, width - 15 * mm, y)
    c.setLineWidth(0.5)
    c.line(15 * mm, y - 1.2 * mm, width - 15 * mm, y - 1.2 * mm)
    return y - 6 * mm


def draw_signature_block(
    c: Canvas, x: float, y: float, place_date: str, title: str, name: str, nip: str, gap: float = 22 * mm
) -> tuple[float, float]:
    """Text block for a wet or digital signature; returns (x, y) of the empty signing area's bottom-left."""
    c.setFont("Helvetica", 10)
    c.drawString(x, y, place_date)
    c.drawString(x, y - 5 * mm, title)
    sign_bottom = y - 5 * mm - gap
    c.setFont("Helvetica-Bold", 10)
    c.drawString(x, sign_bottom - 4 * mm, name)
    c.setFont("Helvetica", 10)
    c.drawString(x, sign_bottom - 9 * mm, f"NIP. {nip}")
    return x, sign_bottom


def tanggal_indonesia(d) -> str:  # type: ignore[no-untyped-def]
    return f"{d.day} {BULAN[d.month - 1]} {d.year}"
