"""Read-only view of the hash-chained audit log (who changed what, when)."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from desktop.models.row_table import RowTableModel
from desktop.widgets import make_table
from services.auth import audit
from services.store.db import Database


class AuditLogDialog(QDialog):
    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.setWindowTitle("Log audit")
        self.resize(1100, 600)
        self.search = QLineEdit(placeholderText="Cari pengguna, aksi atau isi perubahan…")
        self.info = QLabel("")
        self.info.setObjectName("subtitle")
        self.model = RowTableModel(
            [
                ("#", lambda r: r[0]),
                ("Waktu", lambda r: r[1]),
                ("Pengguna", lambda r: r[2]),
                ("Aksi", lambda r: r[3]),
                ("Objek", lambda r: f"{r[4]} {r[5]}".strip()),
                ("Rincian", lambda r: r[6]),
            ]
        )
        table = make_table(self.model, stretch=5)
        close = QPushButton("Tutup")
        close.clicked.connect(self.accept)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.info)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(table, 1)
        lay.addWidget(close)
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self.reload)
        self.search.textChanged.connect(self._debounce.start)
        self.reload()

    def reload(self) -> None:
        with self.db.session() as s:
            rows = audit.recent_events(s, self.search.text())
        self.model.set_rows(rows)
        self.info.setText(f"{len(rows)} catatan terbaru" + (" (maks. 1000)" if len(rows) == 1000 else ""))
