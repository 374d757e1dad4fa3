"""Import employees from a SIMPEG-style CSV or XLSX export.

Two steps: ``preview_file`` parses and validates every row (nothing written), then
``apply_import`` writes in one transaction: all rows, refused while any row has an error, or,
with ``valid_only``, exactly the rows without an error (the user chose so after seeing the
preview; the rejected ones go to a CSV/XLSX file with their errors, ``export_rejected_rows``).
Either way the import is one transaction: it is written completely or not at all.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from services import limits as L
from services.auth import audit
from services.errors import BadInputError
from services.jobs import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from services.org.nip import NipError, parse_nip, validate_employee_id
from services.store.db import clock_of
from services.store.models import Employee, EmployeePhone, EmployeePin, ImportBatch, OfficeLocation, WorkUnit
from services.tabular import (
    TableError,
    append_row,
    ascii_digits,
    read_csv,
    read_file,
    read_xlsx,
    valid_pin,
    write_csv,
)

# our field -> accepted header spellings (lower-case, spaces/underscores ignored)
COLUMNS: dict[str, tuple[str, ...]] = {
    "nip": ("nip", "nipppk", "nip/nipppk", "nomorinduk", "nomorindukpegawai"),
    "name": ("nama", "namalengkap", "namapegawai"),
    "kind": ("jenis", "jenispegawai", "statuspegawai", "status"),
    "jabatan": ("jabatan", "namajabatan"),
    "kelas_jabatan": ("kelasjabatan", "kelas"),
    "golongan": ("golongan", "gol", "pangkat/gol", "golruang"),
    "unit": ("unitkerja", "unit", "bidang", "subunit"),
    "pin": ("pin", "pinmesin", "idmesin", "useridmesin"),
    "phone": ("idhp", "hp", "phoneid", "imei", "idperangkat"),
    "tpp": ("tpp", "basistpp", "tpppokok", "nilaitpp"),
    "supervisor_nip": ("nipatasan", "atasan", "atasanlangsung"),
    "location": ("lokasi", "lokasikantor", "kantor"),
}
REQUIRED = ("nip", "name", "kind")
KINDS = {"PNS": "PNS", "PPPK": "PPPK", "PTT": "PTT", "NON_ASN": "NON_ASN", "NON ASN": "NON_ASN", "NON-ASN": "NON_ASN", "HONORER": "NON_ASN"}
MAX_ROWS = L.MAX_SIMPEG_ROWS
MAX_NUMBER_DIGITS = 15  # Rp 999 triliun; a longer 'number' is a typo or an attack (int() of 5,000 digits fails)


class ImportFileError(BadInputError):
    """The file as a whole cannot be read (format, header)."""


@dataclass
class PreviewRow:
    row_no: int  # line / sheet row as the user sees it (header = 1)
    values: dict[str, str]
    action: str = "baru"  # baru / ubah
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportPreview:
    path: Path
    sha256: str
    columns: dict[str, str]  # our field -> header found in the file
    rows: list[PreviewRow]
    new_units: list[str]

    @property
    def valid_rows(self) -> list[PreviewRow]:
        return [r for r in self.rows if not r.errors]

    @property
    def rejected_rows(self) -> list[PreviewRow]:
        return [r for r in self.rows if r.errors]

    @property
    def errors(self) -> list[str]:
        return [f"{self.path.name} baris {r.row_no}: {e}" for r in self.rows for e in r.errors]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not any(r.errors for r in self.rows)


def _norm_header(h: str) -> str:
    return "".join(ch for ch in str(h).lower() if ch not in " _.-")


def _cell_text(c: object) -> str:
    if c is None:
        return ""
    if isinstance(c, float) and c.is_integer():
        return str(int(c))
    return str(c)


def _read_table(path: Path) -> tuple[list[str], list[tuple[int, list[str]]], bytes]:
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".csv", ".txt"):
        raise ImportFileError(f"{path.name}: format tidak didukung (gunakan .csv atau .xlsx)")
    try:
        raw = read_file(path, L.MAX_TABLE_FILE_BYTES)
        if suffix in (".xlsx", ".xlsm"):
            table = read_xlsx(path.name, raw, max_rows=MAX_ROWS)
        else:
            table = read_csv(path.name, raw, max_rows=MAX_ROWS)
    except TableError as exc:
        raise ImportFileError(str(exc)) from None
    rows = [(i, [_cell_text(c) for c in r]) for i, r in table.rows]
    return table.header, [(i, r) for i, r in rows if any(c.strip() for c in r)], raw


def _map_columns(header: list[str], path: Path) -> dict[str, int]:
    found: dict[str, int] = {}
    for idx, h in enumerate(header):
        key = _norm_header(h)
        for fld, aliases in COLUMNS.items():
            if key in aliases and fld not in found:
                found[fld] = idx
    missing = [f for f in REQUIRED if f not in found]
    if missing:
        names = ", ".join(COLUMNS[f][0].upper() for f in missing)
        raise ImportFileError(f"{path.name}: kolom wajib tidak ditemukan: {names} (baris judul: {', '.join(header)})")
    return found


def preview_file(session: Session, opd_id: int, path: Path | str) -> ImportPreview:
    path = Path(path)
    header, table, raw = _read_table(path)
    colmap = _map_columns(header, path)
    existing = {nip: eid for nip, eid in session.execute(select(Employee.nip, Employee.id))}
    units = {u.code.lower(): u for u in session.execute(select(WorkUnit).where(WorkUnit.opd_id == opd_id)).scalars()}
    units.update({u.name.lower(): u for u in list(units.values())})
    locations = {loc.name.lower() for loc in session.execute(select(OfficeLocation).where(OfficeLocation.opd_id == opd_id)).scalars()}
    pins_taken = {p: e for p, e in session.execute(select(EmployeePin.pin, Employee.nip).join(Employee))}
    phones_taken = {p: e for p, e in session.execute(select(EmployeePhone.phone_id, Employee.nip).join(Employee))}

    today = clock_of(session).today()
    rows: list[PreviewRow] = []
    seen_nip: dict[str, int] = {}
    seen_pin: dict[str, int] = {}
    new_units: list[str] = []
    for row_no, cells in table:
        values = {f: (cells[i].strip() if i < len(cells) else "") for f, i in colmap.items()}
        pr = PreviewRow(row_no=row_no, values=values)
        kind = KINDS.get(values["kind"].upper())
        if not kind:
            pr.errors.append(f"kolom JENIS '{values['kind']}' tidak dikenal (PNS, PPPK, PTT, NON_ASN)")
        else:
            values["kind"] = kind
            try:
                values["nip"] = validate_employee_id(values["nip"], kind, today)
            except NipError as exc:
                pr.errors.append(f"kolom NIP: {exc}")
        if not values["name"]:
            pr.errors.append("kolom NAMA kosong")
        nip = values["nip"]
        if nip in seen_nip:
            pr.errors.append(f"NIP {nip} ganda (juga di baris {seen_nip[nip]})")
        seen_nip.setdefault(nip, row_no)
        pr.action = "ubah" if nip in existing else "baru"
        for num_field, label in (("kelas_jabatan", "KELAS JABATAN"), ("tpp", "TPP")):
            digits = values.get(num_field, "").replace(".", "").replace(",", "")
            if digits and not ascii_digits(digits):
                pr.errors.append(f"kolom {label} {L.sample(values[num_field])} harus angka (0-9)")
            elif len(digits) > MAX_NUMBER_DIGITS:
                pr.errors.append(f"kolom {label}: angka terlalu panjang ({len(digits)} digit; batas {MAX_NUMBER_DIGITS})")
        pin = values.get("pin", "").lstrip("0") or values.get("pin", "")
        if pin and not valid_pin(pin):
            pr.errors.append(f"kolom PIN {L.sample(pin)} tidak valid (1-24 huruf/angka ASCII; angka Arab atau "
                             "angka lebar penuh tidak dikenal mesin)")
        elif pin:
            if pin in seen_pin:
                pr.errors.append(f"PIN mesin {pin} ganda (juga di baris {seen_pin[pin]})")
            elif pins_taken.get(pin, nip) != nip:
                pr.errors.append(f"PIN mesin {pin} sudah dipakai pegawai NIP {pins_taken[pin]}")
            seen_pin.setdefault(pin, row_no)
            values["pin"] = pin
        phone = values.get("phone", "")
        if phone and phones_taken.get(phone, nip) != nip:
            pr.errors.append(f"ID HP {phone} sudah terdaftar untuk NIP {phones_taken[phone]}")
        unit = values.get("unit", "")
        if unit and unit.lower() not in units and unit not in new_units:
            new_units.append(unit)
        loc = values.get("location", "")
        if loc and loc.lower() not in locations:
            pr.errors.append(f"kolom LOKASI '{loc}' tidak dikenal (lokasi kantor: {', '.join(sorted(locations)) or '-'})")
        rows.append(pr)
    # supervisors may point to rows of the same file
    all_nips = set(existing) | set(seen_nip)
    for pr in rows:
        sup = pr.values.get("supervisor_nip", "")
        if sup and sup not in all_nips:
            pr.errors.append(f"kolom NIP ATASAN {sup} tidak ditemukan")
    _check_supervisor_cycles(session, rows)
    _reject_rows_under_rejected_supervisors(rows, set(existing))
    if not rows:
        raise ImportFileError(f"{path.name}: tidak ada baris data")
    return ImportPreview(
        path=path,
        sha256=hashlib.sha256(raw).hexdigest(),
        columns={f: header[i] for f, i in colmap.items()},
        rows=rows,
        new_units=new_units,
    )


def _reject_rows_under_rejected_supervisors(rows: list[PreviewRow], stored: set[str]) -> None:
    """A row whose NIP ATASAN is a new employee of a rejected row cannot be imported alone (its atasan
    would not exist): it is rejected too, saying which row, so "import the valid rows" stays consistent."""
    row_of = {pr.values["nip"]: pr for pr in rows}
    changed = True
    while changed:
        changed = False
        for pr in rows:
            sup = pr.values.get("supervisor_nip", "")
            boss = row_of.get(sup)
            if pr.errors or not sup or boss is None or boss is pr or not boss.errors or sup in stored:
                continue
            pr.errors.append(f"kolom NIP ATASAN {sup}: baris {boss.row_no} atasan ini ditolak, perbaiki itu dulu")
            changed = True


def _supervisor_map(session: Session, rows: list[PreviewRow]) -> dict[str, str]:
    """NIP -> supervisor NIP after the import: the database's links, overridden by the file's rows."""
    sup_alias = Employee.__table__.alias("atasan")
    stored = {nip: sup for nip, sup in session.execute(
        select(Employee.nip, sup_alias.c.nip).join(sup_alias, Employee.supervisor_id == sup_alias.c.id)).all()}
    for pr in rows:
        if "supervisor_nip" in pr.values:
            if pr.values["supervisor_nip"]:
                stored[pr.values["nip"]] = pr.values["supervisor_nip"]
            else:
                stored.pop(pr.values["nip"], None)
    return stored


def _check_supervisor_cycles(session: Session, rows: list[PreviewRow]) -> None:
    """Self-supervision and loops (A -> B -> A, longer) are errors on every row of the loop."""
    sup_of = _supervisor_map(session, rows)
    row_of = {pr.values["nip"]: pr for pr in rows}
    done: set[str] = set()
    for start in sup_of:
        path: list[str] = []
        on_path: dict[str, int] = {}
        node: str | None = start
        while node is not None and node not in done and node not in on_path:
            on_path[node] = len(path)
            path.append(node)
            node = sup_of.get(node)
        if node is not None and node in on_path:
            loop = path[on_path[node]:]
            _report_loop(loop, row_of)
        done.update(path)


def _report_loop(loop: list[str], row_of: dict[str, PreviewRow]) -> None:
    if len(loop) == 1:
        pr = row_of.get(loop[0])
        if pr is not None:
            pr.errors.append(f"kolom NIP ATASAN: pegawai {loop[0]} tidak boleh menjadi atasan dirinya sendiri")
        return
    where = ", ".join(f"{nip} (baris {row_of[nip].row_no})" if nip in row_of else f"{nip} (data tersimpan)"
                      for nip in loop)
    chain = " → ".join([*loop, loop[0]])
    for nip in loop:
        pr = row_of.get(nip)
        if pr is not None:
            pr.errors.append(f"kolom NIP ATASAN membentuk lingkaran atasan {chain}: {where}")


REJECTED_COLUMNS = ("Baris", "NIP", "Nama", "Jenis", "Unit", "PIN", "Kesalahan")
# the other fields a SIMPEG file may carry, written to the rejected-rows file when the file had them
EXTRA_COLUMNS = (("jabatan", "Jabatan"), ("golongan", "Golongan"), ("kelas_jabatan", "Kelas jabatan"),
                 ("tpp", "TPP dasar"), ("supervisor_nip", "NIP atasan"), ("location", "Lokasi"), ("phone", "ID HP"))


def rejected_table(preview: ImportPreview) -> list[list[object]]:
    """Header + one row per rejected row: the file's own values of every column read, then the errors."""
    extra = [(f, label) for f, label in EXTRA_COLUMNS if f in preview.columns]
    rows: list[list[object]] = [[*REJECTED_COLUMNS[:-1], *(label for _f, label in extra), REJECTED_COLUMNS[-1]]]
    for r in preview.rejected_rows:
        v = r.values
        rows.append([r.row_no, v.get("nip", ""), v.get("name", ""), v.get("kind", ""), v.get("unit", ""),
                     v.get("pin", ""), *(v.get(f, "") for f, _l in extra), "; ".join(r.errors)])
    return rows


def export_rejected_rows(preview: ImportPreview, path: Path | str) -> int:
    """The rows with errors, for whoever fixes the SIMPEG file: ``.xlsx`` as a workbook, anything else
    as CSV (';', UTF-8 with BOM for Excel). Returns the number of rows written.

    The cells are the file's own text: a name like '=HYPERLINK(...)' is written as text (tabular.csv_safe,
    tabular.put_cell). Written to a temporary file first, so a failed write leaves no half file.
    """
    path = Path(path)
    rows = rejected_table(preview)
    tmp = path.with_name(path.name + ".tmp")
    try:
        if path.suffix.lower() == ".xlsx":
            from openpyxl import Workbook

            wb = Workbook()
            ws = wb.active
            ws.title = "Baris ditolak"
            for values in rows:
                append_row(ws, values)
            ws.freeze_panes = "A2"
            for col, width in zip("ABCDEFGHIJKLMN", (7, 21, 28, 9, 24, 9), strict=False):
                ws.column_dimensions[col].width = width
            ws.column_dimensions[chr(ord("A") + len(rows[0]) - 1)].width = 80
            wb.save(tmp)
        else:
            with tmp.open("w", encoding="utf-8-sig", newline="") as f:
                write_csv(f, rows)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return len(rows) - 1


def _int(value: str) -> int:
    raw = value.replace(".", "").replace(",", "")
    return int(raw) if ascii_digits(raw) and len(raw) <= MAX_NUMBER_DIGITS else 0


def apply_import(
    session: Session,
    opd_id: int,
    preview: ImportPreview,
    username: str,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
    valid_only: bool = False,
) -> ImportBatch:
    """Write the previewed rows (``valid_only``: the rows without errors). Caller owns the transaction."""
    rows = preview.valid_rows if valid_only else preview.rows
    rejected = preview.rejected_rows if valid_only else []
    if not valid_only and not preview.ok:
        raise ImportFileError("Impor dibatalkan: masih ada kesalahan.\n" + "\n".join(preview.errors[:50]))
    if not rows:
        raise ImportFileError(f"{preview.path.name}: tidak ada baris yang valid untuk diimpor.")
    wanted_units = {r.values.get("unit", "").lower() for r in rows}
    units = {u.code.lower(): u for u in session.execute(select(WorkUnit).where(WorkUnit.opd_id == opd_id)).scalars()}
    units.update({u.name.lower(): u for u in list(units.values())})
    for i, name in enumerate([u for u in preview.new_units if u.lower() in wanted_units], start=1):
        code = "".join(ch for ch in name.upper() if ch.isalnum())[:12] or f"UNIT{i}"
        while code.lower() in units:
            code = f"{code[:10]}{i}"
        unit = WorkUnit(opd_id=opd_id, code=code, name=name)
        session.add(unit)
        session.flush()
        units[name.lower()] = unit
        units[code.lower()] = unit
    locations = {loc.name.lower(): loc.id for loc in session.execute(select(OfficeLocation).where(OfficeLocation.opd_id == opd_id)).scalars()}
    by_nip = {e.nip: e for e in session.execute(select(Employee)).scalars()}
    new = updated = 0
    total = len(rows)
    for n, pr in enumerate(rows, start=1):
        cancel.raise_if_cancelled()
        v = pr.values
        emp = by_nip.get(v["nip"])
        if emp is None:
            emp = Employee(opd_id=opd_id, nip=v["nip"], name=v["name"], kind=v["kind"])
            session.add(emp)
            by_nip[emp.nip] = emp
            new += 1
        else:
            updated += 1
        emp.name = v["name"]
        emp.kind = v["kind"]
        if v["kind"] in ("PNS", "PPPK"):
            emp.gender = parse_nip(v["nip"], v["kind"]).gender
        emp.jabatan = v.get("jabatan", emp.jabatan or "")
        emp.golongan = v.get("golongan", emp.golongan or "")
        if v.get("kelas_jabatan"):
            emp.kelas_jabatan = _int(v["kelas_jabatan"])
        if v.get("tpp"):
            emp.tpp_base = _int(v["tpp"])
        if v.get("unit"):
            emp.unit_id = units[v["unit"].lower()].id
        if v.get("location"):
            emp.location_id = locations[v["location"].lower()]
        session.flush()
        if v.get("pin") and v["pin"] not in {p.pin for p in emp.pins}:
            emp.pins.append(EmployeePin(pin=v["pin"]))
        if v.get("phone") and v["phone"] not in {p.phone_id for p in emp.phones}:
            emp.phones.append(EmployeePhone(phone_id=v["phone"]))
        if n % 200 == 0 or n == total:
            progress(n, total, f"Menyimpan pegawai {n}/{total}")
    session.flush()
    for pr in rows:
        sup = pr.values.get("supervisor_nip")
        if sup:
            by_nip[pr.values["nip"]].supervisor_id = by_nip[sup].id
    batch = ImportBatch(
        kind="simpeg",
        source=preview.path.name,
        sha256=preview.sha256,
        new_count=new,
        duplicate_count=updated,
        rejected_count=len(rejected),
        username=username,
        finished_at=clock_of(session).now(),
    )
    session.add(batch)
    session.flush()
    audit.record(
        session, username, "employee.import", "import_batch", batch.id,
        {"file": preview.path.name, "sha256": preview.sha256, "new": new, "updated": updated,
         "new_units": [u for u in preview.new_units if u.lower() in wanted_units],
         "rejected_rows": [r.row_no for r in rejected]},
    )
    return batch
