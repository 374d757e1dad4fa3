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
