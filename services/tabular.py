"""Bounded readers for imported tables (CSV, XLSX, JSON, ZIP) and formula-safe cell writers for exports.

Every importer (SIMPEG, mobile bundle, USB) reads through here, so the bounds of services.limits
hold everywhere and a hostile file ends in one BadInputError naming file, row and field:

- CSV: refused when binary (NUL or many control bytes; an .xlsx renamed .csv), strict quoting (an
  unclosed quote is an error, never a silently merged row), cells longer than MAX_CELL_CHARS,
  more than MAX_COLUMNS columns, a line break inside a cell (what an unclosed quote looks like);
- XLSX: the ZIP is checked like a bundle (entries, total size, compression ratio) and rows are read
  from the sheet XML directly, so the sheet's own dimension claim (A1:XFD1048576) is never used to
  pad rows; a row number past the row bound or a column past MAX_COLUMNS stops the read at once;
- JSON: numbers longer than MAX_NUMBER_DIGITS, NaN/Infinity and nesting deeper than MAX_JSON_DEPTH
  are refused (Python's own limits would end in a traceback).

Exports: a text cell starting with ``= + - @``, tab or CR is a formula to Excel/LibreOffice
(OWASP "CSV injection"). ``put_cell`` stores such text in an .xlsx as a string with Excel's quote
prefix; ``csv_safe`` prefixes it with a single quote for CSV. Intentional formulas go through
``put_formula``.
"""

from __future__ import annotations

import csv
import io
import json
import re
import stat
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from services import limits as L
from services.errors import BadInputError


class TableError(BadInputError):
    """An imported table (or its container) exceeds a bound or cannot be read."""


Cell = object  # str, int, float, bool, datetime or None as read


@dataclass
class Table:
    name: str
    header: list[str]
    rows: list[tuple[int, list[Cell]]] = field(default_factory=list)  # (row number as the user sees it, cells)

    def column_label(self, index: int) -> str:
        head = self.header[index].strip() if index < len(self.header) else ""
        return f"kolom '{head}'" if head else f"kolom ke-{index + 1}"


# ------------------------------------------------------------------ files and ZIPs


def read_file(path: Path, limit: int) -> bytes:
    """The file's bytes, refused before reading when larger than ``limit``."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise TableError(f"{path.name}: berkas terlalu besar ({L.size_text(size)}; batas {L.size_text(limit)})")
        with path.open("rb") as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise TableError(f"{path.name}: tidak dapat dibaca ({exc.strerror or exc})") from None
    if len(data) > limit:  # grew while being read
        raise TableError(f"{path.name}: berkas terlalu besar (batas {L.size_text(limit)})")
    return data


def unsafe_name(name: str) -> str | None:
    n = name.replace("\\", "/")
    if n.startswith("/") or re.match(r"^[A-Za-z]:", n):
        return "jalur absolut"
    if any(part == ".." for part in n.split("/")):
        return "mengandung '..' (zip-slip)"
    if "\x00" in n:
        return "karakter NUL"
    return None


def check_zip(zf: zipfile.ZipFile, label: str, *, max_entries: int = L.MAX_ZIP_ENTRIES,
              max_total: int = L.MAX_ZIP_TOTAL_UNCOMPRESSED) -> list[zipfile.ZipInfo]:
    """Entries of a ZIP whose names, count, declared sizes and compression ratios are within bounds."""
    infos = zf.infolist()
    if len(infos) > max_entries:
        raise TableError(f"{label}: terlalu banyak berkas dalam ZIP ({len(infos)}; maksimum {max_entries})")
    total = 0
    for info in infos:
        why = unsafe_name(info.filename)
        if why:
            raise TableError(f"{label}: nama berkas tidak aman '{info.filename}': {why}")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise TableError(f"{label}: '{info.filename}' adalah tautan simbolik; tidak diizinkan")
        total += info.file_size
        if info.file_size > L.ZIP_RATIO_MIN_SIZE and info.file_size > L.MAX_ZIP_RATIO * max(1, info.compress_size):
            raise TableError(f"{label}: '{info.filename}' terkompresi tidak wajar "
                             f"({info.file_size // max(1, info.compress_size)}:1; kemungkinan bom ZIP)")
    if total > max_total:
        raise TableError(f"{label}: total isi ZIP {L.size_text(total)} melebihi batas {L.size_text(max_total)}")
    return infos


def read_capped(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """One entry, but never more than its declared size (+1 byte to notice a lie)."""
    try:
        with zf.open(info) as f:
            data = f.read(info.file_size + 1)
    except RuntimeError:  # zipfile's word for an encrypted entry
        raise TableError(f"{info.filename}: berkas di dalam ZIP terenkripsi; kirim tanpa kata sandi") from None
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as exc:
        raise TableError(f"{info.filename}: isi ZIP rusak ({exc})") from None
    if len(data) > info.file_size:
        raise TableError(f"{info.filename}: ukuran isi melebihi yang tercatat di ZIP (kemungkinan bom ZIP)")
    return data


# ------------------------------------------------------------------ text


_BINARY_MAGIC = {b"PK\x03\x04": "ZIP/Excel .xlsx", b"\xd0\xcf\x11\xe0": "Excel lama .xls", b"%PDF": "PDF",
                 b"\x89PNG": "gambar PNG", b"\xff\xd8\xff": "gambar JPEG", b"MZ": "program", b"\x7fELF": "program"}
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13))


def refuse_binary(name: str, raw: bytes) -> None:
    """Refuse bytes that are not a text export: a known binary signature, or many control bytes."""
    head = raw[: L.BINARY_SAMPLE_BYTES]
    for magic, kind in _BINARY_MAGIC.items():
        if head.startswith(magic):
            raise TableError(f"{name}: bukan berkas teks CSV (isinya {kind}); simpan ulang sebagai CSV atau pilih "
                             "berkas dengan ekstensi yang benar")
    controls = len(head) - len(head.translate(None, _CONTROL))
    if head and controls > L.BINARY_CONTROL_SHARE * len(head):
        raise TableError(f"{name}: bukan berkas teks CSV (isinya biner: {controls} byte kendali dalam "
                         f"{len(head)} byte pertama)")


def decode_text(name: str, raw: bytes) -> str:
    """Text of an exported table: refused when it is binary; NUL bytes are refused naming their line."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise TableError(f"{name}: teks UTF-16 rusak") from None
    refuse_binary(name, raw)
    nul = raw.find(b"\x00")
    if nul >= 0:
        line = raw.count(b"\n", 0, nul) + 1
        raise TableError(f"{name} baris {line}: berisi byte NUL (\\x00); berkas rusak atau bukan teks")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")  # older Excel on Windows saves CSV in the local code page


def check_text_cell(where: str, value: str) -> None:
    """Refuse a cell that no field of ours can hold (too long, NUL)."""
    if len(value) > L.MAX_CELL_CHARS:
        raise TableError(f"{where}: isi sel terlalu panjang ({len(value)} karakter; batas {L.MAX_CELL_CHARS})")
    if "\x00" in value:
        raise TableError(f"{where}: berisi karakter NUL (\\x00)")


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_error(name: str, line: int, exc: csv.Error) -> TableError:
    text = str(exc)
    if "field larger than field limit" in text:
        why = f"isi sel terlalu panjang (lebih dari {csv.field_size_limit()} karakter; batas {L.MAX_CELL_CHARS})"
    elif "unexpected end of data" in text or "EOF" in text:
        why = 'tanda kutip (") dibuka tetapi tidak ditutup sampai akhir berkas'
    elif "expected after" in text:
        why = 'tanda kutip (") tidak berpasangan: sesudah kutip penutup harus ada pemisah kolom'
    else:
        why = f"baris CSV rusak ({text})"
    return TableError(f"{name} baris {line}: {why}")


def read_csv(name: str, data: bytes, *, max_rows: int) -> Table:
    """Header + non-empty rows; every cell a str. Any bound exceeded refuses the whole file."""
    text = decode_text(name, data)
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first), strict=True)
    table: Table | None = None
    start = 1
    max_lines = 2 * max_rows + 10_000  # empty lines too: a file of 30 million line breaks is not an export
    while True:
        if start > max_lines:
            raise TableError(f"{name}: terlalu banyak baris (lebih dari {max_lines}, termasuk baris kosong)")
        try:
            rec = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise _csv_error(name, start, exc) from None
        row_no, start = start, reader.line_num + 1
        if table is None:
            table = Table(name, [h.strip() for h in rec])
            if len(rec) > L.MAX_COLUMNS:
                raise TableError(f"{name} baris 1: {len(rec)} kolom (batas {L.MAX_COLUMNS})")
            _check_csv_cells(table, row_no, rec)
            continue
        if len(rec) > L.MAX_COLUMNS:
            raise TableError(f"{name} baris {row_no}: {len(rec)} kolom (batas {L.MAX_COLUMNS})")
        _check_csv_cells(table, row_no, rec)
        if not any(c.strip() for c in rec):
            continue
        if len(table.rows) >= max_rows:
            raise TableError(f"{name}: terlalu banyak baris data (lebih dari {max_rows})")
        table.rows.append((row_no, list(rec)))
    if table is None:
        raise TableError(f"{name}: berkas CSV kosong")
    return table


def _check_csv_cells(table: Table, row_no: int, rec: list[str]) -> None:
    for i, cell in enumerate(rec):
        where = f"{table.name} baris {row_no}, {table.column_label(i)}"
        check_text_cell(where, cell)
        if "\n" in cell or "\r" in cell:
            raise TableError(f'{where}: sel memuat pergantian baris; kemungkinan tanda kutip (") tidak ditutup '
                             "sehingga baris-baris berikutnya tergabung ke sel ini")


# ------------------------------------------------------------------ XLSX


def read_xlsx(name: str, data: bytes, *, max_rows: int) -> Table:
    """The first sheet's rows, read from its XML without trusting the sheet's dimension."""
    import openpyxl
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet._reader import WorkSheetParser

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as inner:  # an .xlsx is a ZIP: same bomb limits, tighter total
            check_zip(inner, name, max_total=L.MAX_XLSX_UNCOMPRESSED)
    except zipfile.BadZipFile:
        raise TableError(f"{name}: berkas Excel rusak (bukan XLSX)") from None
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        ws = wb.worksheets[0]
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise TableError(f"{name}: berkas Excel tidak dapat dibaca ({exc.__class__.__name__})") from None
    table: Table | None = None
    last = 0
    try:
        # the read-only sheet's own iterator pads every row to the declared width and fills every missing
        # row up to the last row number: a 12 KB file claiming row 1048576 would make a billion cells
        with ws._get_source() as src:  # noqa: SLF001 - openpyxl's documented parser, minus the padding
            parser = WorkSheetParser(src, ws._shared_strings, data_only=True, epoch=wb.epoch,  # noqa: SLF001
                                     date_formats=wb._date_formats,  # noqa: SLF001
                                     timedelta_formats=wb._timedelta_formats)  # noqa: SLF001
            for row_no, cells in parser.parse():
                last = row_no
                if row_no > max_rows + 1:
                    raise TableError(f"{name}: lembar '{ws.title}' memuat baris ke-{row_no}; batas {max_rows} "
                                     "baris data (hapus baris kosong di bawah tabel)")
                values: dict[int, Cell] = {}
                for c in cells:
                    col = int(c["column"])
                    if c["value"] is None:
                        continue
                    if col > L.MAX_COLUMNS:
                        raise TableError(f"{name}: sel {get_column_letter(col)}{row_no} berada di luar batas "
                                         f"{L.MAX_COLUMNS} kolom")
                    value = c["value"]
                    if isinstance(value, str):
                        value = _ooxml_unescape(value)
                        check_text_cell(f"{name} sel {get_column_letter(col)}{row_no}", value)
                    values[col] = value
                row = [values.get(i) for i in range(1, max(values, default=0) + 1)]
                if table is None:
                    table = Table(name, [_header_text(v) for v in row])
                elif any(v not in (None, "") for v in row):
                    table.rows.append((row_no, row))
    except TableError:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged sheet XML, a 5,000-digit number, a bad cell reference
        raise TableError(f"{name}: lembar '{ws.title}' tidak dapat dibaca sesudah baris {last} "
                         f"({exc.__class__.__name__}: {L.sample(str(exc))})") from None
    finally:
        wb.close()
    if table is None:
        raise TableError(f"{name}: lembar kerja pertama kosong")
    return table


_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _ooxml_unescape(text: str) -> str:
    """Excel writes control characters in cells as _xHHHH_ (ECMA-376 ST_Xstring); read them as Excel shows them."""
    return _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _header_text(v: Cell) -> str:
    return "" if v is None else str(v).strip()


# ------------------------------------------------------------------ JSON


def _number_reader(name: str, text: str, kind: type) -> Any:
    """json.loads hook: refuse a number longer than MAX_NUMBER_DIGITS (its line named) before converting."""
    def convert(s: str) -> Any:
        digits = sum(ch.isdigit() for ch in s)
        if digits > L.MAX_NUMBER_DIGITS:
            line = text.count("\n", 0, max(0, text.find(s))) + 1
            raise TableError(f"{name} baris {line}: angka terlalu panjang ({digits} digit; batas {L.MAX_NUMBER_DIGITS})")
        return kind(s)

    return convert


def load_json(name: str, data: bytes) -> Any:
    """A JSON document within the bounds (number length, depth); no NaN/Infinity."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TableError(f"{name}: JSON bukan teks UTF-8 (byte ke-{exc.start})") from None

    def constant(word: str) -> Any:
        raise TableError(f"{name}: nilai {word} tidak diizinkan dalam JSON")

    try:
        doc = json.loads(text, parse_int=_number_reader(name, text, int), parse_float=_number_reader(name, text, float),
                         parse_constant=constant)
    except RecursionError:
        raise TableError(f"{name}: JSON bersarang terlalu dalam (batas {L.MAX_JSON_DEPTH} tingkat)") from None
    except json.JSONDecodeError as exc:
        raise TableError(f"{name} baris {exc.lineno}: JSON tidak valid ({exc.msg})") from None
    _check_depth(name, doc)
    return doc


def _check_depth(name: str, doc: Any) -> None:
    stack: list[tuple[Any, int]] = [(doc, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > L.MAX_JSON_DEPTH:
            raise TableError(f"{name}: JSON bersarang terlalu dalam (batas {L.MAX_JSON_DEPTH} tingkat)")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)


# ------------------------------------------------------------------ ASCII checks


_ASCII_DIGITS = re.compile(r"[0-9]+")


def ascii_digits(text: str) -> bool:
    """Only 0-9 (str.isdigit() also accepts '٣' and '３', which int() then reads as 3)."""
    return _ASCII_DIGITS.fullmatch(text) is not None


PIN_RE = re.compile(r"[0-9A-Za-z]{1,24}")  # ASCII only: '١٢٣' or '１２３' pass str.isdigit() but are not PINs


def valid_pin(pin: str) -> bool:
    """A device PIN (user id): 1-24 ASCII letters/digits, wherever a PIN enters (device, USB, SIMPEG, form)."""
    return PIN_RE.fullmatch(pin) is not None


# ------------------------------------------------------------------ exports

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def csv_safe(value: object) -> object:
    """A CSV cell value that no spreadsheet will run as a formula (OWASP: prefix a single quote)."""
    return "'" + value if isinstance(value, str) and formula_like(value) else value


def csv_rows_safe(rows: Iterable[Iterable[object]]) -> Iterator[list[object]]:
    for row in rows:
        yield [csv_safe(v) for v in row]


def write_csv(f: IO[str], rows: Iterable[Iterable[object]], delimiter: str = ";") -> None:
    """Rows to an open text file, every cell through csv_safe (';' is what Indonesian Excel expects)."""
    csv.writer(f, delimiter=delimiter).writerows(csv_rows_safe(rows))


def put_cell(ws: Any, row: int, column: int, value: object) -> Any:
    """ws.cell(...) for data: text that looks like a formula stays text (type 's', Excel's quote prefix)."""
    cell = ws.cell(row=row, column=column, value=value)
    if formula_like(value):
        cell.data_type = "s"
        cell.quotePrefix = True  # keeps it text even when the user edits the cell in Excel
    return cell


def put_formula(ws: Any, row: int, column: int, formula: str) -> Any:
    """An intentional formula written by us (e.g. a control SUM), never built from imported data."""
    if not formula.startswith("="):
        raise ValueError(formula)
    return ws.cell(row=row, column=column, value=formula)


def append_row(ws: Any, values: Iterable[object]) -> int:
    """ws.append(...) through put_cell; returns the row number written."""
    r = ws.max_row + 1 if ws.max_row > 1 or ws.cell(1, 1).value is not None else 1
    for c, v in enumerate(values, start=1):
        put_cell(ws, r, c, v)
    return r
