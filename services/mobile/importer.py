"""Import a mobile attendance bundle into Punch rows (one transaction per bundle).

Decisions (documented in docs/MOBILE_BUNDLE.md):
- Punch.pin of a mobile punch is the employee's **NIP** (not a device PIN): the NIP
  never changes, so the natural key (source_serial "MOBILE", pin, ts) stays the
  same when device PINs are re-assigned, and re-importing a bundle adds nothing.
- Every row is validated before anything is written; any bad row rejects the whole
  bundle with messages naming file / row / column, unless the caller explicitly
  asks to import the valid rows only (``skip_invalid``), which records the rest
  as rejected in the ImportBatch.
- Photos are content-addressed (files/selfie/<sha256>.jpg); files written by an
  import that then fails are removed again.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.auth import audit
from services.changes import Changes
from services.devices import plausible
from services.devices.fastparse import Quarantined
from services.devices.punches import StoreOutcome, quarantine
from services.errors import BadInputError
from services.geo import GeofenceResult, Site, check_geofence
from services.jobs import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from services.mobile.bundle import FIELD_LABELS, Bundle, BundleError, detect_mapping, open_bundle, validate_mapping
from services.policy.model import MobileRules, PolicyError, load_policy
from services.selfie.photos import PhotoError, check_photo, store_photo
from services.store.db import Database
from services.store.models import Employee, EmployeePhone, EmployeePin, ImportBatch, OfficeLocation, Opd, Punch
from services.tabular import valid_pin

SOURCE = "mobile"
SOURCE_SERIAL = "MOBILE"
MAX_REPORTED_ERRORS = 50


class MobileImportError(BadInputError):
    """The bundle was not imported; ``errors`` lists every problem found (Indonesian)."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        shown = errors[:MAX_REPORTED_ERRORS]
        more = len(errors) - len(shown)
        text = "\n".join(shown) + (f"\n... dan {more} galat lain" if more > 0 else "")
        super().__init__(f"Bundel tidak diimpor ({len(errors)} galat):\n{text}")


@dataclass
class ParsedRow:
    row_no: int
    employee_id: int
    nip: str
    ts: dt.datetime
    lat: float
    lon: float
    accuracy: float | None
    phone_id: str
    photo_entry: str | None
    offline: bool
    uploaded_at: dt.datetime | None
    mock_location: bool = False
    app_version: str | None = None
    implausible: str | None = None  # services.devices.plausible reason: quarantined for review, not counted


@dataclass
class MobileImportResult:
    batch_id: int
    new: int
    duplicate: int
    rejected: int
    flags: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    punch_ids: list[int] = field(default_factory=list)
    quarantined: int = 0  # records with an implausible time, kept aside for review (Karantina)
    quarantine_messages: list[str] = field(default_factory=list)

    @property
    def changes(self) -> Changes:
        return Changes(punches=self.new > 0 or self.quarantined > 0, selfies=self.new > 0)

    def summary(self) -> str:
        parts = [f"{self.new} baru", f"{self.duplicate} sudah ada", f"{self.rejected} ditolak"]
        if self.quarantined:
            parts.append(f"{self.quarantined} dikarantina (waktu tidak wajar; periksa di menu Karantina)")
        if self.flags:
            from services.selfie.checks import FLAG_LABELS

            parts.append("ditandai: " + ", ".join(f"{FLAG_LABELS.get(k, k)} {v}" for k, v in sorted(self.flags.items())))
        return "; ".join(parts)


# ------------------------------------------------------------------ value parsing

_TS_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M")


def _parse_local_formats(t: str) -> dt.datetime:
    for fmt in _TS_FORMATS:
        try:
            return dt.datetime.strptime(t, fmt)
        except ValueError:
            continue
    raise ValueError(f"'{t}' bukan tanggal-jam (contoh: 2026-03-02 07:25:13)") from None


def parse_ts(text: str, tz: ZoneInfo) -> dt.datetime:
    """Local wall-clock time of the office zone; an explicit offset (ISO 8601) is converted to it."""
    t = text.strip()
    if not t:
        raise ValueError("kosong")
    try:
        value = dt.datetime.fromisoformat(t.replace("Z", "+00:00"))
    except ValueError:
        value = _parse_local_formats(t)
    if value.tzinfo is not None:
        value = value.astimezone(tz).replace(tzinfo=None)
    return value.replace(microsecond=0)


def parse_float(text: str, lo: float, hi: float) -> float:
    t = text.strip()
    if not t:
        raise ValueError("kosong")
    if "," in t and "." not in t:
        t = t.replace(",", ".")  # desimal koma dari Excel berbahasa Indonesia
    try:
        v = float(t)
    except ValueError:
        raise ValueError(f"'{text}' bukan angka") from None
    if not lo <= v <= hi or v != v:
        raise ValueError(f"{v} di luar rentang {lo}..{hi}")
    return v


_TRUE = {"1", "ya", "y", "true", "yes", "t", "benar", "luring", "offline"}
_FALSE = {"", "0", "tidak", "n", "false", "no", "f", "salah", "daring", "online"}


def parse_bool(text: str) -> bool:
    t = text.strip().lower()
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    raise ValueError(f"'{text}' bukan ya/tidak (pakai 1/0, ya/tidak, true/false)")


def upload_deadline(ts: dt.datetime, deadline_day: int) -> dt.datetime:
    """Last moment an offline record of ``ts``'s month may arrive: day N of the next month, 23:59:59."""
    return MobileRules(late_upload_deadline_day=deadline_day).upload_deadline(ts)


# ------------------------------------------------------------------ the import


@dataclass
class _Lookups:
    tz_name: str
    tz: ZoneInfo
    rules: MobileRules
    by_nip: dict[str, tuple[int, str]]
    by_pin: dict[str, tuple[int, str]]
    phones: dict[str, int]
    sites: list[Site]


def _lookups(session: Session, opd_id: int | None) -> _Lookups:
    opd = session.get(Opd, opd_id) if opd_id else session.execute(select(Opd).order_by(Opd.id)).scalars().first()
    if opd is None:
        raise BundleError("Belum ada data OPD; isi profil OPD dahulu.")
    try:
        rules = load_policy(opd.policy_preset or "default").mobile
    except PolicyError as exc:
        raise BundleError(f"Kebijakan daerah OPD tidak dapat dibaca: {exc}") from None
    emps = session.execute(select(Employee.id, Employee.nip).where(Employee.opd_id == opd.id)).all()
    by_nip = {nip: (eid, nip) for eid, nip in emps}
    nip_of = {eid: nip for eid, nip in emps}
    by_pin = {
        pin: (eid, nip_of[eid])
        for pin, eid in session.execute(select(EmployeePin.pin, EmployeePin.employee_id)).all()
        if eid in nip_of
    }
    phones = dict(session.execute(select(EmployeePhone.phone_id, EmployeePhone.employee_id)).all())
    sites = [
        Site(loc.id, loc.name, loc.lat, loc.lon, loc.radius_m or 0.0)
        for loc in session.execute(select(OfficeLocation).where(OfficeLocation.opd_id == opd.id)).scalars()
    ]
    return _Lookups(opd.timezone, ZoneInfo(opd.timezone), rules, by_nip, by_pin, phones, sites)


def _parse_row(
    bundle: Bundle, row_no: int, raw: dict[str, str], mapping: dict[str, str], lk: _Lookups, now: dt.datetime
) -> tuple[ParsedRow | None, list[str]]:
    errors: list[str] = []
    where = f"{bundle.data_name} baris {row_no}"

    def val(key: str) -> str:
        col = mapping.get(key)
        return raw.get(col, "").strip() if col else ""

    def err(key: str, msg: str) -> None:
        errors.append(f"{where}, kolom '{mapping.get(key, key)}' ({FIELD_LABELS[key]}): {msg}")

    who = None
    nip_text, pin_text = val("nip"), val("pin")
    if nip_text:
        who = lk.by_nip.get(re.sub(r"\s+", "", nip_text))
        if who is None:
            err("nip", f"NIP '{nip_text}' tidak terdaftar di OPD ini")
    elif pin_text:
        who = lk.by_pin.get(pin_text) if valid_pin(pin_text) else None
        if not valid_pin(pin_text):
            err("pin", f"PIN {pin_text[:24]!r} tidak valid: bukan huruf/angka ASCII (1-24 karakter)")
        elif who is None:
            err("pin", f"PIN '{pin_text}' tidak terdaftar")
    else:
        err("nip" if mapping.get("nip") else "pin", "kosong; setiap baris perlu NIP atau PIN")
    parsed: dict[str, object] = {}
    for key, fn in (
        ("ts", lambda t: parse_ts(t, lk.tz)),
        ("lat", lambda t: parse_float(t, -90, 90)),
        ("lon", lambda t: parse_float(t, -180, 180)),
    ):
        try:
            parsed[key] = fn(val(key))
        except ValueError as exc:
            err(key, str(exc))
    accuracy = None
    if val("accuracy"):
        try:
            accuracy = parse_float(val("accuracy"), 0, 100_000)
        except ValueError as exc:
            err("accuracy", str(exc))
    offline = False
    try:
        offline = parse_bool(val("offline"))
    except ValueError as exc:
        err("offline", str(exc))
    mock = False
    try:
        mock = parse_bool(val("mock_location"))
    except ValueError as exc:
        err("mock_location", str(exc))
    uploaded = None
    if val("uploaded_at"):
        try:
            uploaded = parse_ts(val("uploaded_at"), lk.tz)
        except ValueError as exc:
            err("uploaded_at", str(exc))
    app_version = val("app_version") or None
    if app_version is not None and (len(app_version) > 32 or not any(ch.isdigit() for ch in app_version)):
        err("app_version", f"'{app_version[:40]}' bukan nomor versi aplikasi (contoh: 2.4.1)")
    ts = parsed.get("ts")
    implausible = None
    if isinstance(ts, dt.datetime):
        # the same rule as device and USB records: a phone clock set ahead, reset to 2000/1970, or garbage
        implausible = plausible.classify_at(ts, now)
        if implausible is None and uploaded is not None and uploaded < ts - dt.timedelta(hours=1):
            err("uploaded_at", f"waktu unggah {uploaded:%Y-%m-%d %H:%M} sebelum waktu presensi {ts:%Y-%m-%d %H:%M}")
    photo_entry = None
    if val("photo"):
        photo_entry = bundle.find_photo(val("photo"))
        if photo_entry is None:
            err("photo", f"berkas foto '{val('photo')}' tidak ada di dalam ZIP")
    if errors or who is None:
        return None, errors
    return (
        ParsedRow(
            row_no=row_no,
            employee_id=who[0],
            nip=who[1],
            ts=parsed["ts"],  # type: ignore[arg-type]
            lat=parsed["lat"],  # type: ignore[arg-type]
            lon=parsed["lon"],  # type: ignore[arg-type]
            accuracy=accuracy,
            phone_id=val("phone_id"),
            photo_entry=photo_entry,
            offline=offline,
            uploaded_at=uploaded,
            mock_location=mock,
            app_version=app_version,
            implausible=implausible,
        ),
        [],
    )


def inspect_bundle(path: Path | str) -> tuple[Bundle, dict[str, str]]:
    """Open a bundle and guess the column mapping (for the mapping step of the UI/CLI)."""
    bundle = open_bundle(path)
    return bundle, detect_mapping(bundle.columns)


def import_bundle(
    db: Database,
    path: Path | str,
    mapping: dict[str, str] | None = None,
    *,
    username: str = "system",
    opd_id: int | None = None,
    skip_invalid: bool = False,
    now: dt.datetime | None = None,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> MobileImportResult:
    """Validate the whole bundle, then write it in one transaction (MobileImportError: nothing written)."""
    try:
        bundle = open_bundle(path)
    except BundleError as exc:
        raise MobileImportError([str(exc)]) from None
    mapping = {k: v for k, v in (mapping or detect_mapping(bundle.columns)).items() if v}
    problems = validate_mapping(mapping, bundle.columns)
    if problems:
        raise MobileImportError([f"{bundle.data_name}: {p}" for p in problems])

    try:
        with db.session() as s:
            lk = _lookups(s, opd_id)
    except BundleError as exc:
        raise MobileImportError([str(exc)]) from None
    # office-local time of the injected clock, fixed for the whole bundle
    now = (now or plausible.office_now(db.clock, lk.tz_name)).replace(microsecond=0)
    total = len(bundle.rows)
    errors: list[str] = []
    rows: list[ParsedRow] = []
    photo_info: dict[str, tuple[bytes, str] | str] = {}  # entry -> (bytes, fmt) or error text
    for i, (row_no, raw) in enumerate(bundle.rows):
        cancel.raise_if_cancelled()
        if i % 20 == 0:
            progress(i, total, f"Memeriksa baris {i + 1} dari {total}")
        row, row_errors = _parse_row(bundle, row_no, raw, mapping, lk, now)
        if row is not None and row.photo_entry:
            if row.photo_entry not in photo_info:
                try:
                    data = bundle.read_photo(row.photo_entry)
                    fmt, _w, _h = check_photo(data)
                    photo_info[row.photo_entry] = (data, fmt)
                except PhotoError as exc:
                    photo_info[row.photo_entry] = f"{row.photo_entry}: {exc}"
                except BundleError as exc:  # already names the entry
                    photo_info[row.photo_entry] = str(exc)
            info = photo_info[row.photo_entry]
            if isinstance(info, str):
                row_errors.append(f"{bundle.data_name} baris {row_no}, kolom '{mapping['photo']}' (Berkas foto): {info}")
                row = None
        if row_errors:
            errors.extend(row_errors)
        elif row is not None:
            rows.append(row)
    if errors and not skip_invalid:
        raise MobileImportError(errors)
    rejected = total - len(rows)  # quarantined rows are in `rows`: kept, but not as punches
    progress(total, total, "Menyimpan ...")
    return _write(db, bundle, rows, photo_info, lk, mapping, username, rejected, errors, now, cancel)


def _flags_for(row: ParsedRow, lk: _Lookups, uploaded: dt.datetime) -> tuple[list[str], GeofenceResult]:
    flags = []
    rules = lk.rules
    geo = check_geofence(row.lat, row.lon, lk.sites, rules.geofence_radius_m,
                         edge_inclusive=rules.geofence_edge == "inclusive",
                         office_may_exceed=rules.office_radius_may_exceed)
    if not geo.inside:
        flags.append("outside_geofence")
    if not row.phone_id or lk.phones.get(row.phone_id) != row.employee_id:
        flags.append("unknown_phone")
    if uploaded > lk.rules.upload_deadline(row.ts):
        flags.append("late_upload")
    if lk.rules.app_version_too_old(row.app_version, row.ts.date()):
        flags.append("old_app_version")
    if lk.rules.selfie_required and not row.photo_entry:
        flags.append("no_photo")
    if row.mock_location:  # the phone itself reported a mock-location provider for this fix
        flags.append("mock_location")
    return flags, geo


def _quarantine(s: Session, bundle: Bundle, rows: list[ParsedRow], lk: _Lookups, batch_id: int) -> StoreOutcome:
    """Rows with implausible times go to punch_quarantine (source "mobile", PIN = NIP) with their reason."""
    items = [Quarantined(r.row_no, r.nip, r.ts.strftime("%d-%m-%Y %H:%M:%S"), r.ts, 255, 1, r.implausible or "")
             for r in rows]
    return quarantine(s, source=SOURCE, serial=SOURCE_SERIAL, tz=lk.tz_name, batch_id=batch_id, items=items,
                      label=f"{bundle.data_name} ", unit="baris ")


def _write(
    db: Database,
    bundle: Bundle,
    rows: list[ParsedRow],
    photo_info: dict[str, tuple[bytes, str] | str],
    lk: _Lookups,
    mapping: dict[str, str],
    username: str,
    rejected: int,
    errors: list[str],
    now: dt.datetime,
    cancel: CancelToken,
) -> MobileImportResult:
    created_files: list[Path] = []
    try:
        with db.transaction() as s:
            batch = ImportBatch(kind="mobile", source=bundle.path.name, sha256=bundle.sha256, started_at=now, username=username)
            s.add(batch)
            s.flush()
            nips = {r.nip for r in rows}
            existing = set()
            if nips:
                existing = {
                    (pin, ts)
                    for pin, ts in s.execute(
                        select(Punch.pin, Punch.ts).where(Punch.source_serial == SOURCE_SERIAL, Punch.pin.in_(nips))
                    ).all()
                }
            stored: dict[str, tuple[str, str]] = {}
            flag_count: Counter[str] = Counter()
            new_punches: list[Punch] = []
            duplicate = 0
            held = _quarantine(s, bundle, [r for r in rows if r.implausible], lk, batch.id)
            for row in (r for r in rows if not r.implausible):
                key = (row.nip, row.ts)
                if key in existing:
                    duplicate += 1
                    continue
                existing.add(key)  # the same record twice inside one bundle counts once
                photo_path = photo_sha = None
                if row.photo_entry:
                    if row.photo_entry not in stored:
                        info = photo_info[row.photo_entry]
                        assert not isinstance(info, str)  # rows whose photo failed never reach here
                        data, fmt = info
                        rel, digest, created = store_photo(db.path, data, fmt)
                        if created:
                            created_files.append(Path(db.path).parent / "files" / rel)
                        stored[row.photo_entry] = (rel, digest)
                    photo_path, photo_sha = stored[row.photo_entry]
                # no upload time given: an online record reached the server when it was taken, an offline one
                # is known to have arrived no later than this import
                uploaded = row.uploaded_at or (now if row.offline else row.ts)
                flags, geo = _flags_for(row, lk, uploaded)
                flag_count.update(flags)
                punch = Punch(
                    source=SOURCE,
                    source_serial=SOURCE_SERIAL,
                    pin=row.nip,
                    ts=row.ts,
                    tz=lk.tz_name,
                    employee_id=row.employee_id,
                    batch_id=batch.id,
                    lat=row.lat,
                    lon=row.lon,
                    accuracy_m=row.accuracy,
                    distance_m=geo.distance_m,
                    location_id=geo.location_id,
                    phone_id=row.phone_id or None,
                    photo_path=photo_path,
                    photo_sha256=photo_sha,
                    captured_offline=row.offline,
                    uploaded_at=uploaded,
                    app_version=row.app_version,
                    flags=",".join(flags),
                )
                s.add(punch)
                new_punches.append(punch)
                cancel.raise_if_cancelled()  # after the row: a cancel also undoes photos already written
            batch.new_count = len(new_punches)
            batch.duplicate_count = duplicate
            batch.rejected_count = rejected + held.quarantined
            batch.errors = "\n".join(errors)
            batch.finished_at = db.clock.now()
            s.flush()
            audit.record(
                s, username, "mobile.import", "import_batch", batch.id,
                {"file": bundle.path.name, "sha256": bundle.sha256, "new": batch.new_count, "duplicate": duplicate,
                 "rejected": rejected, "quarantined": held.quarantined, "mapping": mapping},
            )
            result = MobileImportResult(
                batch_id=batch.id, new=batch.new_count, duplicate=duplicate, rejected=rejected,
                flags=flag_count, errors=errors, punch_ids=[p.id for p in new_punches],
                quarantined=held.quarantined, quarantine_messages=held.messages,
            )
    except BaseException:
        for f in created_files:  # content-addressed files this import created: not referenced by any row now
            f.unlink(missing_ok=True)
        raise
    return result
