"""What every screen receives: the database, the logged-in user, the OPD and the job runner."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from desktop.ops import OperationRunner
from services.auth.users import CurrentUser
from services.changes import Changes
from services.clock import Clock
from services.store.db import Database


class AppEvents(QObject):
    """Application-wide notifications so screens refresh after another screen changed data."""

    changed = Signal(object)  # services.changes.Changes: what an operation or an edit changed
    status_message = Signal(str)  # a result for the user: kept in the main window's message list until read
    navigate = Signal(str, object)  # screen key, target for the view's focus_target() (e.g. {"employee_id": 5})


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

    def __post_init__(self) -> None:
        # what a background operation reports as changed (its result's Changes) reaches every screen
        self.runner.changed.connect(self.notify)

    @property
    def clock(self) -> Clock:
        """The office clock (frozen in tests); never read the system time in desktop/ directly."""
        return self.db.clock

    def notify(self, changes: Changes) -> None:
        if changes:
            self.events.changed.emit(changes)

    def status(self, message: str) -> None:
        """Tell the user a result (it stays in the message list of the main window until read)."""
        self.events.status_message.emit(message)

    def go(self, screen_key: str, target: object = None) -> None:
        """Ask the main window to show another screen (and, with ``target``, what to focus there)."""
        self.events.navigate.emit(screen_key, target)
