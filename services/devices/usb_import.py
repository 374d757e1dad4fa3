"""Import of a USB flash-disk export `<id>_attlog.dat`.

Format (one punch per line, TAB-separated, CRLF): PIN (often space-padded),
`YYYY-MM-DD HH:MM:SS`, device id, status, verify, workcode, and sometimes more
columns (ignored).

Bad-line policy (decided, shown in the UI): good lines are imported and every
malformed line is rejected with a message naming the file and line number, kept
in ImportBatch.errors. The whole file is one transaction, so the file is either
fully processed (good lines stored, bad lines listed) or not at all — never half.
Re-importing the same file adds nothing (unique key on serial, PIN, time).

Serial: when the operator says which registered device the file came from, its
serial is used, so the USB copy and the network copy of a punch dedupe. Otherwise
the serial is derived from the file's `<id>` as "USB-<id>".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from services.auth import audit
from services.changes import Changes
from services.devices.punches import KeyRow, insert_punches, ts_text
from services.errors import BadInputError, NotFoundError
from services.jobs import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from services.store.db import Database, clock_of
from services.store.models import Device, ImportBatch, Opd

_NAME_RE = re.compile(r"^(?P<id>[^_]+)_attlog\.dat$", re.IGNORECASE)
_STATES = {0, 1, 2, 3, 4, 5, 255}


@dataclass
class UsbImportResult:
    file: str
    serial: str
    lines: int = 0
    new: int = 0
    duplicate: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)
    batch_id: int | None = None

    @property
    def changes(self) -> Changes:
        return Changes(punches=self.new > 0)

    def summary(self) -> str:
        return (f"{self.file}: {self.lines} baris, {self.new} rekaman baru, {self.duplicate} sudah ada, "
                f"{self.rejected} baris ditolak")


def file_device_id(path: Path) -> str:
    m = _NAME_RE.match(path.name)
    return m.group("id") if m else path.stem


def serial_for_file(path: Path, device_serial: str | None) -> str:
    return device_serial or f"USB-{file_device_id(path)}"


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")  # old firmwares write the local code page; PIN and time are ASCII anyway


def parse_attlog(text: str, file_name: str) -> tuple[list[KeyRow], list[str], int]:
    """(rows, error messages, number of non-empty lines)."""
    rows: list[KeyRow] = []
    errors: list[str] = []
    lines = 0
    for no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        lines += 1
        cols = [c.strip() for c in line.split("\t")]
        where = f"Berkas {file_name} baris {no}"
        if len(cols) < 2:
            errors.append(f"{where}: kolom kurang (butuh PIN dan tanggal-jam dipisah TAB): {line.strip()[:60]!r}")
            continue
        pin = cols[0]
        if not pin or len(pin) > 24 or not pin.isalnum():
            errors.append(f"{where}: PIN '{pin}' tidak valid")
            continue
        try:
            ts = dt.datetime.strptime(cols[1], "%Y-%m-%d %H:%M:%S")
        except ValueError:
            errors.append(f"{where}: tanggal-jam '{cols[1]}' tidak valid (format YYYY-MM-DD HH:MM:SS)")
            continue
        try:
            state = int(cols[3]) if len(cols) > 3 and cols[3] else 255
            verify = int(cols[4]) if len(cols) > 4 and cols[4] else 1
        except ValueError:
            errors.append(f"{where}: status/verifikasi '{cols[3] if len(cols) > 3 else ''}/"
                          f"{cols[4] if len(cols) > 4 else ''}' bukan angka")
            continue
        if state not in _STATES:
            errors.append(f"{where}: status {state} tidak dikenal (0–5 atau 255)")
            continue
        rows.append((pin, ts_text(ts), state, verify))
    return rows, errors, lines


def import_usb_attlog(db: Database, path: Path | str, *, device_id: int | None = None, username: str = "system",
                      progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> UsbImportResult:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BadInputError(f"Berkas {path.name} tidak dapat dibaca: {exc.strerror or exc}") from None
    progress(0, 3, f"Membaca {path.name}…")
    rows, errors, lines = parse_attlog(_decode(raw), path.name)
    if lines and not rows:
        raise BadInputError(f"Berkas {path.name}: tidak ada satu baris pun yang valid; berkas tidak diimpor.\n"
                         + "\n".join(errors[:20]))
    cancel.raise_if_cancelled()
    with db.transaction() as s:
        serial_known: str | None = None
        if device_id is not None:
            device = s.get(Device, device_id)
            if device is None:
                raise NotFoundError(f"Perangkat {device_id} tidak ditemukan.")
            serial_known, tz = device.serial, device.timezone
            if not serial_known:
                errors.append("Perangkat terpilih belum pernah tersambung (nomor seri belum diketahui); "
                              f"rekaman dicatat dengan sumber USB-{file_device_id(path)}.")
        else:
            tz = s.execute(select(Opd.timezone).limit(1)).scalar() or "Asia/Jakarta"
        serial = serial_for_file(path, serial_known)
        result = UsbImportResult(path.name, serial, lines=lines, rejected=lines - len(rows), errors=errors)
        batch = ImportBatch(kind="usb", source=f"{path.name} ({serial})", username=username,
                            sha256=hashlib.sha256(raw).hexdigest())
        s.add(batch)
        s.flush()
        progress(1, 3, f"Menyimpan {len(rows)} rekaman…")
        result.new = insert_punches(s, source="usb", serial=serial, tz=tz, batch_id=batch.id, rows=rows)
        result.duplicate = len(rows) - result.new
        cancel.raise_if_cancelled()
        batch.new_count, batch.duplicate_count, batch.rejected_count = result.new, result.duplicate, result.rejected
        batch.errors = "\n".join(errors)
        batch.finished_at = clock_of(s).now()
        audit.record(s, username, "usb.import", "import_batch", batch.id,
                     {"file": path.name, "sha256": batch.sha256, "new": result.new, "rejected": result.rejected})
        result.batch_id = batch.id
    progress(3, 3, result.summary())
    return result
