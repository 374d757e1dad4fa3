"""Ctrl+K from anywhere: find an employee (name or NIP) or a screen, and go there.

Enter on an employee opens their month in Rekonsiliasi; Ctrl+Enter opens their record in Pegawai.
Enter on a screen opens that screen. The dialog emits ``chosen(screen_key, target)``; the main window
shows the screen and hands ``target`` to the view's ``focus_target()``.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from desktop.context import AppContext
from desktop.screen_fit import fit_size
from desktop.views import SCREENS, may_open
from services.org.search import find_employees

# words staff use for a screen besides its title
SCREEN_WORDS: dict[str, tuple[str, ...]] = {
    "dasbor": ("beranda", "ringkasan"),
    "pegawai": ("simpeg", "asn", "pppk", "atasan", "pin"),
    "perangkat": ("mesin", "sidik jari", "fingerprint", "tarik data", "flashdisk", "usb"),
    "mobile": ("hp", "android", "bundel", "zip", "peta", "gps"),
    "jadwal": ("libur", "shift", "roster", "ramadan", "cuti bersama"),
    "surat": ("cuti", "dinas luar", "surat tugas", "sakit", "izin"),
    "rekonsiliasi": ("koreksi", "kunci", "tabel bulanan", "kartu presensi", "hitung ulang"),
    "swafoto": ("selfie", "foto", "verifikasi"),
    "tpp": ("potongan", "disiplin", "pp 94", "surat panggilan", "teguran", "bap"),
    "laporan": ("tanda tangan", "kirim", "bkpsdm", "pdf", "cetak"),
    "bkpsdm": ("kiriman", "papan status", "terima", "kembalikan", "bpkad"),
    "pengaturan": ("pengguna", "server pusat", "cadangan", "audit", "profil"),
}
ROLE = Qt.ItemDataRole.UserRole


def matching_screens(text: str) -> list[tuple[str, str]]:
    """(key, title) of the screens whose title or usual words contain ``text``."""
    q = text.strip().lower()
    if not q:
        return []
    return [(key, title) for key, title, _m, _c in SCREENS
            if q in title.lower() or any(q in w or w.startswith(q) for w in SCREEN_WORDS.get(key, ()))]


class FinderDialog(QDialog):
    chosen = Signal(str, object)  # screen key, target for the view (None for a plain screen)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Cari")
        self.setModal(False)
        self.query = QLineEdit()
        self.query.setPlaceholderText("Ketik nama pegawai, NIP, atau nama layar…")
        self.query.setClearButtonEnabled(True)
        self.results = QListWidget()
        self.hint = QLabel("Enter: buka · Ctrl+Enter: data pegawai · Esc: tutup")
        self.hint.setObjectName("subtitle")
        lay = QVBoxLayout(self)
        lay.addWidget(self.query)
        lay.addWidget(self.results, 1)
        lay.addWidget(self.hint)
        self.resize(fit_size(self, QSize(560, 420)))
        self._timer = QTimer(self, singleShot=True, interval=120)
        self._timer.timeout.connect(self.search)
        self.query.textChanged.connect(lambda _t: self._timer.start())
        self.query.installEventFilter(self)
        self.results.itemActivated.connect(lambda item: self.choose(item))
        if parent is not None:
            top = parent.geometry()
            self.move(top.x() + (top.width() - self.width()) // 2, top.y() + 60)

    def search(self) -> None:
        text = self.query.text()
        self.results.clear()
        user = self.ctx.user
        for key, title in matching_screens(text):
            if not may_open(user, key):
                continue  # the finder offers only the screens this user has (desktop/views SCREEN_ROLES)
            item = QListWidgetItem(f"Layar: {title}")
            item.setData(ROLE, ("screen", key, None))
            self.results.addItem(item)
        hits = []
        if may_open(user, "rekonsiliasi") or may_open(user, "pegawai"):
            with self.ctx.db.session() as s:
                hits = find_employees(s, self.ctx.opd_id, text)
        for h in hits:
            item = QListWidgetItem(f"{h.name} — {h.nip} · {h.unit}")
            item.setToolTip(h.jabatan)
            item.setData(ROLE, ("employee", h.id, h.nip))
            self.results.addItem(item)
        if self.results.count():
            self.results.setCurrentRow(0)
        elif text.strip():
            self.results.addItem(QListWidgetItem("Tidak ada pegawai atau layar yang cocok."))

    def choose(self, item: QListWidgetItem | None = None, record: bool = False) -> bool:
        item = item or self.results.currentItem()
        data = item.data(ROLE) if item is not None else None
        if not data:
            return False
        kind, ident, nip = data
        if kind == "screen":
            self.chosen.emit(ident, None)
        else:
            today = self.ctx.clock.today()
            target = {"employee_id": ident, "nip": nip, "year": today.year, "month": today.month}
            screen = "pegawai" if record else "rekonsiliasi"
            if not may_open(self.ctx.user, screen):
                screen = "rekonsiliasi" if screen == "pegawai" else "pegawai"
            self.chosen.emit(screen, target)
        self.close()
        return True

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if obj is self.query and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.results.count():
                step = 1 if key == Qt.Key.Key_Down else -1
                self.results.setCurrentRow(max(0, min(self.results.count() - 1, self.results.currentRow() + step)))
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if self._timer.isActive():  # typed faster than the search ran
                    self._timer.stop()
                    self.search()
                self.choose(record=bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier))
                return True
        return super().eventFilter(obj, event)

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802 - Qt override
        super().showEvent(event)
        self.query.setFocus()
