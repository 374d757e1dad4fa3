"""Day records are derived data: the port through which edits of their inputs keep them current.

``services.reconcile`` computes DayRecords from schedules, rosters, holidays (``services.calendar``)
and letters (``services.letters``), so it sits above those packages and they never import it
(tests/test_layers.py). Yet an edit of a holiday, a schedule assignment, a roster cell or a letter
must, inside the same transaction, refuse when it reaches a locked month and recompute the days it
touches. Calendar and letters do that through this narrow port; the one implementation lives in
``services/reconcile/scope.py`` and is installed when ``services.reconcile`` is imported (every
entry point does: the CLI registry, the main window, the demo). Without it an edit fails loudly
instead of leaving stale day records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Protocol

from sqlalchemy.orm import Session

from services.jobs import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress

# (first day, last day or None = open-ended)
DateRange = tuple[dt.date, dt.date | None]


class DayRecordUpkeep(Protocol):
    def refuse_locked(self, session: Session, action: str, ranges: Iterable[DateRange],
                      employee_ids: list[int] | None) -> None:
        """Raise PeriodLockedError when a range reaches a locked month of an OPD in scope (None = every OPD)."""

    def recompute_ranges(self, session: Session, ranges: Iterable[DateRange], employee_ids: list[int] | None,
                         today: dt.date | None = None, skip_locked: bool = False, *,
                         progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> int:
        """Recompute employees (None = everyone) x the days of ``ranges`` in months already computed."""

    def recompute_days(self, session: Session, spans: dict[int, set[dt.date]], policy: Any = None,
                       today: dt.date | None = None) -> int:
        """Recompute the given employee -> dates (up to today); ``policy`` None = each OPD's own."""


_installed: DayRecordUpkeep | None = None


def install(upkeep: DayRecordUpkeep) -> None:
    """Called once by ``services.reconcile`` on import."""
    global _installed
    _installed = upkeep


def upkeep() -> DayRecordUpkeep:
    if _installed is None:
        raise RuntimeError("services.reconcile belum dimuat: status harian tidak dapat dihitung ulang "
                           "(impor services.reconcile di titik masuk aplikasi)")
    return _installed
