"""Naskah dinas of one notice: the DOCX draft for Srikandi, then nomor -> signed PDF -> delivery."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.context import AppContext
from desktop.models.row_table import RowTableModel
from desktop.widgets import button, date_edit, make_table, pydate
from services.errors import UserError
from services.reports.notice_track import (
    STATUS_LABELS,
    attach_signed_pdf,
    ensure_docx,
    mark_delivered,
    notice_history,
    record_number,
)
from services.store.models import Employee, NoticeNumber
from services.timefmt import tanggal_jam


class NoticeTrackDialog(QDialog):
    def __init__(self, ctx: AppContext, notice_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.notice_id = ctx, notice_id
        self.setWindowTitle("Naskah dinas surat disiplin")
        self.setMinimumWidth(680)
        today = ctx.clock.today()
        self.head = QLabel("")
        self.head.setWordWrap(True)
        self.open_draft = button("Buka draf DOCX", self.open_docx, primary=True)
        self.save_draft = button("Simpan salinan draf…", self.save_docx_copy)
        drafts = QHBoxLayout()
        hint = QLabel("Unggah draf ke Srikandi; nomor, tanggal dan TTE diisi Srikandi (${nomor_naskah}, "
                      "${tanggal_naskah}, ${ttd_pengirim}).")
        hint.setObjectName("subtitle")
        hint.setWordWrap(True)
        drafts.addWidget(hint, 1)
        drafts.addWidget(self.open_draft)
        drafts.addWidget(self.save_draft)

        self.number = QLineEdit()
        self.number.setPlaceholderText("nomor dari Srikandi, mis. 800.1.6.4/123/DISKOMINFO/2026")
        self.number_date = date_edit(today)
        self.number_button = button("Catat nomor", self.save_number)
        g1 = QGroupBox("1. Nomor dan tanggal dari Srikandi")
        f1 = QFormLayout(g1)
        f1.addRow("Nomor", self.number)
        f1.addRow("Tanggal surat", self.number_date)
        f1.addRow("", self.number_button)

        self.pdf = QLineEdit()
        self.pdf.setPlaceholderText("PDF final bertanda tangan (unduhan Srikandi / pindaian)")
        pick = button("Pilih…", self._pick_pdf)
        row = QHBoxLayout()
        row.addWidget(self.pdf, 1)
        row.addWidget(pick)
        self.pdf_button = button("Lampirkan PDF", self.save_pdf)
        g2 = QGroupBox("2. PDF bertanda tangan")
        f2 = QFormLayout(g2)
        f2.addRow("Berkas", row)
        f2.addRow("", self.pdf_button)

        self.delivered_on = date_edit(today)
        self.delivered_note = QLineEdit()
        self.delivered_note.setPlaceholderText("mis. Diserahkan langsung, diterima yang bersangkutan")
        self.deliver_button = button("Catat penyerahan", self.save_delivery)
        g3 = QGroupBox("3. Penyerahan kepada pegawai")
        f3 = QFormLayout(g3)
        f3.addRow("Tanggal", self.delivered_on)
        f3.addRow("Cara / penerima", self.delivered_note)
        f3.addRow("", self.deliver_button)

        self.history = RowTableModel([("Waktu", lambda e: tanggal_jam(e.at)),
                                      ("Oleh", lambda e: e.username),
                                      ("Status", lambda e: STATUS_LABELS.get(e.to_status, e.to_status)),
                                      ("Keterangan", lambda e: e.note)])
        self.message = QLabel("")
        self.message.setWordWrap(True)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setText("Tutup")
        close.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.head)
        lay.addLayout(drafts)
        for g in (g1, g2, g3):
            lay.addWidget(g)
        lay.addWidget(make_table(self.history), 1)
        lay.addWidget(self.message)
        lay.addWidget(close)
        self.refresh()

    def refresh(self) -> None:
        with self.ctx.db.session() as s:
            row = s.get(NoticeNumber, self.notice_id)
            assert row is not None
            emp = s.get(Employee, row.employee_id)
            self.status = row.status
            official = (f" · nomor Srikandi <b>{row.official_number}</b> tanggal {row.official_date:%d-%m-%Y}"
                        if row.official_number and row.official_date else "")
            self.head.setText(f"<b>{row.number}</b> (register aplikasi) · {emp.name if emp else '-'} · status "
                              f"<b>{STATUS_LABELS.get(row.status, row.status)}</b>{official}")
            self.history.set_rows(notice_history(s, self.notice_id))
        can = self.ctx.user.has("operator") or self.ctx.user.has("verifier")
        for w, st in ((self.number_button, "draft"), (self.number, "draft"), (self.number_date, "draft"),
                      (self.pdf_button, "numbered"), (self.pdf, "numbered"),
                      (self.deliver_button, "signed"), (self.delivered_on, "signed"), (self.delivered_note, "signed")):
            w.setEnabled(can and self.status == st)
        self.open_draft.setEnabled(can)
        self.save_draft.setEnabled(can)

    def _show(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #b3261e;" if error else "color: #1e7b34;")
        self.message.setText(text)

    def _do(self, fn, *args) -> bool:  # type: ignore[no-untyped-def]
        try:
            res = fn(self.ctx.db, self.notice_id, self.ctx.user, *args)
        except UserError as exc:
            self._show(str(exc), error=True)
            return False
        self._show(res.message)
        self.ctx.notify(res.changes)
        self.refresh()
        return True

    def save_number(self) -> bool:
        return self._do(record_number, self.number.text(), pydate(self.number_date.date()))

    def _pick_pdf(self) -> None:
        path, _f = QFileDialog.getOpenFileName(self, "PDF bertanda tangan", str(self.ctx.data_dir), "PDF (*.pdf)")
        if path:
            self.pdf.setText(path)

    def save_pdf(self) -> bool:
        if not self.pdf.text().strip():
            self._show("Pilih berkas PDF bertanda tangan terlebih dahulu.", error=True)
            return False
        return self._do(attach_signed_pdf, Path(self.pdf.text().strip()))

    def save_delivery(self) -> bool:
        return self._do(mark_delivered, pydate(self.delivered_on.date()), self.delivered_note.text())

    def docx_path(self) -> Path | None:
        try:
            return ensure_docx(self.ctx.db, self.notice_id, self.ctx.user)
        except UserError as exc:
            self._show(str(exc), error=True)
            return None

    def open_docx(self) -> None:
        path = self.docx_path()
        if path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def save_docx_copy(self, target: Path | None = None) -> Path | None:
        path = self.docx_path()
        if path is None:
            return None
        if target is None:
            chosen, _f = QFileDialog.getSaveFileName(self, "Simpan draf", str(self.ctx.data_dir / path.name),
                                                     "Dokumen Word (*.docx)")
            if not chosen:
                return None
            target = Path(chosen)
        shutil.copyfile(path, target)
        self._show(f"Draf disimpan: {target}")
        return target
