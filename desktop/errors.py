"""The one presenter of errors in the desktop layer.

Expected refusals (``services.errors.UserError``: a locked period, bad input, a missing
right, an unreachable device) are shown as a plain Indonesian message with the error's
own title. Anything else is a bug: it is logged and shown in the crash dialog with its
traceback, never as a friendly message that hides it.
"""

from __future__ import annotations

import logging
import traceback

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from services.errors import UserError

log = logging.getLogger("presensi.errors")


def is_refusal(exc: BaseException) -> bool:
    return isinstance(exc, UserError)


def refusal_text(exc: BaseException) -> str:
    """The message for an inline label: the refusal itself, or a pointer to the crash report."""
    if isinstance(exc, UserError):
        return str(exc)
    return f"Terjadi kesalahan tak terduga ({exc.__class__.__name__}); rinciannya ada di jendela kesalahan dan log."


def present_refusal(parent: QWidget | None, exc: BaseException, context: str = "") -> None:
    """Show an expected refusal as a message box; unexpected errors were already sent to the crash dialog."""
    if not isinstance(exc, UserError):
        return
    text = f"{context}\n\n{exc}" if context else str(exc)
    QMessageBox.warning(parent, exc.title, text)


def show_crash(exc: BaseException, details: str = "", parent: QWidget | None = None) -> None:
    """Log and show an unexpected error with its traceback (non-blocking: the app stays usable)."""
    from desktop.crash import CrashDialog, crash_details

    text = details or crash_details(type(exc), exc, exc.__traceback__)
    log.error("Kesalahan tak terduga: %s\n%s", exc, text)
    if QApplication.instance() is None:
        return
    dialog = CrashDialog(f"{exc.__class__.__name__}: {exc}", text, parent)
    dialog.setModal(False)
    # Qt owns and frees it when closed: a parentless dialog left to Python's garbage collector after
    # QApplication is gone crashes the interpreter at exit
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()


def format_details(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
