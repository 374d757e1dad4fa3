"""Dialogs of the BKPSDM screen: connect as the BKPSDM login, return with a reason, a month's history."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.models.row_table import RowTableModel
from desktop.widgets import dialog_buttons, make_table
from services import secrets
from services.central.review import MAX_REASON, MIN_RETURN_REASON
from services.central.status import DECISION_LABELS, OpdMonthStatus, SubmissionMeta
from services.timefmt import tanggal_jam


class ConnectDialog(QDialog):
    """URL of the central database with the BKPSDM login, and its password (optionally kept in keyring)."""

    def __init__(self, url: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Hubungkan ke server pusat sebagai BKPSDM")
        self.url = QLineEdit(url)
        self.url.setPlaceholderText("postgresql://bkpsdm@server:5432/presensi_pusat")
        self.password = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.remember = QCheckBox("Simpan kata sandi di keyring sistem")
        usable, message = secrets.keyring_status()
        self.remember.setEnabled(usable)
        note = QLabel(message)
        note.setObjectName("subtitle" if usable else "error")
        note.setWordWrap(True)
        intro = QLabel("Gunakan login BKPSDM di basis data pusat (anggota peran presensi_bkpsdm): login ini membaca "
                       "kiriman semua OPD dan mencatat keputusan terima/kembalikan.")
        intro.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Alamat server pusat", self.url)
        form.addRow("Kata sandi", self.password)
        form.addRow("", self.remember)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addWidget(note)
        lay.addWidget(dialog_buttons(self, "Hubungkan"))
        self.resize(560, 220)

    def values(self) -> tuple[str, str | None, bool]:
        return self.url.text().strip(), (self.password.text() or None), self.remember.isChecked()


class ReturnDialog(QDialog):
    """The reason for returning a bundle (the OPD reads it in its Laporan screen)."""

    def __init__(self, row: OpdMonthStatus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        latest = row.latest
        self.setWindowTitle(f"Kembalikan kiriman {row.opd.code}")
        info = QLabel(f"<b>{row.opd.name}</b> — revisi {latest.revision if latest else '-'}. Kiriman yang "
                      f"dikembalikan tetap tersimpan; OPD menjawab dengan revisi baru.")
        info.setWordWrap(True)
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText(f"Alasan pengembalian (paling sedikit {MIN_RETURN_REASON} karakter), mis. "
                                       f"'Rekap TPP belum memuat pegawai PPPK yang diangkat Oktober'")
        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(info)
        lay.addWidget(self.reason, 1)
        lay.addWidget(self.error)
        lay.addWidget(dialog_buttons(self, "Kembalikan ke OPD", on_ok=self._check))
        self.resize(560, 280)

    def text(self) -> str:
        return self.reason.toPlainText().strip()

    def _check(self) -> None:
        n = len(self.text())
        if n < MIN_RETURN_REASON:
            self.error.setText(f"Alasan terlalu pendek ({n} karakter); tulis paling sedikit {MIN_RETURN_REASON}.")
            return
        if n > MAX_REASON:
            self.error.setText(f"Alasan terlalu panjang ({n} karakter; paling banyak {MAX_REASON}).")
            return
        self.accept()


def _local(s: SubmissionMeta, zone: str) -> str:
    return tanggal_jam(s.submitted_at.astimezone(ZoneInfo(zone)))


class HistoryDialog(QDialog):
    """Every revision of one OPD's month with BKPSDM's decision on each."""

    def __init__(self, row: OpdMonthStatus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Riwayat kiriman {row.opd.code} {row.month:02d}-{row.year}")
        zone = row.opd.timezone
        self.model = RowTableModel([
            ("Revisi", lambda s: s.revision),
            ("Dikirim", lambda s: _local(s, zone)),
            ("Oleh", lambda s: s.submitted_by),
            ("Alasan revisi", lambda s: s.reason or "-"),
            ("Keputusan", lambda s: DECISION_LABELS.get(s.decision or "", "Menunggu keputusan")),
            ("Diputuskan", lambda s: (f"{tanggal_jam(s.reviewed_at.astimezone(ZoneInfo(zone)))} ({s.reviewed_by})"
                                      if s.reviewed_at else "-")),
            ("Alasan pengembalian", lambda s: s.review_reason or "-"),
            ("sha256 bundel", lambda s: s.bundle_sha256[:16] + "…"),
        ])
        self.model.set_rows(list(row.history))
        head = QLabel(f"<b>{row.opd.name}</b> · batas {row.deadline:%d-%m-%Y} · {row.label} ({row.timeliness})")
        head.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(head)
        lay.addWidget(make_table(self.model), 1)
        lay.addWidget(dialog_buttons(self, "Tutup"))
        self.resize(900, 320)
