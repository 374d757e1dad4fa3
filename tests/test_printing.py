"""Print preview and printing of the app's PDFs: a PDF-file printer, real pages checked with poppler."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtPrintSupport import QPrinter
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

from desktop.printing import PDF_FILE, PrintError, PrintPreviewDialog, print_pdf
from tests.shots import shots_dir


def _source_pdf(path: Path, pages: int = 2, size: tuple[float, float] = A4) -> Path:
    c = Canvas(str(path), pagesize=size)
    for i in range(pages):
        c.setFont("Helvetica-Bold", 28)
        c.drawString(72, size[1] - 100 - 120 * i, f"HALAMAN {i + 1}")
        c.rect(72, 72, 200 + 150 * i, 60 + 40 * i, fill=1)  # a different dark block on every page
        c.showPage()
    c.save()
    return path


def _pdfinfo(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in out.splitlines() if ":" in line)}


def _gray_pages(path: Path, out: Path, dpi: int = 30) -> list[np.ndarray]:
    """pdftoppm -gray at a low resolution; one array per page."""
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", str(path), str(out)], check=True)
    arrays = []
    for pgm in sorted(out.parent.glob(out.name + "-*.pgm")):
        data = pgm.read_bytes()
        header = data.split(b"\n", 3)  # P5, width height, maxval, pixels
        w, h = (int(x) for x in header[1].split())
        arrays.append(np.frombuffer(header[3][: w * h], np.uint8).reshape(h, w).astype(int))
    return arrays


def _pdf_printer(path: Path) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    return printer


def test_printed_pages_are_the_pdf_pages(qapp, tmp_path: Path) -> None:
    from PySide6.QtCore import QCoreApplication

    from desktop.theme import apply

    apply(qapp)  # the app's Indonesian translator must leave Qt's other texts (page size names) alone
    assert QCoreApplication.translate("QPageSize", "A4") == "A4"
    src = _source_pdf(tmp_path / "surat.pdf", pages=2)
    out = tmp_path / "cetak.pdf"
    outcome = print_pdf(src, _pdf_printer(out), dpi=100)
    assert outcome.pages == 2 and outcome.target == str(out)
    info = _pdfinfo(out)
    assert info["Pages"] == "2"
    assert info["Page size"].startswith("595") and "842" in info["Page size"], info["Page size"]  # A4 portrait
    before = _gray_pages(src, tmp_path / "src")
    after = _gray_pages(out, tmp_path / "out")
    assert len(before) == len(after) == 2
    for a, b in zip(before, after, strict=True):
        assert abs(a.shape[0] - b.shape[0]) <= 1 and abs(a.shape[1] - b.shape[1]) <= 1  # 595.28 pt vs 595 pt
        h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
        a, b = a[:h, :w], b[:h, :w]
        assert np.abs(a - b).mean() < 6, np.abs(a - b).mean()  # the same picture, page for page
        assert (b < 100).sum() > 200  # and not a blank page
    assert np.abs(after[0][:h, :w] - after[1][:h, :w]).mean() > 2  # page 2 is page 2, not page 1 again


def test_landscape_report_keeps_its_orientation(qapp, tmp_path: Path) -> None:
    src = _source_pdf(tmp_path / "laporan.pdf", pages=1, size=landscape(A4))
    out = tmp_path / "cetak.pdf"
    print_pdf(src, _pdf_printer(out), dpi=72)
    size = _pdfinfo(out)["Page size"]
    width, height = (float(x) for x in size.split(" pts")[0].split(" x "))
    assert width > height and round(width) == 842, size


def test_printer_that_cannot_be_opened_is_an_error(qapp, tmp_path: Path) -> None:
    src = _source_pdf(tmp_path / "surat.pdf")
    with pytest.raises(PrintError, match="tidak dapat dibuka"):
        print_pdf(src, _pdf_printer(tmp_path / "tidak-ada" / "folder" / "cetak.pdf"))
    with pytest.raises(PrintError, match="bukan PDF"):
        bad = tmp_path / "rusak.pdf"
        bad.write_bytes(b"bukan pdf")
        print_pdf(bad, _pdf_printer(tmp_path / "x.pdf"))


def test_preview_dialog_shows_pages_and_prints_or_says_it_failed(qtbot, tmp_path: Path) -> None:
    src = _source_pdf(tmp_path / "surat.pdf", pages=3)
    messages: list[str] = []
    dlg = PrintPreviewDialog(src, "Surat panggilan", status=messages.append)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitUntil(lambda: dlg.page_count() == 3, timeout=5000)
    dlg.grab().save(str(shots_dir() / "print_preview.png"))
    avail = dlg.screen().availableGeometry()  # offscreen: 800×800; a laptop: 1366×768 minus the task bar
    assert dlg.width() <= avail.width() and dlg.height() <= avail.height()
    # a failing printer: the dialog stays open and says so; the message list gets the failure
    dlg.choice.setCurrentIndex(dlg.choice.findData(PDF_FILE))
    dlg.printer.setOutputFileName(str(tmp_path / "tidak-ada" / "cetak.pdf"))
    assert dlg.do_print() is None
    assert "tidak dapat dibuka" in dlg.error.text() and dlg.isVisible()
    assert messages[-1].startswith("Gagal mencetak Surat panggilan")
    # a working one
    good = tmp_path / "cetak.pdf"
    dlg.printer.setOutputFileName(str(good))
    dlg.copies.setValue(1)
    outcome = dlg.do_print()
    assert outcome is not None and outcome.pages == 3
    assert _pdfinfo(good)["Pages"] == "3"
    assert "3 halaman" in messages[-1] and not dlg.isVisible()


def test_notice_print_button_opens_the_preview_not_lp(qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from desktop.views import tpp_notice_dialog

    def no_subprocess(*_a, **_k):  # type: ignore[no-untyped-def]
        raise AssertionError("printing must not shell out")

    monkeypatch.setattr(subprocess, "run", no_subprocess)
    monkeypatch.setattr(subprocess, "Popen", no_subprocess)
    src = _source_pdf(tmp_path / "SP1.pdf", pages=1)
    messages: list[str] = []
    text = tpp_notice_dialog.print_pdf(src, None, messages.append)
    assert "Pratinjau cetak" in text
    from PySide6.QtWidgets import QApplication

    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, PrintPreviewDialog) and w.isVisible()]
    assert dialogs and dialogs[0].path == src
    for d in dialogs:
        d.close()
    # a missing file says so instead of "sent to the printer"
    monkeypatch.setattr("desktop.errors.QMessageBox.warning", lambda *a: messages.append(a[2]))
    assert "Gagal" in tpp_notice_dialog.print_pdf(tmp_path / "hilang.pdf", None, messages.append)
    assert any("tidak ditemukan" in m for m in messages)
