"""Reading a mobile attendance bundle (ZIP: one CSV/XLSX/JSON data file + photos) safely.

Safety: every entry name is checked (no absolute paths, no "..", no drive
letters, no symlinks) although nothing is ever extracted to disk; the number of
entries, the total uncompressed size and each entry's compression ratio are
limited, and every read is capped at the size the header declares, so a zip bomb
with lying headers cannot fill memory either. See docs/MOBILE_BUNDLE.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from services import limits as L
from services.errors import BadInputError
from services.tabular import (
    Table,
    TableError,
    check_text_cell,
    check_zip,
    load_json,
    read_capped,
    read_csv,
    read_file,
    read_xlsx,
)

MAX_ENTRIES = L.MAX_ZIP_ENTRIES
MAX_TOTAL_UNCOMPRESSED = L.MAX_ZIP_TOTAL_UNCOMPRESSED
MAX_DATA_FILE = L.MAX_TABLE_FILE_BYTES
MAX_ROWS = L.MAX_MOBILE_ROWS

DATA_EXTS = (".csv", ".xlsx", ".json")
PHOTO_EXTS = (".jpg", ".jpeg", ".png")

# (field key, label shown to the user, lower-case header aliases recognised automatically)
FIELDS: list[tuple[str, str, tuple[str, ...]]] = [
    ("nip", "NIP / NI PPPK", ("nip", "ni_pppk", "nip_pegawai", "nomor_induk")),
    ("pin", "PIN mesin", ("pin", "user_id", "userid", "id_pegawai", "pin_mesin")),
    ("ts", "Waktu presensi", ("waktu", "waktu_presensi", "timestamp", "ts", "datetime", "captured_at", "tanggal_jam", "jam")),
    ("lat", "Lintang (lat)", ("lat", "latitude", "lintang")),
    ("lon", "Bujur (lon)", ("lon", "lng", "long", "longitude", "bujur")),
    ("accuracy", "Akurasi GPS (m)", ("akurasi", "accuracy", "acc", "accuracy_m", "akurasi_m")),
    ("phone_id", "ID HP", ("id_hp", "phone_id", "device_id", "hp", "imei", "android_id")),
    ("photo", "Berkas foto", ("foto", "photo", "file_foto", "selfie", "nama_foto", "photo_file")),
    ("offline", "Direkam luring", ("luring", "offline", "captured_offline", "mode_luring")),
    ("uploaded_at", "Waktu unggah", ("diunggah", "waktu_unggah", "uploaded_at", "upload_time", "uploaded")),
    ("mock_location", "Lokasi tiruan (mock)", ("lokasi_palsu", "lokasi_tiruan", "mock_location", "is_mock", "mock",
                                               "fake_gps", "is_from_mock_provider")),
    ("app_version", "Versi aplikasi", ("versi_aplikasi", "versi_app", "app_version", "versi", "version",
                                        "client_version")),
]
FIELD_LABELS = {key: label for key, label, _ in FIELDS}
REQUIRED = ("ts", "lat", "lon")  # plus one of nip / pin


class BundleError(BadInputError):
    """The bundle as a whole cannot be read (unsafe, too big, no data file ...)."""


@dataclass
class Bundle:
    path: Path
    sha256: str
    data_name: str
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (row number as the user sees it, column -> raw text)
    photos: dict[str, zipfile.ZipInfo] = field(repr=False)  # normalised entry name -> info
    raw: bytes = field(default=b"", repr=False)  # the ZIP as checked (later changes on disk are not seen)
    _zip: zipfile.ZipFile | None = field(default=None, repr=False)
    _by_base: dict[str, str | None] | None = field(default=None, repr=False)  # base name -> entry, None if ambiguous

    def find_photo(self, value: str) -> str | None:
        """Entry name for a photo column value (full path inside the ZIP, or a unique base name).

        One dict lookup per row: a bundle of 19,000 photos must not scan every photo for every row.
        """
        name = _normalise(value)
        if name in self.photos:
            return name
        if self._by_base is None:
            self._by_base = {}
            for entry in self.photos:
                base = posixpath.basename(entry).lower()
                self._by_base[base] = None if base in self._by_base else entry
        return self._by_base.get(posixpath.basename(name).lower())

    def read_photo(self, entry: str) -> bytes:
        if self._zip is None:
            self._zip = zipfile.ZipFile(io.BytesIO(self.raw))
        try:
            return read_capped(self._zip, self.photos[entry])
        except TableError as exc:
            raise BundleError(str(exc)) from None


def _normalise(name: str) -> str:
    n = name.strip().replace("\\", "/")
    while n.startswith("./"):
        n = n[2:]
    return n


def open_bundle(path: Path | str) -> Bundle:
    """Check the ZIP and parse its data file; photos are read later, one at a time."""
    path = Path(path)
    try:
        return _open_bundle(path)
    except TableError as exc:
        raise BundleError(str(exc)) from None


def _open_bundle(path: Path) -> Bundle:
    label = path.name
    raw = read_file(path, L.MAX_BUNDLE_BYTES)
    digest = hashlib.sha256(raw).hexdigest()
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        raise BundleError(f"{label}: bukan berkas ZIP yang valid") from None
    with zf:
        infos = check_zip(zf, label, max_entries=MAX_ENTRIES, max_total=MAX_TOTAL_UNCOMPRESSED)
        files = [i for i in infos if not i.is_dir() and not posixpath.basename(i.filename).startswith((".", "__MACOSX"))]
        files = [i for i in files if not i.filename.startswith("__MACOSX/")]
        data_files = [i for i in files if i.filename.lower().endswith(DATA_EXTS) and posixpath.basename(i.filename).lower() != "manifest.json"]
        if not data_files:
            raise BundleError(f"{label}: tidak ada berkas data (.csv, .xlsx atau .json) di dalam ZIP")
        if len(data_files) > 1:
            names = ", ".join(i.filename for i in data_files)
            raise BundleError(f"{label}: lebih dari satu berkas data ({names}); satu bundel hanya boleh berisi satu")
        data_info = data_files[0]
        if data_info.file_size > MAX_DATA_FILE:
            raise BundleError(f"{data_info.filename}: berkas data terlalu besar ({data_info.file_size / 1e6:.0f} MB)")
        data = read_capped(zf, data_info)
        photos = {_normalise(i.filename): i for i in files if i.filename.lower().endswith(PHOTO_EXTS)}
    columns, rows = parse_data(data_info.filename, data)
    return Bundle(path=path, sha256=digest, data_name=data_info.filename, columns=columns, rows=rows, photos=photos, raw=raw)


# ----------------------------------------------------------------- data files


def _cell_text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.replace(microsecond=0).isoformat(sep=" ")
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float) and v.is_integer() and abs(v) > 1e6:
        return str(int(v))  # an 18-digit NIP typed as a number
    return str(v).strip()


def parse_data(name: str, data: bytes) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    low = name.lower()
    if low.endswith(".csv"):
        return _parse_csv(name, data)
    if low.endswith(".xlsx"):
        return _parse_xlsx(name, data)
    return _parse_json(name, data)


def _rows_of(table: Table, columns: list[str]) -> list[tuple[int, dict[str, str]]]:
    rows = []
    for row_no, rec in table.rows:
        cells = [_cell_text(v) for v in rec]
        extra = [i for i in range(len(columns), len(cells)) if cells[i]]
        if extra:
            raise BundleError(f"{table.name} baris {row_no}: {len(cells)} kolom, padahal header hanya {len(columns)}")
        rows.append((row_no, {c: (cells[i] if i < len(cells) else "") for i, c in enumerate(columns)}))
    return rows


def _parse_csv(name: str, data: bytes) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    table = read_csv(name, data, max_rows=MAX_ROWS)
    columns = list(table.header)
    _check_header(name, columns)
    return columns, _rows_of(table, columns)


def _parse_xlsx(name: str, data: bytes) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    table = read_xlsx(name, data, max_rows=MAX_ROWS)
    columns = list(table.header)
    while columns and not columns[-1]:
        columns.pop()
    _check_header(name, columns)
    return columns, _rows_of(table, columns)


def _parse_json(name: str, data: bytes) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    doc = load_json(name, data)
    records = doc.get("records") if isinstance(doc, dict) else doc
    if not isinstance(records, list):
        raise BundleError(f"{name}: JSON harus berupa daftar objek atau {{\"records\": [...]}}")
    if len(records) > MAX_ROWS:
        raise BundleError(f"{name}: terlalu banyak catatan ({len(records)}; maksimum {MAX_ROWS})")
    columns: list[str] = []
    known: set[str] = set()
    rows = []
    for i, rec in enumerate(records, start=1):
        if not isinstance(rec, dict):
            raise BundleError(f"{name} catatan ke-{i}: harus berupa objek JSON")
        values: dict[str, str] = {}
        for k, v in rec.items():
            key = str(k)
            if isinstance(v, (dict, list)):
                raise BundleError(f"{name} catatan ke-{i}, kolom '{key[:L.SAMPLE_CHARS]}': harus nilai tunggal "
                                  "(teks, angka atau ya/tidak), bukan objek atau daftar")
            text = _cell_text(v)
            check_text_cell(f"{name} catatan ke-{i}, kolom '{key[:L.SAMPLE_CHARS]}'", text)
            if key not in known:
                if len(known) >= L.MAX_COLUMNS:
                    raise BundleError(f"{name} catatan ke-{i}: lebih dari {L.MAX_COLUMNS} kolom")
                known.add(key)
                columns.append(key)
            values[key] = text
        rows.append((i, values))
    for _, r in rows:
        for c in columns:
            r.setdefault(c, "")
    return columns, rows


def _check_header(name: str, columns: list[str]) -> None:
    if not any(columns):
        raise BundleError(f"{name}: baris judul kolom kosong")
    seen = set()
    for c in columns:
        if c.lower() in seen:
            raise BundleError(f"{name}: nama kolom '{c}' muncul dua kali")
        seen.add(c.lower())


# -------------------------------------------------------------------- mapping


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", header.lower()).strip("_")


def detect_mapping(columns: list[str]) -> dict[str, str]:
    """Field -> column guessed from the header names (the user can change it in the mapping step)."""
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for key, _label, aliases in FIELDS:
        for col in columns:
            if col not in used and _key(col) in aliases:
                mapping[key] = col
                used.add(col)
                break
    return mapping


def validate_mapping(mapping: dict[str, str], columns: list[str]) -> list[str]:
    """Problems with a mapping, in Indonesian (empty list = usable)."""
    problems = []
    if not mapping.get("nip") and not mapping.get("pin"):
        problems.append("Pilih kolom untuk NIP atau PIN pegawai.")
    for key in REQUIRED:
        if not mapping.get(key):
            problems.append(f"Pilih kolom untuk '{FIELD_LABELS[key]}'.")
    for key, col in mapping.items():
        if key not in FIELD_LABELS:
            problems.append(f"Isian tidak dikenal: '{key}'.")
        elif col and col not in columns:
            problems.append(f"Kolom '{col}' untuk '{FIELD_LABELS[key]}' tidak ada di berkas.")
    chosen = [c for c in mapping.values() if c]
    for col in sorted({c for c in chosen if chosen.count(c) > 1}):
        problems.append(f"Kolom '{col}' dipetakan ke lebih dari satu isian.")
    return problems
