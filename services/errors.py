"""One base for expected refusals.

A :class:`UserError` is a refusal the user can act on (bad input, a locked period,
a missing right, an unreachable device): its message is complete Indonesian text
naming the file/row/field or the rule, and the desktop presenter shows it as a
plain message. Any other exception is a bug and reaches the crash dialog with
its traceback.
"""

from __future__ import annotations


class UserError(Exception):
    """An expected refusal; ``str(exc)`` is the message shown to the user."""

    title = "Tidak dapat dilanjutkan"


class BadInputError(UserError, ValueError):
    """Input (a file, a row, a field, a form value) that cannot be accepted."""

    title = "Masukan tidak valid"


class PermissionDeniedError(UserError):
    """The logged-in user lacks the right (role) for this action."""

    title = "Tidak berwenang"


class PeriodLockedError(UserError):
    """A change was attempted on a locked (or signed/submitted) month."""

    title = "Periode terkunci"


class NotFoundError(UserError):
    """Something the user named (an employee, a device, a database) does not exist."""

    title = "Tidak ditemukan"


class UnreachableError(UserError):
    """A device or server could not be reached; nothing was changed."""

    title = "Tidak dapat terhubung"


class ConflictError(UserError):
    """The data changed under the user (another PC, another window); reload and retry."""

    title = "Data berubah"
