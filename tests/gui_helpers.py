"""Build an AppContext for view tests (real DB, real runner)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from desktop.context import AppContext
from desktop.ops import OperationRunner
from services.auth.users import to_current
from services.store.db import Database
from services.store.models import Opd, User


def make_context(db: Database, username: str = "admin") -> AppContext:
    from PySide6.QtWidgets import QApplication

    from desktop.theme import apply

    app = QApplication.instance()
    if app is not None:
        apply(app)  # screenshots taken in tests look like the real app
    with db.session() as s:
        user = to_current(s.execute(select(User).where(User.username == username)).scalar_one())
        opd_id = s.execute(select(Opd.id)).scalar_one()
    return AppContext(db=db, user=user, opd_id=opd_id, data_dir=Path(db.path).parent, runner=OperationRunner())


class ConfirmationAnswerer:
    """Answers the next ``confirm_irreversible`` box(es) by clicking a button, recording what they said.

    The real QMessageBox runs (modal ``exec``); a timer finds it among the top-level widgets and clicks.
    """

    def __init__(self, button_text: str) -> None:
        from PySide6.QtCore import QTimer

        self.button_text = button_text
        self.seen: list[tuple[str, str, str]] = []  # (title, text, default button text)
        self._timer = QTimer(interval=20)
        self._timer.timeout.connect(self._answer)
        self._timer.start()

    def _answer(self) -> None:
        from PySide6.QtWidgets import QApplication, QMessageBox

        for w in QApplication.topLevelWidgets():
            if isinstance(w, QMessageBox) and w.objectName() == "confirm_irreversible" and w.isVisible():
                default = w.defaultButton()
                self.seen.append((w.windowTitle(), w.text(), default.text() if default else ""))
                for b in w.buttons():
                    if b.text() == self.button_text:
                        b.click()
                        return

    def stop(self) -> None:
        self._timer.stop()
