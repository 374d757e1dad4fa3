"""In-app log: a ring buffer handler, a log file in the data dir, and a viewer dialog."""

from __future__ import annotations

import collections
import logging
import logging.handlers
from pathlib import Path

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QDialog, QHBoxLayout, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class RingHandler(logging.Handler):
    def __init__(self, capacity: int = 2000) -> None:
        super().__init__()
        self.lines: collections.deque[str] = collections.deque(maxlen=capacity)
        self.setFormatter(logging.Formatter(FORMAT, "%Y-%m-%d %H:%M:%S"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


RING = RingHandler()


def setup_logging(data_dir: Path) -> Path:
    log_path = data_dir / "presensi-opd.log"
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    if RING not in root.handlers:
        root.addHandler(RING)
    if not any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        fh = logging.handlers.RotatingFileHandler(log_path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
        fh.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(fh)
    return log_path


class LogDialog(QDialog):
    def __init__(self, log_path: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Log aplikasi")
        self.resize(900, 500)
        self.text = QPlainTextEdit(readOnly=True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        refresh = QPushButton("Muat ulang")
        copy = QPushButton("Salin semua")
        close = QPushButton("Tutup")
        refresh.clicked.connect(self.reload)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.text.toPlainText()))
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(refresh)
        buttons.addWidget(copy)
        buttons.addStretch()
        if log_path:
            from PySide6.QtWidgets import QLabel

            buttons.addWidget(QLabel(f"Berkas log: {log_path}"))
        buttons.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addWidget(self.text)
        lay.addLayout(buttons)
        self.reload()

    def reload(self) -> None:
        self.text.setPlainText("\n".join(RING.lines) or "(log kosong)")
        self.text.verticalScrollBar().setValue(self.text.verticalScrollBar().maximum())
