"""Surat Cuti & Tugas: register of cuti / surat tugas (DL) / sakit / izin letters with scanned attachments."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select

from desktop.context import AppContext
from desktop.errors import present_refusal
from desktop.models.row_table import RowTableModel
from desktop.views.reconcile_dialogs import (
    PeriodPicker,
    ask_text,
    filter_row,
    save_buttons,
)
from desktop.widgets import date_edit, make_table, page_header, pydate, qdate
from services.calendar.names import month_bounds
from services.changes import Changes
from services.errors import UserError
from services.letters.kinds import LETTER_KINDS, STATUS_LABELS
from services.letters.leave import letter_preview as leave_line
from services.letters.preview import OverrideDay, letter_preview
from services.letters.register import (
    FLAG_LABELS,
    LetterRow,
    create_letter,
    delete_letter,
    find_overlaps,
    list_letters,
    update_letter,
)
from services.paths import files_dir
from services.store.models import Employee


class LetterDialog(QDialog):
    """Add or edit one letter; warns about overlaps before saving."""

    def __init__(self, ctx: AppContext, existing: LetterRow | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.existing = ctx, existing
        self.setWindowTitle("Ubah surat" if existing else "Tambah surat")
        self.setMinimumWidth(1080)
        today = ctx.clock.today()
        self.kind = QComboBox()
        for code, k in LETTER_KINDS.items():
            self.kind.addItem(f"{k.label} ({code})", code)
        self.number = QLineEdit()
        self.number.setPlaceholderText("mis. 851/012/UMPEG/2026")
        self.letter_date = date_edit(today)
        self.date_from = date_edit(today)
        self.date_to = date_edit(today)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Cari nama / NIP…")
        self.employees = QListWidget()
        self.employees.setMinimumHeight(180)
        with ctx.db.session() as s:
            for eid, name, nip, kind in s.execute(select(Employee.id, Employee.name, Employee.nip, Employee.kind)
                                                  .where(Employee.opd_id == ctx.opd_id).order_by(Employee.name)):
                item = QListWidgetItem(f"{name} — {nip} ({kind})")
                item.setData(Qt.ItemDataRole.UserRole, eid)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
                self.employees.addItem(item)
        self.note = QLineEdit()
        self.attachment: Path | None = None
        self.attach_label = QLabel("Belum ada lampiran")
        attach_btn = QPushButton("Pilih berkas pindaian…")
        attach_btn.clicked.connect(self._pick_attachment)
        attach_row = QHBoxLayout()
        attach_row.addWidget(self.attach_label, 1)
        attach_row.addWidget(attach_btn)
        self.warning = QLabel("")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color:#e65100;")
        # what the letter would change, recomputed as the form changes (services/letters/preview.py)
        self.preview_model = RowTableModel([
            ("Pegawai", lambda o: o.employee_name),
            ("Tanggal", lambda o: o.date.strftime("%d-%m-%Y")),
            ("Sebelum", lambda o: STATUS_LABELS.get(o.before, o.before)),
            ("Sesudah", lambda o: STATUS_LABELS.get(o.after, o.after)),
            ("Yang ditimpa", lambda o: o.overrides),
        ], background=lambda o, c: "#fde7d9" if o.changes and o.overrides else (None if o.changes else "#eeeeee"))
        self.preview_table = make_table(self.preview_model, stretch=4, contents=(1, 2), fixed={0: 130, 3: 120})
        self.preview_table.setWordWrap(True)  # what is overridden is a sentence: wrap it instead of cutting it
        self.preview_table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.preview_table.setMinimumWidth(520)
        self.preview_label = QLabel("")
        self.preview_label.setWordWrap(True)
        self.preview: list[OverrideDay] = []
        side = QVBoxLayout()
        heading = QLabel("Yang berubah bila surat disimpan")
        heading.setStyleSheet("font-weight: 600;")
        side.addWidget(heading)
        side.addWidget(self.preview_label)
        side.addWidget(self.preview_table, 1)
        outer = QHBoxLayout(self)
        form = QFormLayout()
        outer.addLayout(form, 4)
        outer.addLayout(side, 5)
        form.addRow("Jenis", self.kind)
        form.addRow("Nomor surat", self.number)
        form.addRow("Tanggal surat", self.letter_date)
        dates = QHBoxLayout()
        dates.addWidget(self.date_from)
        dates.addWidget(QLabel("s.d."))
        dates.addWidget(self.date_to)
        dates.addStretch(1)
        form.addRow("Berlaku", dates)
        form.addRow("Pegawai", self.search)
        self.chosen = QLabel("")
        self.chosen.setObjectName("subtitle")
        form.addRow("", self.employees)
        form.addRow("", self.chosen)
        form.addRow("Keterangan", self.note)
        form.addRow("Lampiran (PDF/JPG/PNG)", attach_row)
        form.addRow("", self.warning)
        self.balance = QLabel("")  # cuti tahunan: hak / terpakai / sisa of each chosen ASN
        self.balance.setObjectName("subtitle")
        self.balance.setWordWrap(True)
        form.addRow("Sisa cuti tahunan", self.balance)
        buttons = save_buttons()
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        if existing is not None:
            self.kind.setCurrentIndex(list(LETTER_KINDS).index(existing.kind) if existing.kind in LETTER_KINDS else 0)
            self.number.setText(existing.number)
            self.letter_date.setDate(qdate(existing.letter_date))
            self.date_from.setDate(qdate(existing.date_from))
            self.date_to.setDate(qdate(existing.date_to))
            self.note.setText(existing.note)
            self.set_checked(existing.employee_ids)
            if existing.attachment_path:
                self.attach_label.setText(f"Tersimpan: {Path(existing.attachment_path).name}")
        self.search.textChanged.connect(self._filter)
        self.employees.itemChanged.connect(lambda _i: self._check_overlaps())
        self._check_overlaps()
        self.date_from.dateChanged.connect(lambda _d: self._check_overlaps())
        self.date_to.dateChanged.connect(lambda _d: self._check_overlaps())
        self.kind.currentIndexChanged.connect(lambda _i: self._check_overlaps())
        self.letter_date.dateChanged.connect(lambda _d: self._update_preview())

    def set_checked(self, ids) -> None:  # type: ignore[no-untyped-def]
        wanted = set(ids)
        for i in range(self.employees.count()):
            item = self.employees.item(i)
            if item.data(Qt.ItemDataRole.UserRole) in wanted:
                item.setCheckState(Qt.CheckState.Checked)

    def checked_ids(self) -> list[int]:
        return [self.employees.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.employees.count())
                if self.employees.item(i).checkState() == Qt.CheckState.Checked]

    def _filter(self, text: str) -> None:
        t = text.strip().lower()
        for i in range(self.employees.count()):
            item = self.employees.item(i)
            item.setHidden(bool(t) and t not in item.text().lower())

    def _pick_attachment(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Pilih pindaian surat", "", "Surat (*.pdf *.jpg *.jpeg *.png)")
        if path:
            self.attachment = Path(path)
            self.attach_label.setText(self.attachment.name)

    def _update_preview(self) -> None:
        with self.ctx.db.session() as s:
            self.preview = letter_preview(s, str(self.kind.currentData()), pydate(self.letter_date.date()),
                                          self.checked_ids(), pydate(self.date_from.date()), pydate(self.date_to.date()),
                                          self.existing.id if self.existing else None)
        self.preview_model.set_rows(self.preview)
        changed = [o for o in self.preview if o.changes]
        lost = [o for o in changed if o.overrides]
        kept = len(self.preview) - len(changed)
        if not self.preview:
            text = "Tidak ada hari tercatat yang berubah (hari libur tetap libur; hari yang belum dihitung " \
                   "mengikuti surat saat dihitung)."
        else:
            text = f"{len(changed)} hari berubah status" + (
                f", {len(lost)} di antaranya menimpa presensi, koreksi atau surat lain" if lost else "") + (
                f"; {kept} hari tidak berubah karena koreksi status atau surat yang lebih baru" if kept else "") + "."
        self.preview_label.setText(text)

    def _show_balance(self, ids: list[int]) -> None:
        if self.kind.currentData() != "CT" or not ids:
            self.balance.setText("—" if self.kind.currentData() == "CT" else "hanya untuk cuti tahunan")
            return
        d0, d1 = pydate(self.date_from.date()), pydate(self.date_to.date())
        if d1 < d0:
            self.balance.setText("")
            return
        with self.ctx.db.session() as s:
            lines = [leave_line(s, e, d0, d1, self.existing.id if self.existing else None) for e in ids[:5]]
        self.balance.setText("\n".join(lines) + ("\n…" if len(ids) > 5 else ""))

    def _check_overlaps(self) -> None:
        self._update_preview()
        ids = self.checked_ids()
        self.chosen.setText(f"{len(ids)} pegawai dipilih" if ids else "Belum ada pegawai dipilih: centang nama di daftar.")
        self._show_balance(ids)
        if not ids:
            self.warning.setText("")
            return
        with self.ctx.db.session() as s:
            hits = find_overlaps(s, ids, pydate(self.date_from.date()), pydate(self.date_to.date()),
                                 self.existing.id if self.existing else None)
        self.warning.setText("" if not hits else "Tumpang tindih dengan: " + "; ".join(
            f"{num} ({name})" for _id, num, name in hits[:5]) + (" …" if len(hits) > 5 else ""))

    def _save(self) -> None:
        kwargs = dict(kind=str(self.kind.currentData()), number=self.number.text(),
                      letter_date=pydate(self.letter_date.date()), date_from=pydate(self.date_from.date()),
                      date_to=pydate(self.date_to.date()), employee_ids=self.checked_ids(), note=self.note.text(),
                      attachment=self.attachment, files_dir=files_dir(self.ctx.db.path, "letters"))
        try:
            with self.ctx.db.transaction() as s:
                if self.existing is None:
                    create_letter(s, self.ctx.user.username, **kwargs)  # type: ignore[arg-type]
                else:
                    update_letter(s, self.ctx.user.username, self.existing.id,
                                  expected_version=self.existing.version, **kwargs)  # type: ignore[arg-type]
        except UserError as exc:
            present_refusal(self, exc, "Surat belum tersimpan.")
            return
        self.ctx.notify(Changes(letters=True, records=True))
        self.accept()


class LettersView(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        title, subtitle = page_header(
            "Surat Cuti & Tugas",
            "Cuti (PNS & PPPK), surat tugas / dinas luar, sakit dan izin. Hari yang tercakup surat otomatis "
            "dihitung ulang; hari libur di dalam rentang surat tetap libur.")
        self.period = PeriodPicker(self.ctx.clock.today())
        self.kind = QComboBox()
        self.kind.addItem("Semua jenis", None)
        for code, k in LETTER_KINDS.items():
            self.kind.addItem(k.label, code)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Cari nomor / nama pegawai…")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(220)
        self.add_btn = QPushButton("Tambah surat…")
        self.add_btn.setObjectName("primary")
        self.edit_btn = QPushButton("Ubah…")
        self.delete_btn = QPushButton("Hapus…")
        self.open_btn = QPushButton("Buka lampiran")
        top = filter_row(self.period, "Jenis", self.kind)
        top.addWidget(self.add_btn)
        # the actions on the selected letter sit under the table's top edge, next to the search box
        second = QHBoxLayout()
        second.addWidget(self.search)
        second.addStretch(1)
        second.addWidget(QLabel("Surat terpilih:"))
        for b in (self.edit_btn, self.delete_btn, self.open_btn):
            second.addWidget(b)
        self.model = RowTableModel([
            ("Nomor", lambda r: r.number),
            ("Jenis", lambda r: r.kind_label),
            ("Tgl surat", lambda r: r.letter_date.strftime("%d-%m-%Y")),
            ("Mulai", lambda r: r.date_from.strftime("%d-%m-%Y")),
            ("Selesai", lambda r: r.date_to.strftime("%d-%m-%Y")),
            ("Hari", lambda r: r.days),
            ("Pegawai", lambda r: r.employee_names),
            ("Lampiran", lambda r: "Ada" if r.attachment_path and "lampiran_rusak" not in r.flags else "—"),
            ("Perlu perhatian", lambda r: "; ".join(FLAG_LABELS[f] for f in r.flags)),
        ], background=lambda r, c: ("#fff3e0" if r.flags else None))
        # long texts (letter kind, employee names) get a fixed width; the full text is in the tooltip
        self.table = make_table(self.model, contents=(2, 3, 4, 5, 7), fixed={0: 165, 1: 215, 6: 200})
        self.table.activated.connect(lambda _i: self._edit())
        self.summary = QLabel("")
        lay = QVBoxLayout(self)
        lay.addWidget(title)
        lay.addWidget(subtitle)
        lay.addLayout(top)
        lay.addLayout(second)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.summary)
        self.add_btn.clicked.connect(self._add)
        self.edit_btn.clicked.connect(self._edit)
        self.delete_btn.clicked.connect(self._delete)
        self.open_btn.clicked.connect(self._open_attachment)
        self.period.changed.connect(lambda _y, _m: self.refresh())
        self.kind.currentIndexChanged.connect(lambda _i: self.refresh())
        self.search.textChanged.connect(lambda _t: self.refresh())
        ctx.events.changed.connect(lambda ch: self.refresh() if (ch.letters or ch.employees) else None)
        self.refresh()

    def refresh(self) -> None:
        first, last = month_bounds(*self.period.value())
        with self.ctx.db.session() as s:
            rows = list_letters(s, first, last, kind=self.kind.currentData())
        text = self.search.text().strip().lower()
        if text:
            rows = [r for r in rows if text in r.number.lower() or text in r.employee_names.lower()]
        self.model.set_rows(rows)
        flagged = sum(1 for r in rows if r.flags)
        missing = sum(1 for r in rows if "lampiran_hilang" in r.flags or "lampiran_rusak" in r.flags)
        overlap = sum(1 for r in rows if "tumpang_tindih" in r.flags)
        self.summary.setText(f"{len(rows)} surat · {flagged} perlu perhatian ({missing} tanpa lampiran, "
                             f"{overlap} tumpang tindih)")

    def _selected(self) -> LetterRow | None:
        sel = self.table.selectionModel().selectedRows()
        return self.model.row(sel[0].row()) if sel else None

    def _add(self) -> None:
        LetterDialog(self.ctx, None, self).exec()

    def _edit(self) -> None:
        row = self._selected()
        if row is None:
            QMessageBox.information(self, "Pilih surat", "Pilih satu surat di tabel dulu.")
            return
        LetterDialog(self.ctx, row, self).exec()

    def _delete(self) -> None:
        row = self._selected()
        if row is None:
            QMessageBox.information(self, "Pilih surat", "Pilih satu surat di tabel dulu.")
            return
        reason = ask_text(self, "Hapus surat", f"Alasan menghapus surat {row.number} (tercatat di jejak audit):",
                          ok_text="Hapus surat")
        if reason is None:
            return
        try:
            with self.ctx.db.transaction() as s:
                delete_letter(s, self.ctx.user.username, row.id, reason, expected_version=row.version)
        except UserError as exc:
            present_refusal(self, exc, "Surat tidak dihapus.")
            return
        self.ctx.notify(Changes(letters=True, records=True))

    def _open_attachment(self) -> None:
        row = self._selected()
        if row is None or not row.attachment_path or not Path(row.attachment_path).is_file():
            QMessageBox.information(self, "Lampiran", "Surat ini belum punya lampiran yang tersimpan.")
            return
        QDesktopServices.openUrl(QUrl.fromLocalFile(row.attachment_path))
