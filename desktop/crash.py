"""Crash dialog: any uncaught exception is logged and shown with copyable details."""

from __future__ import annotations

import logging
import platform
import sys
import traceback
from types import TracebackType

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

import services

log = logging.getLogger("presensi.crash")


class CrashDialog(QDialog):
    def __init__(self, summary: str, details: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Terjadi kesalahan")
        self.resize(720, 420)
        head = QLabel(
            "<b>Maaf, terjadi kesalahan yang tidak terduga.</b><br>"
            "Data yang sudah tersimpan aman; pekerjaan yang sedang berjalan dibatalkan seluruhnya.<br>"
            "Salin rincian di bawah dan kirimkan kepada admin/pengembang."
        )
        head.setWordWrap(True)
        msg = QLabel(summary)
        msg.setObjectName("error")
        msg.setWordWrap(True)
        self.details = QPlainTextEdit(details, readOnly=True)
        copy = QPushButton("Salin rincian")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.details.toPlainText()))
        ok = QPushButton("Tutup")
        ok.setObjectName("primary")
        ok.clicked.connect(self.accept)
        row = QHBoxLayout()
        row.addWidget(copy)
        row.addStretch()
        row.addWidget(ok)
        lay = QVBoxLayout(self)
        lay.addWidget(head)
        lay.addWidget(msg)
        lay.addWidget(self.details)
        lay.addLayout(row)


def crash_details(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> str:
    return (
        f"presensi-opd {services.__version__} | Python {platform.python_version()} | {platform.platform()}\n\n"
        + "".join(traceback.format_exception(exc_type, exc, tb))
    )


def install_excepthook() -> None:
    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        details = crash_details(exc_type, exc, tb)
        log.error("Kesalahan tak tertangani:\n%s", details)
        if QApplication.instance() is not None:
            CrashDialog(f"{exc_type.__name__}: {exc}", details).exec()
        else:
            sys.__excepthook__(exc_type, exc, tb)

    sys.excepthook = hook
