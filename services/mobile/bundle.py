"""Reading a mobile attendance bundle (ZIP: one CSV/XLSX/JSON data file + photos) safely.

Safety: every entry name is checked (no absolute paths, no "..", no drive
letters, no symlinks) although nothing is ever extracted to disk; the number of
entries, the total uncompressed size and each entry's compression ratio are
limited, and every read is capped at the size the header declares, so a zip bomb
with lying headers cannot fill memory either. See docs/MOBILE_BUNDLE.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import posixpath
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from services.errors import BadInputError

MAX_ENTRIES = 20_000
MAX_TOTAL_UNCOMPRESSED = 800 * 1024 * 1024
MAX_RATIO = 100  # uncompressed / compressed, for entries bigger than RATIO_MIN_SIZE
RATIO_MIN_SIZE = 1024 * 1024
MAX_DATA_FILE = 30 * 1024 * 1024
MAX_ROWS = 200_000

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

    def find_photo(self, value: str) -> str | None:
        """Entry name for a photo column value (full path inside the ZIP, or a unique base name)."""
        name = _normalise(value)
        if name in self.photos:
            return name
        base = posixpath.basename(name).lower()
        hits = [n for n in self.photos if posixpath.basename(n).lower() == base]
        return hits[0] if len(hits) == 1 else None

    def read_photo(self, entry: str) -> bytes:
        if self._zip is None:
            self._zip = zipfile.ZipFile(io.BytesIO(self.raw))
        return _read_capped(self._zip, self.photos[entry])


def _normalise(name: str) -> str:
    n = name.strip().replace("\\", "/")
    while n.startswith("./"):
        n = n[2:]
    return n


def _unsafe_name(name: str) -> str | None:
    n = name.replace("\\", "/")
    if n.startswith("/") or re.match(r"^[A-Za-z]:", n):
        return "jalur absolut"
    if any(part == ".." for part in n.split("/")):
        return "mengandung '..' (zip-slip)"
    if "\x00" in n:
        return "karakter NUL"
    return None


def _read_capped(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """Read one entry but never more than its declared size (+1 byte to notice a lie)."""
    try:
        with zf.open(info) as f:
            data = f.read(info.file_size + 1)
    except RuntimeError:  # zipfile's word for an encrypted entry
        raise BundleError(f"{info.filename}: berkas di dalam ZIP terenkripsi; kirim bundel tanpa kata sandi") from None
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as exc:
        raise BundleError(f"{info.filename}: isi ZIP rusak ({exc})") from None
    if len(data) > info.file_size:
        raise BundleError(f"{info.filename}: ukuran isi melebihi yang tercatat di ZIP (kemungkinan bom ZIP)")
    return data


def _size_text(n: int) -> str:
    return f"{n / 1e6:.0f} MB" if n >= 1e6 else f"{n / 1e3:.0f} KB"


def _check_entries(zf: zipfile.ZipFile, label: str) -> list[zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise BundleError(f"{label}: terlalu banyak berkas dalam ZIP ({len(infos)}; maksimum {MAX_ENTRIES})")
    total = 0
    for info in infos:
        why = _unsafe_name(info.filename)
        if why:
            raise BundleError(f"{label}: nama berkas tidak aman '{info.filename}': {why}")
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise BundleError(f"{label}: '{info.filename}' adalah tautan simbolik; tidak diizinkan")
        total += info.file_size
        if info.file_size > RATIO_MIN_SIZE and info.file_size > MAX_RATIO * max(1, info.compress_size):
            raise BundleError(
                f"{label}: '{info.filename}' terkompresi tidak wajar "
                f"({info.file_size // max(1, info.compress_size)}:1; kemungkinan bom ZIP)"
            )
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise BundleError(f"{label}: total isi ZIP {_size_text(total)} melebihi batas {_size_text(MAX_TOTAL_UNCOMPRESSED)}")
    return infos


def open_bundle(path: Path | str) -> Bundle:
    """Check the ZIP and parse its data file; photos are read later, one at a time."""
    path = Path(path)
    label = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BundleError(f"{label}: tidak dapat dibaca ({exc.strerror or exc})") from None
    digest = hashlib.sha256(raw).hexdigest()
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        raise BundleError(f"{label}: bukan berkas ZIP yang valid") from None
    with zf:
        infos = _check_entries(zf, label)
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
        data = _read_capped(zf, data_info)
        photos = {_normalise(i.filename): i for i in files if i.filename.lower().endswith(PHOTO_EXTS)}
    columns, rows = parse_data(data_info.filename, data)
    if len(rows) > MAX_ROWS:
        raise BundleError(f"{data_info.filename}: terlalu banyak baris ({len(rows)}; maksimum {MAX_ROWS})")
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


def _parse_csv(name: str, data: bytes) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    first = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise BundleError(f"{name}: berkas CSV kosong") from None
    columns = [h.strip() for h in header]
    _check_header(name, columns)
    rows = []
    for line_no, rec in enumerate(reader, start=2):
        if not any(c.strip() for c in rec):
            continue
        if len(rec) > len(columns):
            raise BundleError(f"{name} baris {line_no}: {len(rec)} kolom, padahal header hanya {len(columns)}")
        rows.append((line_no, {c: (rec[i].strip() if i < len(rec) else "") for i, c in enumerate(columns)}))
    return columns, rows


def _parse_xlsx(name: str, data: bytes) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as inner:  # an .xlsx is a ZIP too: same bomb limits
            _check_entries(inner, name)
    except zipfile.BadZipFile:
        raise BundleError(f"{name}: berkas Excel rusak (bukan XLSX)") from None
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise BundleError(f"{name}: berkas Excel rusak ({exc.__class__.__name__})") from None
    try:
        ws = wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        header = next(it, None)
        if not header:
            raise BundleError(f"{name}: lembar kerja pertama kosong")
        columns = [_cell_text(h) for h in header]
        while columns and not columns[-1]:
            columns.pop()
        _check_header(name, columns)
        rows = []
        for row_no, values in enumerate(it, start=2):
            cells = [_cell_text(v) for v in values]
            if not any(cells):
                continue
            rows.append((row_no, {c: (cells[i] if i < len(cells) else "") for i, c in enumerate(columns)}))
            if len(rows) > MAX_ROWS:
                break
    finally:
        wb.close()
    return columns, rows


def _parse_json(name: str, data: bytes) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleError(f"{name}: JSON tidak valid ({exc})") from None
    records = doc.get("records") if isinstance(doc, dict) else doc
    if not isinstance(records, list):
        raise BundleError(f"{name}: JSON harus berupa daftar objek atau {{\"records\": [...]}}")
    columns: list[str] = []
    rows = []
    for i, rec in enumerate(records, start=1):
        if not isinstance(rec, dict):
            raise BundleError(f"{name} catatan ke-{i}: harus berupa objek JSON")
        for k in rec:
            if k not in columns:
                columns.append(str(k))
        rows.append((i, {str(k): _cell_text(v) for k, v in rec.items()}))
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
