"""What an operation changed, so screens refresh from facts instead of free-text topics.

Service operations return a :class:`Changes` (or a result carrying one in its
``changes`` attribute); the desktop layer broadcasts it after the operation and
every screen decides from the typed fields whether to reload (the model of Anki's
``OpChanges``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Changes:
    punches: bool = False  # raw punches (device, USB, mobile, push)
    employees: bool = False  # employees, units, PINs, phones, reference photos
    devices: bool = False  # device registry, diagnostics, pending push serials
    calendar: bool = False  # schedules, rosters, holidays, Ramadan, ceremonies
    letters: bool = False
    records: bool = False  # derived day records and corrections
    periods: bool = False  # period lock / unlock
    selfies: bool = False  # selfie checks and verdicts
    reports: bool = False  # monthly reports, signatures, outbox, submissions
    notices: bool = False  # disciplinary notices
    settings: bool = False  # OPD profile, policy, central server, autosync schedule
    users: bool = False  # accounts and roles

    def __or__(self, other: Changes) -> Changes:
        return Changes(**{f.name: getattr(self, f.name) or getattr(other, f.name) for f in fields(self)})

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def names(self) -> list[str]:
        return [f.name for f in fields(self) if getattr(self, f.name)]


NOTHING = Changes()
EVERYTHING = Changes(**{f.name: True for f in fields(Changes)})


def changes_of(result: Any) -> Changes:
    """The changes an operation's result reports: a Changes, an object with ``.changes``, or a list of those."""
    if isinstance(result, Changes):
        return result
    if isinstance(result, (list, tuple)):
        total = NOTHING
        for item in result:
            total = total | changes_of(item)
        return total
    found = getattr(result, "changes", None)
    return found if isinstance(found, Changes) else NOTHING
