"""Import of a USB flash-disk export (`<id>_attlog.dat`) or a text/CSV export of attendance software.

The column layout is detected from the first rows (services.devices.usb_layout) and
reported ("tata letak: …"), so a file in an unexpected layout says what was read
instead of rejecting every line.

Bad-line policy (decided, shown in the UI): good lines are imported and every
malformed line is rejected with a message naming the file and line number, kept
in ImportBatch.errors; lines with implausible times are quarantined for review.
The whole file is one transaction, so the file is either fully processed (good
lines stored, bad lines listed) or not at all — never half. Re-importing the same
file adds nothing (unique key on serial, PIN, time).

Bounds: files over 64 MiB are refused before reading; lines over 1,000 characters
are rejected; every message quotes at most 40 characters of the input; at most 200
messages are kept per file (the rest are counted in one line). NUL padding (some
firmwares pad the file with NULs) is removed before parsing.

Serial: when the operator says which registered device the file came from, its
serial is used, so the USB copy and the network copy of a punch dedupe. Otherwise
the serial is derived from the file's `<id>` as "USB-<id>".
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from services import limits as L
from services.auth import audit
from services.changes import Changes
from services.devices.fastparse import valid_pin
from services.devices.punches import PunchIn, StoreOutcome, store_punches
from services.devices.usb_layout import Layout, detect_layout, parse_state, parse_time, split_row
from services.errors import BadInputError, NotFoundError
from services.jobs import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from services.store.db import Database
from services.store.models import Device, ImportBatch, Opd
from services.store.writer import write_transaction
from services.tabular import TableError, ascii_digits, refuse_binary

MAX_FILE_BYTES = L.MAX_USB_FILE_BYTES
MAX_LINE_CHARS = L.MAX_USB_LINE_CHARS
MAX_MESSAGES = 200
SAMPLE_CHARS = L.SAMPLE_CHARS

_NAME_RE = re.compile(r"^(?P<id>[^_]+)_attlog\.dat$", re.IGNORECASE)


@dataclass
class UsbImportResult:
    file: str
    serial: str
    lines: int = 0
    new: int = 0
    duplicate: int = 0
    rejected: int = 0  # malformed lines
    quarantined: int = 0  # lines with implausible times (kept for review)
    layout: str = ""
    errors: list[str] = field(default_factory=list)
    batch_id: int | None = None

    @property
    def changes(self) -> Changes:
        return Changes(punches=self.new > 0 or self.quarantined > 0)

    def summary(self) -> str:
        text = (f"{self.file}: {self.lines} baris, {self.new} rekaman baru, {self.duplicate} sudah ada, "
                f"{self.rejected} baris ditolak")
        if self.quarantined:
            text += f", {self.quarantined} dikarantina"
        return text + (f"\nTata letak terbaca: {self.layout}" if self.layout else "")


sample = L.sample


def file_device_id(path: Path) -> str:
    m = _NAME_RE.match(path.name)
    raw = m.group("id") if m else path.stem
    return re.sub(r"[^A-Za-z0-9-]", "", raw)[:40] or "FILE"


def serial_for_file(path: Path, device_serial: str | None) -> str:
    return device_serial or f"USB-{file_device_id(path)}"


def decode_text(raw: bytes, name: str = "berkas") -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace").replace("\x00", "")
    text = raw.replace(b"\x00", b"")  # NUL padding
    try:
        refuse_binary(f"Berkas {name}", text)  # an .xlsx, a photo or a program chosen by mistake
    except TableError as exc:
        raise BadInputError(str(exc)) from None
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError:
        return text.decode("latin-1")  # old firmwares write the local code page; PIN and time are ASCII anyway


class _Messages:
    """At most MAX_MESSAGES kept; the rest counted."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.more = 0

    def add(self, text: str) -> None:
        if len(self.items) < MAX_MESSAGES:
            self.items.append(text)
        else:
            self.more += 1

    def lines(self) -> list[str]:
        return self.items + ([f"… dan {self.more} pesan lain (tidak ditampilkan)"] if self.more else [])


def parse_lines(lines: list[str], layout: Layout, file_name: str, messages: _Messages
                ) -> tuple[list[tuple[int, PunchIn]], int, int]:
    """([(line number, punch)], non-empty data lines, rejected lines)."""
    out: list[tuple[int, PunchIn]] = []
    seen = rejected = 0
    skip_header = layout.header
    for no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if skip_header:
            skip_header = False
            continue
        seen += 1
        where = f"Berkas {file_name} baris {no}"
        if len(line) > MAX_LINE_CHARS:
            messages.add(f"{where}: baris terlalu panjang ({len(line)} karakter), dilewati: {sample(line)}")
            rejected += 1
            continue
        try:
            out.append((no, _parse_row(split_row(line, layout.delimiter), layout)))
        except ValueError as exc:
            messages.add(f"{where}: {exc}")
            rejected += 1
    return out, seen, rejected


def _parse_row(cols: list[str], layout: Layout) -> PunchIn:
    need = max(c for c in (layout.pin, layout.ts, layout.time) if c is not None)
    if len(cols) <= need:
        raise ValueError(f"kolom kurang (butuh {need + 1}, ada {len(cols)}): {sample(' | '.join(cols))}")
    pin = cols[layout.pin].strip()
    if not valid_pin(pin):
        raise ValueError(f"PIN {sample(pin)} tidak valid (1–24 huruf/angka ASCII)")
    date_cell = cols[layout.ts]
    time_cell = cols[layout.time] if layout.time is not None else None
    try:
        ts = parse_time(layout, date_cell, time_cell)
    except ValueError as exc:
        shown = date_cell if time_cell is None else f"{date_cell} {time_cell}"
        raise ValueError(f"tanggal-jam {sample(shown)} tidak valid ({exc})") from None
    state_cell = cols[layout.state] if layout.state is not None and layout.state < len(cols) else ""
    verify_cell = cols[layout.verify] if layout.verify is not None and layout.verify < len(cols) else ""
    state = parse_state(state_cell, strict=layout.standard)
    if verify_cell and not ascii_digits(verify_cell):
        raise ValueError(f"verifikasi {sample(verify_cell)} bukan angka")
    return pin, ts, state, int(verify_cell) if verify_cell and len(verify_cell) <= 3 else 1


def import_usb_attlog(db: Database, path: Path | str, *, device_id: int | None = None, username: str = "system",
                      progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> UsbImportResult:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise BadInputError(f"Berkas {path.name} terlalu besar ({size // (1024 * 1024)} MiB; batas "
                                f"{MAX_FILE_BYTES // (1024 * 1024)} MiB). Ekspor log per bulan dari mesin.")
        raw = path.read_bytes()
    except OSError as exc:
        raise BadInputError(f"Berkas {path.name} tidak dapat dibaca: {exc.strerror or exc}") from None
    progress(0, 3, f"Membaca {path.name}…")
    lines = decode_text(raw, path.name).splitlines()
    layout = detect_layout(lines)
    if layout is None:
        first = next((ln for ln in lines if ln.strip()), "")
        raise BadInputError(f"Berkas {path.name}: tidak ditemukan kolom tanggal-jam pada baris-baris awal "
                            f"(contoh baris: {sample(first)}); berkas tidak diimpor. Format yang dikenali: "
                            "attlog.dat mesin, PIN/nama/tanggal-jam dipisah TAB, koma atau titik koma.")
    messages = _Messages()
    parsed, seen, rejected = parse_lines(lines, layout, path.name, messages)
    if seen and not parsed:
        raise BadInputError(f"Berkas {path.name}: tidak ada satu baris pun yang valid (tata letak terbaca: "
                            f"{layout.describe()}); berkas tidak diimpor.\n" + "\n".join(messages.lines()[:20]))
    cancel.raise_if_cancelled()
    with write_transaction(db, cancel=cancel) as s:
        serial_known: str | None = None
        if device_id is not None:
            device = s.get(Device, device_id)
            if device is None:
                raise NotFoundError(f"Perangkat {device_id} tidak ditemukan.")
            serial_known, tz = device.serial, device.timezone
            if not serial_known:
                messages.add("Perangkat terpilih belum pernah tersambung (nomor seri belum diketahui); "
                             f"rekaman dicatat dengan sumber USB-{file_device_id(path)}.")
        else:
            tz = s.execute(select(Opd.timezone).limit(1)).scalar() or "Asia/Jakarta"
        serial = serial_for_file(path, serial_known)
        result = UsbImportResult(path.name, serial, lines=seen, rejected=rejected, layout=layout.describe())
        batch = ImportBatch(kind="usb", source=f"{path.name} ({serial})"[:300], username=username,
                            sha256=hashlib.sha256(raw).hexdigest(), trigger="manual")
        s.add(batch)
        s.flush()
        progress(1, 3, f"Menyimpan {len(parsed)} rekaman…")
        out = _store(s, db, parsed, serial, tz, batch.id, path.name)
        cancel.raise_if_cancelled()
        for m in out.messages:
            messages.add(m)
        result.new, result.duplicate, result.quarantined = out.new, out.duplicate, out.quarantined + out.quarantined_again
        result.errors = messages.lines()
        batch.new_count, batch.duplicate_count = result.new, result.duplicate
        batch.rejected_count = result.rejected + result.quarantined
        batch.errors = "\n".join(result.errors)
        batch.finished_at = db.clock.now()
        audit.record(s, username, "usb.import", "import_batch", batch.id,
                     {"file": path.name, "sha256": batch.sha256, "new": result.new, "rejected": result.rejected,
                      "quarantined": result.quarantined, "layout": result.layout})
        result.batch_id = batch.id
    progress(3, 3, result.summary())
    return result


def _store(s: Session, db: Database, parsed: list[tuple[int, PunchIn]], serial: str, tz: str, batch_id: int,
           file_name: str) -> StoreOutcome:
    return store_punches(s, source="usb", serial=serial, tz=tz, batch_id=batch_id,
                         punches=[row for _no, row in parsed], indexes=[no for no, _row in parsed], clock=db.clock,
                         label=f"Berkas {file_name} ", unit="baris ")
