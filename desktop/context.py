"""What every screen receives: the database, the logged-in user, the OPD and the job runner."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from desktop.ops import OperationRunner
from services.auth.users import CurrentUser
from services.store.db import Database


class AppEvents(QObject):
    """Application-wide notifications so screens refresh after another screen changed data."""

    data_changed = Signal(str)  # topic: "punches", "employees", "letters", "records", "devices", "reports", ...
    status_message = Signal(str)


@dataclass
class AppContext:
    db: Database
    user: CurrentUser
    opd_id: int
    data_dir: Path
    runner: OperationRunner
    events: AppEvents = field(default_factory=AppEvents)
    # device comm keys typed in this session where no keyring stores them (memory only, never written)
    comm_keys: dict[int, int] = field(default_factory=dict)

    def notify(self, topic: str) -> None:
        self.events.data_changed.emit(topic)

    def status(self, message: str) -> None:
        self.events.status_message.emit(message)
