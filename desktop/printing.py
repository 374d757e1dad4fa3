"""Print preview with printer choice for every PDF the app makes (reports, notices, kartu presensi).

PDF pages are rendered to images with pypdfium2 (PDFium; BSD-3/Apache-2.0, wheels for Windows and
Linux; QtPdf is not part of PySide6-Essentials) and painted onto a ``QPrinter``: the same code draws
the preview (``QPrintPreviewWidget``) and the printed pages, so what is shown is what is printed.

Printing never pretends: when the printer cannot be opened, a page cannot be started, or the printer
reports an error, :func:`print_pdf` raises :class:`PrintError` and the dialog says so in red (and the
caller's ``status`` callback gets the failure for the message list). There is no shell-out to ``lp``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSize, QSizeF, Qt
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo, QPrintPreviewWidget
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.screen_fit import fit_size
from services.errors import UserError

PRINT_DPI = 300  # sharp enough for text on paper, ~35 MB per A4 page while painting
PREVIEW_DPI = 110
PDF_FILE = "__pdf__"  # the printer combo's "save as a PDF file" entry


class PrintError(UserError):
    title = "Gagal mencetak"


@dataclass(frozen=True)
class PrintOutcome:
    pages: int
    target: str  # printer name or output file

    def message(self, document: str) -> str:
        return f"{document}: {self.pages} halaman dikirim ke {self.target}."


class PdfPages:
    """The pages of one PDF file, rendered on demand (keeps the file open until close())."""

    def __init__(self, path: Path | str) -> None:
        import pypdfium2 as pdfium

        self.path = Path(path)
        if not self.path.is_file():
            raise PrintError(f"Berkas PDF tidak ditemukan: {self.path}")
        try:
            self._doc = pdfium.PdfDocument(str(self.path))
        except pdfium.PdfiumError as exc:
            raise PrintError(f"Berkas {self.path.name} bukan PDF yang dapat dibaca ({exc}).") from None
        self.count = len(self._doc)

    def size_pt(self, index: int) -> tuple[float, float]:
        w, h = self._doc[index].get_size()
        return float(w), float(h)

    def render(self, index: int, dpi: float) -> QImage:
        page = self._doc[index]
        bitmap = page.render(scale=dpi / 72.0, rev_byteorder=True, prefer_bgrx=True)
        image = QImage(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride, QImage.Format.Format_RGBX8888)
        return image.copy()  # own the pixels before the PDFium bitmap is freed

    def close(self) -> None:
        self._doc.close()


def page_layout_for(pages: PdfPages) -> QPageLayout:
    """Paper of the PDF's first page (A4, F4, landscape or portrait) with no extra margins."""
    w, h = pages.size_pt(0)
    portrait = QSizeF(min(w, h), max(w, h))
    size = QPageSize(portrait, QPageSize.Unit.Point, "", QPageSize.SizeMatchPolicy.FuzzyMatch)
    orientation = QPageLayout.Orientation.Landscape if w > h else QPageLayout.Orientation.Portrait
    return QPageLayout(size, orientation, QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Point)


def _target(printer: QPrinter) -> str:
    if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat:
        return printer.outputFileName() or "(berkas PDF)"
    return printer.printerName() or "printer bawaan"


def paint_pages(pages: PdfPages, printer: QPrinter, dpi: float) -> int:
    """Paint the printer's page range (all pages when none is set); returns the number of pages painted."""
    first = max(1, printer.fromPage() or 1)
    last = min(pages.count, printer.toPage() or pages.count)
    if first > last:
        raise PrintError(f"Rentang halaman {first}–{last} di luar dokumen ({pages.count} halaman).")
    painter = QPainter()
    if not painter.begin(printer):
        raise PrintError(f"Printer '{_target(printer)}' tidak dapat dibuka. Periksa printer (menyala, kertas, "
                         "sambungan) atau pilih printer lain.")
    painted = 0
    try:
        for index in range(first - 1, last):
            if painted and not printer.newPage():
                raise PrintError(f"Halaman {index + 1} tidak dapat dimulai di printer '{_target(printer)}'.")
            image = pages.render(index, dpi)
            area = QRectF(painter.viewport())
            scale = min(area.width() / image.width(), area.height() / image.height())
            w, h = image.width() * scale, image.height() * scale
            target = QRectF(area.x() + (area.width() - w) / 2, area.y() + (area.height() - h) / 2, w, h)
            painter.drawImage(target, image)
            painted += 1
    finally:
        painter.end()
    if printer.printerState() == QPrinter.PrinterState.Error:
        raise PrintError(f"Printer '{_target(printer)}' melaporkan kesalahan; dokumen tidak tercetak.")
    return painted


def print_pdf(path: Path | str, printer: QPrinter, dpi: float = PRINT_DPI) -> PrintOutcome:
    """Print ``path`` on ``printer`` (page size and orientation taken from the PDF)."""
    pages = PdfPages(path)
    try:
        printer.setPageLayout(page_layout_for(pages))
        printer.setFullPage(True)
        printer.setDocName(Path(path).name)
        painted = paint_pages(pages, printer, dpi)
    finally:
        pages.close()
    return PrintOutcome(painted * max(1, printer.copyCount()), _target(printer))


class PrintPreviewDialog(QDialog):
    """Pages as they will be printed, a printer choice (or a PDF file), copies, and "Cetak"."""

    def __init__(self, path: Path | str, title: str = "", parent: QWidget | None = None,
                 status: Callable[[str], None] | None = None) -> None:
        super().__init__(parent)
        self.path = Path(path)
        self.document = title or self.path.name
        self.status = status
        self.outcome: PrintOutcome | None = None
        self.pages = PdfPages(self.path)  # refuses a missing or broken file before anything is shown
        self.setWindowTitle(f"Cetak — {self.document}")
        self.printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        self.printer.setPageLayout(page_layout_for(self.pages))
        self.printer.setFullPage(True)

        self.choice = QComboBox()
        default = QPrinterInfo.defaultPrinterName()
        for name in QPrinterInfo.availablePrinterNames():
            self.choice.addItem(name, name)
        self.choice.addItem("Simpan sebagai berkas PDF…", PDF_FILE)
        self.choice.setCurrentIndex(max(0, self.choice.findData(default)) if default else 0)
        self.no_printer = QLabel("" if QPrinterInfo.availablePrinterNames() else
                                 "Belum ada printer terpasang di komputer ini.")
        self.no_printer.setObjectName("subtitle")
        self.options = QPushButton("Pengaturan printer…")
        self.options.setToolTip("Pilih printer, halaman dan pilihan lain di jendela printer sistem")
        self.options.clicked.connect(self.printer_options)
        self.copies = QSpinBox(minimum=1, maximum=50)
        self.copies.setPrefix("Salinan: ")

        self.preview = QPrintPreviewWidget(self.printer, self)
        self.preview.paintRequested.connect(lambda p: paint_pages(self.pages, p, PREVIEW_DPI))
        self.preview.setZoomMode(QPrintPreviewWidget.ZoomMode.FitToWidth)
        zoom_in = QPushButton("Perbesar")
        zoom_in.clicked.connect(lambda: self.preview.zoomIn())
        zoom_out = QPushButton("Perkecil")
        zoom_out.clicked.connect(lambda: self.preview.zoomOut())
        whole = QPushButton("Satu halaman")
        whole.clicked.connect(lambda: self.preview.fitInView())

        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.print_button = QPushButton("Cetak")
        self.print_button.setObjectName("primary")
        self.print_button.clicked.connect(self.do_print)
        close = QPushButton("Tutup")
        close.clicked.connect(self.reject)

        top = QHBoxLayout()
        top.addWidget(QLabel("Printer:"))
        top.addWidget(self.choice, 1)
        top.addWidget(self.options)
        top.addWidget(self.copies)
        zoom = QHBoxLayout()
        zoom.addWidget(QLabel(f"{self.pages.count} halaman"))
        zoom.addWidget(self.no_printer, 1)
        for b in (zoom_out, zoom_in, whole):
            zoom.addWidget(b)
        bottom = QHBoxLayout()
        bottom.addWidget(self.error, 1)
        bottom.addWidget(close)
        bottom.addWidget(self.print_button)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addLayout(zoom)
        lay.addWidget(self.preview, 1)
        lay.addLayout(bottom)
        self.resize(fit_size(self, QSize(900, 860)))

    def page_count(self) -> int:
        return self.preview.pageCount()

    def printer_options(self) -> None:
        """The system's printer dialog (printer, page range, duplex, …); its choice shows in the combo."""
        self._apply_choice(ask_file=False)
        dialog = QPrintDialog(self.printer, self)
        dialog.setWindowTitle("Pengaturan printer")
        if dialog.exec() == QDialog.DialogCode.Accepted:
            name = self.printer.printerName()
            index = self.choice.findData(name) if name else self.choice.findData(PDF_FILE)
            if index >= 0:
                self.choice.setCurrentIndex(index)
            self.copies.setValue(max(1, self.printer.copyCount()))

    def _apply_choice(self, ask_file: bool = True) -> bool:
        data = self.choice.currentData()
        if data == PDF_FILE:
            if ask_file and not self.printer.outputFileName():
                suggested = str(self.path.with_name(self.path.stem + "-cetak.pdf"))
                name, _ = QFileDialog.getSaveFileName(self, "Simpan hasil cetak", suggested, "PDF (*.pdf)")
                if not name:
                    return False
                self.printer.setOutputFileName(name)
            self.printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        else:
            self.printer.setOutputFormat(QPrinter.OutputFormat.NativeFormat)
            self.printer.setPrinterName(str(data))
        self.printer.setCopyCount(self.copies.value())
        return True

    def do_print(self) -> PrintOutcome | None:
        if not self._apply_choice():
            return None
        self.error.setText("")
        try:
            self.outcome = print_pdf(self.path, self.printer)
        except PrintError as exc:
            self.error.setText(str(exc))
            if self.status is not None:
                self.status(f"Gagal mencetak {self.document}: {exc}")
            return None
        if self.status is not None:
            self.status(self.outcome.message(self.document))
        self.accept()
        return self.outcome

    def done(self, result: int) -> None:  # Qt override: the PDF file is released when the dialog closes
        self.pages.close()
        super().done(result)


def show_print_preview(parent: QWidget | None, path: Path | str, title: str = "",
                       status: Callable[[str], None] | None = None) -> PrintPreviewDialog | None:
    """Open the preview (non-blocking); a missing or broken PDF is refused with a message instead."""
    from desktop.errors import present_refusal

    try:
        dialog = PrintPreviewDialog(path, title, parent, status)
    except PrintError as exc:
        present_refusal(parent, exc)
        if status is not None:
            status(f"Gagal mencetak: {exc}")
        return None
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
