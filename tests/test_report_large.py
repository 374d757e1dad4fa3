"""The monthly report at the size of a Dinas Pendidikan (6,000 employees) keeps its layout.

The table is split page by page by ``services.reports.paged_table.PagedTable`` (LongTable re-measured
every remaining row at each page break). Checked on real PDFs: text per page with pdftotext and the
rendered pages with pdftoppm (header band on every page, signing area left blank on the last page),
and the paged table renders pixel for pixel like reportlab's LongTable did.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import subprocess
from pathlib import Path

from PIL import Image, ImageChops
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, TableStyle

from services.demo.large_office import LETTERHEAD, SIGNATORY, recap_rows
from services.reports.layout import paper
from services.reports.monthly import build_monthly_pdf, signature_box
from services.reports.paged_table import PagedTable
from tests.report_fixtures import pdf_pages

HEADER_BLUE = (0xDF, 0xE7, 0xF1)


def _render(pdf: Path, page: int, out: Path, dpi: int = 40) -> Image.Image:
    stem = out / f"p{page}"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", "-f", str(page), "-l", str(page), str(pdf),
                    str(stem)], check=True)
    return Image.open(f"{stem}.png").convert("RGB")


def _page_texts(pdf: Path) -> list[str]:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout.split("\f")


def test_six_thousand_employees_keep_header_page_numbers_and_signature(tmp_path: Path) -> None:
    rows = recap_rows(6000)
    data, pages = build_monthly_pdf(rows, LETTERHEAD, 2026, 11, SIGNATORY, generated_at=dt.datetime(2026, 12, 1, 9, 0))
    pdf = tmp_path / "besar.pdf"
    pdf.write_bytes(data)
    assert pdf_pages(pdf) == pages and pages > 250
    texts = _page_texts(pdf)
    seen: list[str] = []
    in_appendix = False
    appendix_pages = 0
    for page in range(1, pages + 1):
        text = texts[page - 1]
        assert f"Halaman {page} dari {pages}" in text
        main_part, marker, appendix_part = text.partition("LAMPIRAN: RINCIAN POTONGAN TPP")
        if not in_appendix:
            assert "Terlambat Masuk (TL)" in main_part and "Nama / NIP" in main_part, f"header missing on page {page}"
            seen += re.findall(r"NIP\. (19800101200501\d{4})", main_part)
            in_appendix = bool(marker)
        elif page == pages and "Rincian potongan" not in text:  # the closing notes and signature on their own page
            assert "Keterangan:" in text and "Jumlah pegawai" in text
        else:  # the appendix repeats its own header row
            appendix_pages += 1
            assert "Rincian potongan" in text, f"appendix header missing on page {page}"
            assert "Terlambat Masuk (TL)" not in text
    assert seen == [r.nip for r in rows]  # every employee once, in order, none lost at a break
    assert appendix_pages > 20
    assert "REKAPITULASI KEHADIRAN PEGAWAI" in texts[0] and "PEMERINTAH KABUPATEN" in texts[0]
    assert sum("JUMLAH" in t for t in texts) == 1
    last = texts[pages - 1]
    assert "Budi Santoso" in last and "NIP. 196801011990031001" in last
    assert "Jumlah pegawai: 6000" in last
    assert sum("Jumlah potongan lampiran" in t for t in texts) == 1 and "Jumlah potongan lampiran" in texts[pages - 2] + last
    assert all("Budi Santoso" not in t for t in texts[:pages - 1])
    # the rendered pages: the blue header band near the top of every sampled page
    width_pt, height_pt = paper("A4", landscape=True)
    last_table = pages if "Rincian potongan" in last else pages - 1  # the closing notes may have a page of their own
    for page in (1, 2, pages // 2, last_table):
        img = _render(pdf, page, tmp_path)
        top = img.crop((0, 0, img.width, img.height // (3 if page == 1 else 6)))
        assert HEADER_BLUE in {c for _n, c in top.getcolors(100_000)}, f"no header band on page {page}"
    # the signing area on the last page stays empty for the PAdES stamp
    img = _render(pdf, pages, tmp_path)
    scale = img.width / width_pt
    x1, y1, x2, y2 = signature_box((width_pt, height_pt))
    box = img.crop((int(x1 * scale) + 2, int((height_pt - y2) * scale) + 2, int(x2 * scale) - 2,
                    int((height_pt - y1) * scale) - 2))
    assert box.getextrema() == ((255, 255), (255, 255), (255, 255))


def _doc(table_flowable: object) -> bytes:
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=landscape(A4), leftMargin=10 * mm, rightMargin=10 * mm,
                            topMargin=10 * mm, bottomMargin=10 * mm, invariant=1)
    doc.build([table_flowable])
    return buf.getvalue()


def test_paged_table_renders_like_longtable(tmp_path: Path) -> None:
    """Same pages, pixel for pixel: variable row heights, spanned header, striped body, totals row."""
    style = ParagraphStyle("c", fontName="Helvetica", fontSize=8, leading=10)
    rnd = random.Random(5)
    head = [["No", "Nama", "Jumlah", ""], ["", "", "a", "b"]]
    body = [[str(i), Paragraph(" ".join(["kata"] * rnd.randint(1, 60)), style), str(i * 3), str(i % 7)]
            for i in range(1, 400)]
    body.append(["", "TOTAL", "x", "y"])
    widths = [15 * mm, 150 * mm, 30 * mm, 30 * mm]
    common = [("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("SPAN", (2, 0), (3, 0)), ("SPAN", (0, 0), (0, 1)),
              ("SPAN", (1, 0), (1, 1)), ("BACKGROUND", (0, 0), (-1, 1), colors.HexColor("#dfe7f1")),
              ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
    stripes = [colors.white, colors.HexColor("#eeeeee")]
    last = len(head) + len(body) - 1

    def closing(at: int) -> list[tuple]:
        return [("FONT", (0, at), (-1, at), "Helvetica-Bold", 9), ("SPAN", (0, at), (1, at))]

    old = LongTable(head + body, colWidths=widths, repeatRows=2)
    old.setStyle(TableStyle([*common, ("ROWBACKGROUNDS", (0, 2), (-1, last - 1), stripes), *closing(last)]))
    new = PagedTable(head, body, widths, common, closing, row_backgrounds=stripes)
    a, b = tmp_path / "longtable.pdf", tmp_path / "paged.pdf"
    a.write_bytes(_doc(old))
    b.write_bytes(_doc(new))
    pages = pdf_pages(a)
    assert pages == pdf_pages(b) and pages > 5
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for page in range(1, pages + 1):
        ia, ib = _render(a, page, tmp_path / "a"), _render(b, page, tmp_path / "b")
        assert ImageChops.difference(ia, ib).getbbox() is None, f"page {page} differs"
