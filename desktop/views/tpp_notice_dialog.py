"""Dialog to create a numbered disciplinary notice, and opening/printing the PDF."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from desktop.context import AppContext
from desktop.errors import present_refusal
from desktop.widgets import date_edit, dialog_buttons, pydate, qdate
from services.changes import Changes
from services.errors import UserError
from services.policy.discipline import NOTICE_KINDS, DisciplineRow
from services.reports.notice_people import NoticeError, resolve_examiner, supervisor_chain
from services.reports.notices import (
    EXAM_DEADLINE_WORKING_DAYS,
    NoticeRequest,
    NoticeResult,
    create_notice_in,
    default_examination_date,
    latest_examination_date,
)
from services.store.models import Employee

NEEDS_EXAM = ("SP1", "SP2", "BAP")


def open_pdf(path: Path | str) -> bool:
    """Open with the system PDF viewer (the user prints from there)."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def print_pdf(path: Path | str, parent: QWidget | None = None,
              status: Callable[[str], None] | None = None) -> str:
    """Open the in-app print preview with printer choice (desktop/printing.py); the dialog reports the outcome."""
    from desktop.printing import show_print_preview

    dialog = show_print_preview(parent, path, Path(path).name, status)
    return f"Pratinjau cetak dibuka: {Path(path).name}" if dialog is not None else f"Gagal membuka {Path(path).name}"


class NoticeDialog(QDialog):
    """Kind, dates, place, examiner, paper -> create_notice_in (numbered, audited, PDF saved)."""

    def __init__(self, ctx: AppContext, row: DisciplineRow, parent: QWidget | None = None, today: dt.date | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.row = ctx, row
        self.result_notice: NoticeResult | None = None
        self.setWindowTitle(f"Buat surat disiplin — {row.name}")
        self.setMinimumWidth(600)
        today = today or ctx.clock.today()
        info = QLabel(
            f"<b>{row.name}</b> · NIP {row.nip}<br>Jumlah {row.total_days} hari (TK {row.tk_days}, "
            f"konversi menit {row.converted_days}) · tingkat <b>{row.level or '-'}</b><br>"
            f"Usul hukuman kepada PPK: {row.sanction or '-'}"
            f"{' (' + row.sanction_article + ')' if row.sanction_article else ''}<br>Pemeriksa: {row.examiner or '-'}"
        )
        info.setWordWrap(True)
        self.kind = QComboBox()
        for code, (title, _short) in NOTICE_KINDS.items():
            self.kind.addItem(title, code)
        if row.next_kind:
            self.kind.setCurrentIndex(max(0, self.kind.findData(row.next_kind)))
        self.letter_date = date_edit(today)
        with ctx.db.session() as s:
            exam = default_examination_date(s, today)
            emp = s.get(Employee, row.employee_id)
            chain = [(e.id, f"{e.name} — {e.jabatan or '-'} (gol. {e.golongan or '-'})")
                     for e in (supervisor_chain(s, emp) if emp is not None else [])]
        self.exam_date = date_edit(exam)
        self.deadline = QLabel("")
        self.deadline.setObjectName("subtitle")
        self.deadline.setWordWrap(True)
        self.exam_time = QLineEdit("09.00 WIB")
        self.place = QLineEdit("Ruang Rapat Sekretariat")
        # only the supervisor chain: the atasan langsung first, then each higher atasan (PP 94/2021)
        self.examiner = QComboBox()
        self.examiner.setToolTip("Yang memeriksa: atasan langsung (bawaan) atau atasan berjenjang di atasnya; "
                                 "diubah di layar Pegawai → Atasan langsung")
        for i, (eid, label) in enumerate(chain):
            self.examiner.addItem(("Atasan langsung: " if i == 0 else "Atasan berjenjang: ") + label, eid)
        self.examiner.setEnabled(bool(chain))
        self.examiner_note = QLabel("")
        self.examiner_note.setObjectName("subtitle")
        self.examiner_note.setWordWrap(True)
        self.paper = QComboBox()
        self.paper.addItems(["A4", "F4"])
        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Jenis surat", self.kind)
        form.addRow("Tanggal surat", self.letter_date)
        form.addRow("Tanggal pemeriksaan", self.exam_date)
        form.addRow("", self.deadline)
        form.addRow("Jam", self.exam_time)
        form.addRow("Tempat", self.place)
        form.addRow("Pemeriksa", self.examiner)
        form.addRow("", self.examiner_note)
        form.addRow("Ukuran kertas", self.paper)
        buttons = dialog_buttons(self, "Buat && simpan PDF", on_ok=self.create_notice)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setEnabled(ctx.user.has("operator") or ctx.user.has("verifier"))
        lay = QVBoxLayout(self)
        lay.addWidget(info)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(buttons)
        self.kind.currentIndexChanged.connect(self._update)
        self.letter_date.dateChanged.connect(self._letter_date_changed)
        self.examiner.currentIndexChanged.connect(self._check_examiner)
        self._update()
        self._check_examiner()

    def _check_examiner(self) -> None:
        """Show who examines, or why nobody may (the same check create_notice_in makes)."""
        with self.ctx.db.session() as s:
            emp = s.get(Employee, self.row.employee_id)
            try:
                if emp is None:
                    raise NoticeError(f"Pegawai id {self.row.employee_id} tidak ditemukan")
                examiner = resolve_examiner(s, emp, self.examiner.currentData())
            except NoticeError as exc:
                self.examiner_problem = str(exc)
                self.examiner_note.setText(f"Surat belum dapat dibuat: {exc}")
                self.examiner_note.setObjectName("error")
            else:
                self.examiner_problem = ""
                self.examiner_note.setText(f"Pemeriksa: {examiner.name}, {examiner.jabatan or '-'} "
                                           f"(gol. {examiner.golongan or '-'})")
                self.examiner_note.setObjectName("subtitle")
        self.examiner_note.style().unpolish(self.examiner_note)
        self.examiner_note.style().polish(self.examiner_note)

    def _letter_date_changed(self) -> None:
        with self.ctx.db.session() as s:
            self.exam_date.setDate(qdate(default_examination_date(s, pydate(self.letter_date.date()))))
        self._update()

    def _update(self) -> None:
        needs_exam = self.kind.currentData() in NEEDS_EXAM
        for w in (self.exam_date, self.exam_time, self.place):
            w.setEnabled(needs_exam)
        if self.kind.currentData() in ("SP1", "SP2"):
            with self.ctx.db.session() as s:
                latest = latest_examination_date(s, pydate(self.letter_date.date()))
            self.deadline.setText(f"Paling lambat {latest:%d-%m-%Y} ({EXAM_DEADLINE_WORKING_DAYS} hari kerja setelah "
                                  f"tanggal surat; hari libur dan cuti bersama tidak dihitung)")
        else:
            self.deadline.setText("")

    def request(self) -> NoticeRequest:
        kind = self.kind.currentData()
        return NoticeRequest(
            kind=kind, employee_id=self.row.employee_id, letter_date=pydate(self.letter_date.date()),
            exam_date=pydate(self.exam_date.date()) if kind in NEEDS_EXAM else None,
            exam_time=self.exam_time.text().strip(), place=self.place.text().strip(),
            examiner_id=self.examiner.currentData(), paper=self.paper.currentText(),
        )

    def create_notice(self) -> None:
        try:
            # one small PDF: fast enough for the UI thread, and the user waits for its number anyway
            self.result_notice = create_notice_in(self.ctx.db, self.ctx.user, self.request())
        except UserError as exc:
            self.error.setText(str(exc))
            self.adjustSize()
            present_refusal(self, exc, "Surat disiplin belum dibuat.")
            return
        self.ctx.notify(Changes(notices=True))
        self.ctx.status(f"Surat {self.result_notice.number} dibuat")
        self.accept()


def show_created(parent: QWidget, res: NoticeResult) -> QMessageBox:
    """Non-blocking confirmation with 'Buka PDF' / 'Cetak' (returns the box so callers/tests can close it)."""
    box = QMessageBox(parent)
    box.setWindowTitle("Surat dibuat")
    box.setText(f"Nomor <b>{res.number}</b> terdaftar dan tercatat di jejak audit.<br>PDF: {res.pdf_path}")
    open_btn = box.addButton("Buka PDF", QMessageBox.ButtonRole.AcceptRole)
    print_btn = box.addButton("Cetak", QMessageBox.ButtonRole.ActionRole)
    box.addButton("Tutup", QMessageBox.ButtonRole.RejectRole)

    def clicked(button) -> None:  # type: ignore[no-untyped-def]
        if button is open_btn:
            open_pdf(res.pdf_path)
        elif button is print_btn:
            print_pdf(res.pdf_path, parent)

    box.buttonClicked.connect(clicked)
    box.open()
    return box
