"""Which columns of a USB/text attendance export hold the PIN, the name, the time and the status.

Layouts seen in real exports:

- the device's own ``<id>_attlog.dat``: ``PIN<TAB>YYYY-MM-DD HH:MM:SS<TAB>device<TAB>status<TAB>verify<TAB>workcode``
  (PIN often space-padded, extra columns possible);
- ``PIN<TAB>Name<TAB>YYYY-MM-DD HH:MM`` (exports that add the user's name, seconds missing);
- dates as ``DD/MM/YYYY`` (or ``DD-MM-YYYY``, ``YYYY/MM/DD``; ``MM/DD/YYYY`` only when a day > 12 proves it);
- comma- or semicolon-separated CSV from attendance software, usually with a header row
  (``No.;Nama;Tanggal;Jam;Status`` …), date and time in one cell or in two.

``detect_layout`` looks at the first rows only (bounded work) and returns a ``Layout``
whose ``describe()`` tells the operator what was read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from services.tabular import ascii_digits

SAMPLE_ROWS = 60

_YMD = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_XYY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
_TIME = re.compile(r"(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?(?:\s*([AaPp])\.?[Mm]\.?)?")
_DATE_ONLY = re.compile(rf"(?:{_YMD.pattern}|{_XYY.pattern})")
_DATETIME = re.compile(rf"(?:{_YMD.pattern}|{_XYY.pattern})(?:[ T]+|\s*,\s*){_TIME.pattern}")

STATE_WORDS: dict[str, int] = {
    "c/in": 0, "checkin": 0, "check in": 0, "in": 0, "i": 0, "masuk": 0, "datang": 0,
    "c/out": 1, "checkout": 1, "check out": 1, "out": 1, "o": 1, "pulang": 1, "keluar": 1,
    "break out": 2, "istirahat": 2, "break in": 3, "kembali": 3,
    "ot-in": 4, "ot in": 4, "lembur masuk": 4, "ot-out": 5, "ot out": 5, "lembur pulang": 5,
}
STATES = {0, 1, 2, 3, 4, 5, 255}

_HEADER_WORDS = {
    "pin": ("pin", "ac-no", "ac no", "acno", "no. id", "id", "user id", "userid", "enroll", "badgenumber",
            "no. pegawai", "nomor", "no.", "no"),
    "name": ("nama", "name"),
    "datetime": ("waktu", "tanggal/jam", "tanggal jam", "date/time", "datetime", "time", "checktime", "tgl/jam"),
    "date": ("tanggal", "tgl", "date"),
    "clock": ("jam", "pukul", "time"),
    "state": ("status", "state", "check type", "checktype", "i/o", "in/out", "keterangan", "jenis"),
    "verify": ("verifikasi", "verify", "verifycode", "verify code", "mode"),
}


@dataclass(frozen=True)
class Layout:
    delimiter: str  # "\t", ";" or ","
    header: bool
    pin: int
    ts: int  # column of the date (and time when time is None)
    time: int | None  # separate time column
    date_order: str  # "ymd", "dmy" or "mdy"
    date_order_assumed: bool  # dmy chosen because no day > 12 told otherwise
    name: int | None = None
    state: int | None = None
    verify: int | None = None
    standard: bool = False  # the device's own attlog.dat layout

    def describe(self) -> str:
        sep = {"\t": "TAB", ";": "titik koma (;)", ",": "koma (,)"}[self.delimiter]
        fmt = {"ymd": "TTTT-BB-HH", "dmy": "HH/BB/TTTT", "mdy": "BB/HH/TTTT"}[self.date_order]
        if self.date_order_assumed:
            fmt += " (diasumsikan: tidak ada tanggal > 12 yang memastikan)"
        if self.standard:
            return f"attlog.dat mesin (dipisah TAB): PIN, tanggal-jam ({fmt} jj:mm:dd), mesin, status, verifikasi"
        cols = [(self.pin, "PIN"), (self.ts, f"tanggal ({fmt})" if self.time is not None else f"tanggal-jam ({fmt})")]
        cols += [(c, n) for c, n in ((self.name, "nama"), (self.time, "jam"), (self.state, "status"),
                                     (self.verify, "verifikasi")) if c is not None]
        parts = ", ".join(f"{n} (kolom {c + 1})" for c, n in sorted(cols))
        return f"dipisah {sep}{', dengan baris judul' if self.header else ''}: {parts}"


def split_row(line: str, delimiter: str) -> list[str]:
    if delimiter == "\t":
        return [c.strip() for c in line.split("\t")]
    import csv

    return [c.strip() for c in next(csv.reader([line], delimiter=delimiter), [])]


def _delimiter(lines: list[str]) -> str:
    for d in ("\t", ";", ","):
        counts = [line.count(d) for line in lines]
        if counts and sum(1 for c in counts if c > 0) >= max(1, len(counts) * 0.8):
            return d
    return "\t"


def is_datetime(cell: str) -> bool:
    return _DATETIME.fullmatch(cell) is not None


def _header_role(cell: str) -> str | None:
    text = cell.strip().lower()
    for role, words in _HEADER_WORDS.items():
        if text in words:
            return role
    return None


def _date_order(cells: list[str]) -> tuple[str, bool]:
    firsts, seconds = [], []
    for c in cells:
        if _YMD.match(c):
            return "ymd", False
        m = _XYY.match(c)
        if m:
            firsts.append(int(m.group(1)))
            seconds.append(int(m.group(2)))
    if any(a > 12 for a in firsts):
        return "dmy", False
    if any(b > 12 for b in seconds):
        return "mdy", False
    return "dmy", bool(firsts)


def detect_layout(lines: list[str]) -> Layout | None:
    """Layout of the export from its first non-empty lines; None when no column holds dates."""
    sample = [ln for ln in lines if ln.strip()][:SAMPLE_ROWS]
    if not sample:
        return None
    delim = _delimiter(sample)
    rows = [split_row(ln, delim) for ln in sample]
    header = not any(is_datetime(c) or _DATE_ONLY.fullmatch(c) for c in rows[0]) and any(
        _header_role(c) for c in rows[0])
    roles = {_header_role(c): i for i, c in reversed(list(enumerate(rows[0])))} if header else {}
    data = rows[1:] if header else rows
    if not data:
        return None
    width = max(len(r) for r in data)

    def share(col: int, test: Callable[[str], object]) -> float:
        vals = [r[col] for r in data if col < len(r) and r[col]]
        return sum(1 for v in vals if test(v)) / len(vals) if vals else 0.0

    ts_col = next((c for c in range(width) if share(c, is_datetime) >= 0.6), None)
    time_col = None
    if ts_col is None:
        date_col = next((c for c in range(width) if share(c, lambda v: _DATE_ONLY.fullmatch(v)) >= 0.6), None)
        if date_col is None or date_col + 1 >= width or share(date_col + 1, lambda v: _TIME.fullmatch(v)) < 0.6:
            return None
        ts_col, time_col = date_col, date_col + 1
    order, assumed = _date_order([r[ts_col] for r in data if ts_col < len(r)])
    used = {ts_col} | ({time_col} if time_col is not None else set())
    pin = roles.get("pin")
    if pin is None or pin in used:
        pin = next((c for c in range(width) if c not in used and share(c, lambda v: re.fullmatch(r"\S{1,24}", v))
                    >= 0.6), 0)
    used.add(pin)
    name = roles.get("name")
    if name is None:
        name = next((c for c in range(min(ts_col, width)) if c not in used
                     and share(c, lambda v: re.search(r"[^\W\d_]", v)) >= 0.6), None)
    standard = not header and delim == "\t" and pin == 0 and ts_col == 1 and time_col is None and name is None
    state, verify = roles.get("state"), roles.get("verify")
    if standard:
        state = 3 if width > 3 else None
        verify = 4 if width > 4 else None
    elif state is None:
        after = [c for c in range(ts_col + 1, width) if c not in used]
        state = next((c for c in after if share(c, lambda v: v.lower() in STATE_WORDS) >= 0.6), None)
    return Layout(delim, header, pin, ts_col, time_col, order, assumed, name, state, verify, standard)


def parse_time(layout: Layout, date_cell: str, time_cell: str | None) -> dt.datetime:
    """Raises ValueError with an Indonesian reason."""
    text = date_cell if time_cell is None else f"{date_cell} {time_cell}"
    m = _DATETIME.fullmatch(text.strip())
    if not m:
        raise ValueError("bukan tanggal-jam")
    g = m.groups()
    if g[0] is not None:
        y, mo, d = int(g[0]), int(g[1]), int(g[2])
    else:
        a, b, y = int(g[3]), int(g[4]), int(g[5])
        d, mo = (a, b) if layout.date_order != "mdy" else (b, a)
    h, mi, s, ampm = int(g[6]), int(g[7]), int(g[8] or 0), g[9]
    if ampm:
        if not 1 <= h <= 12:
            raise ValueError("jam AM/PM di luar 1–12")
        h = h % 12 + (12 if ampm.lower() == "p" else 0)
    try:
        return dt.datetime(y, mo, d, h, mi, s)
    except ValueError:
        raise ValueError("tanggal atau jam mustahil") from None


def parse_state(cell: str, strict: bool) -> int:
    """0 in, 1 out, … 255 none; strict (attlog.dat) refuses unknown codes, otherwise unknown text is 255."""
    text = cell.strip().lower()
    if not text:
        return 255
    if ascii_digits(text) and len(text) <= 3:  # '٣' is a digit to str.isdigit(), not to a device
        value = int(text)
        if value in STATES:
            return value
        raise ValueError(f"status {value} tidak dikenal (0–5 atau 255)")
    if text in STATE_WORDS:
        return STATE_WORDS[text]
    if strict:
        raise ValueError(f"status {cell[:20]!r} bukan angka")
    return 255
