"""SQLAlchemy 2 typed models of the local (per-OPD) SQLite database.

Raw punches are append-only and keyed naturally; DayRecord is derived and can be
recomputed at any time from punches + schedules + holidays + letters + selfie
verdicts + corrections.
"""

from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

OUTSIDE_GEOFENCE = "source = 'mobile' AND flags LIKE '%outside_geofence%'"  # rows of ix_punch_outside_geofence
# Rows of ix_day_record_review; a query must repeat its condition term for term (SQLite's rule) to use it
REVIEW_SQLITE = "corrected = 0 AND (status = 'TK' OR flags <> '')"
REVIEW_POSTGRESQL = "NOT corrected AND (status = 'TK' OR flags <> '')"


class Base(DeclarativeBase):
    pass


def _now(context: object) -> dt.datetime:
    """Column default for creation stamps: the office clock of the Database the row is written through.

    ``Database`` puts a clock getter into its engine's execution options; an engine without
    one is a programming error (services never stamp rows from the system clock directly).
    """
    clock = context.execution_options.get("office_clock")  # type: ignore[attr-defined]
    if clock is None:
        raise RuntimeError("Engine tanpa jam kantor: buka database lewat services.store.db.Database")
    return clock().now()


# --------------------------------------------------------------------------- org


class Opd(Base):
    __tablename__ = "opd"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    region_name: Mapped[str] = mapped_column(String(200), default="")  # "PEMERINTAH KABUPATEN ..."
    timezone: Mapped[str] = mapped_column(String(40), default="Asia/Jakarta")
    # a preset name or the path of the region's own TOML file; PostgreSQL enforces the length
    policy_preset: Mapped[str] = mapped_column(String(500), default="default")
    head_employee_id: Mapped[Optional[int]] = mapped_column(ForeignKey("employee.id", use_alter=True))


class WorkUnit(Base):
    __tablename__ = "work_unit"
    id: Mapped[int] = mapped_column(primary_key=True)
    opd_id: Mapped[int] = mapped_column(ForeignKey("opd.id"))
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("work_unit.id"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    __table_args__ = (UniqueConstraint("opd_id", "code"),)


class OfficeLocation(Base):
    __tablename__ = "office_location"
    id: Mapped[int] = mapped_column(primary_key=True)
    opd_id: Mapped[int] = mapped_column(ForeignKey("opd.id"))
    name: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    radius_m: Mapped[float] = mapped_column(Float, default=100.0)


class Employee(Base):
    __tablename__ = "employee"
    id: Mapped[int] = mapped_column(primary_key=True)
    opd_id: Mapped[int] = mapped_column(ForeignKey("opd.id"))
    unit_id: Mapped[Optional[int]] = mapped_column(ForeignKey("work_unit.id"))
    location_id: Mapped[Optional[int]] = mapped_column(ForeignKey("office_location.id"))
    nip: Mapped[str] = mapped_column(String(32), unique=True)  # NIP (PNS), NI PPPK, or internal id
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))  # PNS / PPPK / PTT / NON_ASN
    gender: Mapped[str] = mapped_column(String(1), default="")  # L / P
    jabatan: Mapped[str] = mapped_column(String(200), default="")
    kelas_jabatan: Mapped[int] = mapped_column(Integer, default=0)
    golongan: Mapped[str] = mapped_column(String(10), default="")
    supervisor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("employee.id"))
    tpp_base: Mapped[int] = mapped_column(Integer, default=0)  # rupiah per month
    active_from: Mapped[Optional[dt.date]] = mapped_column(Date)
    active_to: Mapped[Optional[dt.date]] = mapped_column(Date)

    pins: Mapped[list[EmployeePin]] = relationship(back_populates="employee", cascade="all, delete-orphan")
    phones: Mapped[list[EmployeePhone]] = relationship(back_populates="employee", cascade="all, delete-orphan")


class EmployeePin(Base):
    """Device user_id (PIN) of an employee. A PIN maps to one employee per OPD."""

    __tablename__ = "employee_pin"
    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    pin: Mapped[str] = mapped_column(String(24), unique=True)
    employee: Mapped[Employee] = relationship(back_populates="pins")

    @validates("pin")
    def _ascii_pin(self, _key: str, value: str) -> str:
        """The last line of defence: whatever path sets a PIN, '٣' or '３' never reaches the table."""
        from services.errors import BadInputError
        from services.tabular import valid_pin

        if not valid_pin(value):
            raise BadInputError(f"PIN {value[:24]!r} tidak valid: 1-24 huruf/angka ASCII.")
        return value


class EmployeePhone(Base):
    __tablename__ = "employee_phone"
    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    phone_id: Mapped[str] = mapped_column(String(80), unique=True)
    registered_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    employee: Mapped[Employee] = relationship(back_populates="phones")


class ReferencePhoto(Base):
    __tablename__ = "reference_photo"
    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    face_descriptor: Mapped[Optional[bytes]] = mapped_column(LargeBinary)  # embedding cached by `model`
    model: Mapped[str] = mapped_column(String(40), default="")  # services.selfie.faces.MODEL_ID of the cache
    created_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    added_by: Mapped[str] = mapped_column(String(60), default="")


# ---------------------------------------------------------------------- calendar


class Schedule(Base):
    """A work schedule. kind='fixed' uses ScheduleDay rows; kind='roster' uses RosterEntry."""

    __tablename__ = "schedule"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10), default="fixed")
    ramadan: Mapped[bool] = mapped_column(Boolean, default=False)
    # jam masuk fleksibel: minutes after the start that still count as on time, the day's end moving by the
    # same amount (compensation); None = the region policy's [schedule] value, 0 = no flexibility
    flex_minutes: Mapped[Optional[int]] = mapped_column(Integer)
    days: Mapped[list[ScheduleDay]] = relationship(back_populates="schedule", cascade="all, delete-orphan")


class ScheduleDay(Base):
    __tablename__ = "schedule_day"
    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedule.id"))
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    start: Mapped[dt.time] = mapped_column(Time)
    end: Mapped[dt.time] = mapped_column(Time)
    break_minutes: Mapped[int] = mapped_column(Integer, default=60)
    schedule: Mapped[Schedule] = relationship(back_populates="days")
    __table_args__ = (UniqueConstraint("schedule_id", "weekday"),)


class Shift(Base):
    __tablename__ = "shift"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    start: Mapped[dt.time] = mapped_column(Time)
    end: Mapped[dt.time] = mapped_column(Time)  # end < start means it crosses midnight


class ScheduleAssignment(Base):
    """Schedule for a unit or one employee over a date range (employee wins over unit)."""

    __tablename__ = "schedule_assignment"
    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedule.id"))
    unit_id: Mapped[Optional[int]] = mapped_column(ForeignKey("work_unit.id"))
    employee_id: Mapped[Optional[int]] = mapped_column(ForeignKey("employee.id"))
    date_from: Mapped[dt.date] = mapped_column(Date)
    date_to: Mapped[Optional[dt.date]] = mapped_column(Date)


class RosterEntry(Base):
    __tablename__ = "roster_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    date: Mapped[dt.date] = mapped_column(Date)  # the day the shift starts
    shift_id: Mapped[Optional[int]] = mapped_column(ForeignKey("shift.id"))  # None = off
    __table_args__ = (UniqueConstraint("employee_id", "date"),)


class Holiday(Base):
    __tablename__ = "holiday"
    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # nasional / cuti_bersama / daerah
    __table_args__ = (UniqueConstraint("date", "kind"),)


# ----------------------------------------------------------------------- devices


class Device(Base):
    __tablename__ = "device"
    id: Mapped[int] = mapped_column(primary_key=True)
    opd_id: Mapped[int] = mapped_column(ForeignKey("opd.id"))
    name: Mapped[str] = mapped_column(String(100))
    ip: Mapped[str] = mapped_column(String(64))
    port: Mapped[int] = mapped_column(Integer, default=4370)
    protocol: Mapped[str] = mapped_column(String(3), default="tcp")  # tcp / udp
    timezone: Mapped[str] = mapped_column(String(40), default="Asia/Jakarta")
    location_id: Mapped[Optional[int]] = mapped_column(ForeignKey("office_location.id"))
    serial: Mapped[Optional[str]] = mapped_column(String(64))
    firmware: Mapped[str] = mapped_column(String(64), default="")
    platform: Mapped[str] = mapped_column(String(64), default="")
    has_comm_key: Mapped[bool] = mapped_column(Boolean, default=False)  # the key itself is in keyring
    high_water_ts: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)  # newest punch stored
    last_sync_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    last_sync_status: Mapped[str] = mapped_column(String(300), default="")
    last_drift_seconds: Mapped[Optional[float]] = mapped_column(Float)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    last_success_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)  # last pull that committed
    last_error: Mapped[str] = mapped_column(String(300), default="")  # last failure's message ("" once a pull succeeds)
    last_error_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    last_read_count: Mapped[Optional[int]] = mapped_column(Integer)  # records on the device after the last pull


class DeviceUserRecord(Base):
    """A user as the device holds it (PIN, name, privilege), refreshed at every pull: names for unmapped PINs."""

    __tablename__ = "device_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("device.id"), index=True)
    uid: Mapped[int] = mapped_column(Integer)  # device slot
    pin: Mapped[str] = mapped_column(String(24), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    privilege: Mapped[int] = mapped_column(Integer, default=0)  # 0 user, 14 admin
    read_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    __table_args__ = (UniqueConstraint("device_id", "pin", name="uq_device_user_pin"),)


class PushDevice(Base):
    """A device that pushes over ZKTeco ADMS / iclock HTTP, known by its serial.

    Unknown serials arrive as ``pending`` ("menunggu persetujuan"); their uploads are
    refused (the device keeps them) until an admin accepts the serial. The stamps
    are the last ``Stamp`` committed per table, returned in the handshake so the
    device resends only what is not stored yet.
    """

    __tablename__ = "push_device"
    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending / accepted / rejected
    name: Mapped[str] = mapped_column(String(100), default="")
    timezone: Mapped[str] = mapped_column(String(40), default="Asia/Jakarta")
    opd_id: Mapped[Optional[int]] = mapped_column(ForeignKey("opd.id"))
    device_id: Mapped[Optional[int]] = mapped_column(ForeignKey("device.id"))  # the same machine registered for pull
    first_seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    last_seen_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    push_version: Mapped[str] = mapped_column(String(20), default="")
    info: Mapped[str] = mapped_column(String(300), default="")  # last INFO heartbeat / command reply (firmware, counts)
    attlog_stamp: Mapped[str] = mapped_column(String(20), default="")
    operlog_stamp: Mapped[str] = mapped_column(String(20), default="")
    refused_posts: Mapped[int] = mapped_column(Integer, default=0)  # uploads answered "not OK" while not accepted
    records_stored: Mapped[int] = mapped_column(Integer, default=0)
    last_upload_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    last_status: Mapped[str] = mapped_column(String(300), default="")
    drift_seconds: Mapped[Optional[float]] = mapped_column(Float)  # device clock minus office clock (estimate)
    drift_window_start: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    decided_by: Mapped[str] = mapped_column(String(60), default="")
    decided_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)


class PushCommand(Base):
    """A command queued for a push device: handed out by getrequest as ``C:<id>:<command>``."""

    __tablename__ = "push_command"
    id: Mapped[int] = mapped_column(primary_key=True)
    push_device_id: Mapped[int] = mapped_column(ForeignKey("push_device.id"), index=True)
    command: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10), default="queued")  # queued / sent / done / failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    created_by: Mapped[str] = mapped_column(String(60), default="")
    sent_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    finished_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    return_code: Mapped[Optional[int]] = mapped_column(Integer)
    result: Mapped[str] = mapped_column(Text, default="")


class PushDeviceUser(Base):
    """A user as a push device reported it (OPERLOG/USERINFO ``USER``/``FP`` lines). No password, no template."""

    __tablename__ = "push_device_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    push_device_id: Mapped[int] = mapped_column(ForeignKey("push_device.id"))
    pin: Mapped[str] = mapped_column(String(24))
    name: Mapped[str] = mapped_column(String(100), default="")
    privilege: Mapped[int] = mapped_column(Integer, default=0)
    card: Mapped[str] = mapped_column(String(32), default="")
    has_password: Mapped[bool] = mapped_column(Boolean, default=False)
    fingerprints: Mapped[str] = mapped_column(String(60), default="")  # finger ids enrolled, e.g. "0,6"
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    __table_args__ = (UniqueConstraint("push_device_id", "pin"),)


class ImportBatch(Base):
    __tablename__ = "import_batch"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # device / usb / mobile / simpeg / manual
    source: Mapped[str] = mapped_column(String(300))  # file name or device serial
    sha256: Mapped[str] = mapped_column(String(64), default="")
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    finished_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    new_count: Mapped[int] = mapped_column(Integer, default=0)
    duplicate_count: Mapped[int] = mapped_column(Integer, default=0)
    rejected_count: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[str] = mapped_column(Text, default="")  # one message per line
    username: Mapped[str] = mapped_column(String(60), default="")
    trigger: Mapped[str] = mapped_column(String(12), default="")  # manual / auto (app timer) / scheduled (OS task)


class Punch(Base):
    """Append-only raw attendance event. Unique on (source_serial, pin, ts)."""

    __tablename__ = "punch"
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(10))  # device / usb / mobile / manual
    source_serial: Mapped[str] = mapped_column(String(80))  # device serial or "MOBILE"
    pin: Mapped[str] = mapped_column(String(24))
    ts: Mapped[dt.datetime] = mapped_column(DateTime)  # local wall-clock time of `tz`
    tz: Mapped[str] = mapped_column(String(40), default="Asia/Jakarta")
    employee_id: Mapped[Optional[int]] = mapped_column(ForeignKey("employee.id"))
    state: Mapped[int] = mapped_column(Integer, default=255)  # 0 in, 1 out, ... 255 none
    verify: Mapped[int] = mapped_column(Integer, default=1)
    batch_id: Mapped[Optional[int]] = mapped_column(ForeignKey("import_batch.id"))
    # mobile-only fields
    lat: Mapped[Optional[float]] = mapped_column(Float)
    lon: Mapped[Optional[float]] = mapped_column(Float)
    accuracy_m: Mapped[Optional[float]] = mapped_column(Float)
    distance_m: Mapped[Optional[float]] = mapped_column(Float)
    location_id: Mapped[Optional[int]] = mapped_column(ForeignKey("office_location.id"))
    phone_id: Mapped[Optional[str]] = mapped_column(String(80))
    photo_path: Mapped[Optional[str]] = mapped_column(String(500))
    photo_sha256: Mapped[Optional[str]] = mapped_column(String(64))
    captured_offline: Mapped[bool] = mapped_column(Boolean, default=False)
    uploaded_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    app_version: Mapped[Optional[str]] = mapped_column(String(32))  # mobile app version that made the record
    flags: Mapped[str] = mapped_column(String(200), default="")  # comma-separated: outside_geofence, late_upload, unknown_phone
    __table_args__ = (
        UniqueConstraint("source_serial", "pin", "ts", name="uq_punch_natural"),
        Index("ix_punch_employee_ts", "employee_id", "ts"),
        Index("ix_punch_ts_employee", "ts", "employee_id"),  # month-wide reads by time (0009_perf_indexes)
        # the few mobile punches outside the geofence, which do not count (0009_perf_indexes; the month load
        # repeats this condition verbatim so SQLite uses it)
        Index("ix_punch_outside_geofence", "ts", "employee_id", sqlite_where=text(OUTSIDE_GEOFENCE),
              postgresql_where=text(OUTSIDE_GEOFENCE)),
    )


class PunchQuarantine(Base):
    """A raw record that was read but not stored as a punch: implausible time, impossible date or bad PIN.

    Kept with its reason for review (accepted → copied into punch, or dismissed); unique on
    (source serial, PIN, time as read) so re-reading the same device log adds nothing.
    """

    __tablename__ = "punch_quarantine"
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(10))  # device / usb / push / mobile
    source_serial: Mapped[str] = mapped_column(String(80))
    pin: Mapped[str] = mapped_column(String(24))
    ts_text: Mapped[str] = mapped_column(String(40))  # the time as read, "DD-MM-YYYY HH:MM:SS"
    ts: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)  # None when the date itself is impossible
    tz: Mapped[str] = mapped_column(String(40), default="Asia/Jakarta")
    state: Mapped[int] = mapped_column(Integer, default=255)
    verify: Mapped[int] = mapped_column(Integer, default=1)
    reason: Mapped[str] = mapped_column(String(20))  # invalid_date / before_epoch / future / far_future / invalid_pin
    detail: Mapped[str] = mapped_column(String(300), default="")  # Indonesian explanation
    batch_id: Mapped[Optional[int]] = mapped_column(ForeignKey("import_batch.id"))
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending / accepted / dismissed
    reviewed_by: Mapped[str] = mapped_column(String(60), default="")
    reviewed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    punch_id: Mapped[Optional[int]] = mapped_column(ForeignKey("punch.id"))  # the punch made on acceptance
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    __table_args__ = (
        UniqueConstraint("source_serial", "pin", "ts_text", name="uq_quarantine_natural"),
        Index("ix_quarantine_status", "status"),
    )


class SelfieCheck(Base):
    __tablename__ = "selfie_check"
    id: Mapped[int] = mapped_column(primary_key=True)
    punch_id: Mapped[int] = mapped_column(ForeignKey("punch.id"), unique=True)
    faces: Mapped[int] = mapped_column(Integer, default=0)
    blur: Mapped[float] = mapped_column(Float, default=0.0)  # variance of Laplacian
    brightness: Mapped[float] = mapped_column(Float, default=0.0)
    phash: Mapped[str] = mapped_column(String(16), default="", index=True)
    reused_of_punch_id: Mapped[Optional[int]] = mapped_column(ForeignKey("punch.id"))
    face_distance: Mapped[Optional[float]] = mapped_column(Float)  # to the nearest reference photo's face
    match_threshold: Mapped[Optional[float]] = mapped_column(Float)  # the policy threshold the check used
    best_reference_id: Mapped[Optional[int]] = mapped_column(ForeignKey("reference_photo.id"))
    flags: Mapped[str] = mapped_column(String(200), default="")
    evidence: Mapped[str] = mapped_column(Text, default="")  # JSON {flag: evidence in words}
    verdict: Mapped[str] = mapped_column(String(16), default="pending")  # pending/approved/rejected/manipulation
    verifier: Mapped[str] = mapped_column(String(60), default="")
    reason: Mapped[str] = mapped_column(String(500), default="")
    verified_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # optimistic lock (several PCs)
    __mapper_args__ = {"version_id_col": version}


# ----------------------------------------------------------------------- letters


class Letter(Base):
    __tablename__ = "letter"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # see services.letters kinds
    number: Mapped[str] = mapped_column(String(120))
    letter_date: Mapped[dt.date] = mapped_column(Date)
    date_from: Mapped[dt.date] = mapped_column(Date, index=True)
    date_to: Mapped[dt.date] = mapped_column(Date, index=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    attachment_path: Mapped[Optional[str]] = mapped_column(String(500))
    attachment_sha256: Mapped[Optional[str]] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    employees: Mapped[list[LetterEmployee]] = relationship(back_populates="letter", cascade="all, delete-orphan")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # optimistic lock (several PCs)
    __mapper_args__ = {"version_id_col": version}


class LetterEmployee(Base):
    __tablename__ = "letter_employee"
    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id"), primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), primary_key=True, index=True)
    letter: Mapped[Letter] = relationship(back_populates="employees")


# --------------------------------------------------------------------- reconcile


class DayRecord(Base):
    """Derived daily status of one employee; never the source of truth."""

    __tablename__ = "day_record"
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True, index=True)
    status: Mapped[str] = mapped_column(String(16))  # H, TK, CT, DL, S, I, LIBUR, ...
    working_day: Mapped[bool] = mapped_column(Boolean, default=True)
    sched_start: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    sched_end: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    check_in: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    check_out: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    late_minutes: Mapped[int] = mapped_column(Integer, default=0)
    early_minutes: Mapped[int] = mapped_column(Integer, default=0)
    tl_tier: Mapped[int] = mapped_column(Integer, default=0)  # 0 = on time, 1..4
    psw_tier: Mapped[int] = mapped_column(Integer, default=0)
    apel: Mapped[Optional[bool]] = mapped_column(Boolean)  # None = no apel that day
    letter_id: Mapped[Optional[int]] = mapped_column(ForeignKey("letter.id"))
    flags: Mapped[str] = mapped_column(String(200), default="")
    corrected: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (
        # the few days that may need a look (dashboard "perlu ditinjau"; 0009_perf_indexes): a partial index
        Index("ix_day_record_review", "date", "employee_id", sqlite_where=text(REVIEW_SQLITE),
              postgresql_where=text(REVIEW_POSTGRESQL)),
    )


class Correction(Base):
    __tablename__ = "correction"
    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    field: Mapped[str] = mapped_column(String(20))  # status / check_in / check_out
    value: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    username: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    # one active correction per employee, day and field, even when two PCs correct the same day at once
    __table_args__ = (Index("uq_correction_active", "employee_id", "date", "field", unique=True,
                            sqlite_where=text("active = 1"), postgresql_where=text("active")),)


class Period(Base):
    __tablename__ = "period"
    id: Mapped[int] = mapped_column(primary_key=True)
    opd_id: Mapped[int] = mapped_column(ForeignKey("opd.id"))
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open/locked/signed/submitted
    locked_by: Mapped[str] = mapped_column(String(60), default="")
    locked_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("opd_id", "year", "month"),)


# ------------------------------------------------------------ reports / central


class Report(Base):
    __tablename__ = "report"
    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id"))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    reason: Mapped[str] = mapped_column(String(500), default="")  # why a new revision
    pdf_path: Mapped[str] = mapped_column(String(500))
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    signed_pdf_path: Mapped[Optional[str]] = mapped_column(String(500))
    signed_sha256: Mapped[Optional[str]] = mapped_column(String(64))
    signer_subject: Mapped[str] = mapped_column(String(300), default="")
    signer_cert_pem: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="draft")  # draft/signed/queued/submitted
    # the audit chain head printed in this report's PDF (an anchor outside the database, see services.auth.audit)
    audit_head_id: Mapped[Optional[int]] = mapped_column(Integer)
    audit_head_hash: Mapped[Optional[str]] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    paper: Mapped[str] = mapped_column(String(4), default="A4")
    created_by: Mapped[str] = mapped_column(String(60), default="")
    signed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    signed_by: Mapped[str] = mapped_column(String(60), default="")
    summary_json: Mapped[str] = mapped_column(Text, default="")  # per-employee recap lines sent to the central DB
    signature_level: Mapped[str] = mapped_column(String(6), default="", server_default="")  # PAdES B-B / B-T / B-LT / B-LTA
    signing_backend: Mapped[str] = mapped_column(String(12), default="", server_default="")  # p12 / esign / elsewhere
    __table_args__ = (UniqueConstraint("period_id", "revision"),)


class SigningAttempt(Base):
    """One try at signing a report. "unknown" (a sign call sent to the esign server that got no answer)
    blocks further signing of that report until a signer resolves it (services.signing.service)."""

    __tablename__ = "signing_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), index=True)
    backend: Mapped[str] = mapped_column(String(12))
    username: Mapped[str] = mapped_column(String(60))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    finished_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    outcome: Mapped[str] = mapped_column(String(10), default="running")  # running/ok/failed/unknown/resolved
    message: Mapped[str] = mapped_column(Text, default="")
    resolved_by: Mapped[str] = mapped_column(String(60), default="")
    resolved_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    resolution: Mapped[str] = mapped_column(Text, default="")


class OutboxItem(Base):
    __tablename__ = "outbox_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"))
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    payload_json: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending/sent/failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    sent_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class NoticeNumber(Base):
    """Numbering register for disciplinary notices (surat panggilan, teguran, BAP)."""

    __tablename__ = "notice_number"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(120))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    pdf_path: Mapped[str] = mapped_column(String(500), default="")
    username: Mapped[str] = mapped_column(String(60), default="")
    detail: Mapped[str] = mapped_column(Text, default="")  # JSON: examination date/place/examiner, paper size
    # Naskah dinas tracking (services.reports.notice_track): draft -> numbered -> signed -> delivered.
    status: Mapped[str] = mapped_column(String(12), default="draft", server_default="draft")
    official_number: Mapped[str] = mapped_column(String(120), default="", server_default="")  # from Srikandi
    official_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    docx_path: Mapped[str] = mapped_column(String(500), default="", server_default="")
    docx_sha256: Mapped[str] = mapped_column(String(64), default="", server_default="")
    signed_pdf_path: Mapped[str] = mapped_column(String(500), default="", server_default="")
    signed_pdf_sha256: Mapped[str] = mapped_column(String(64), default="", server_default="")
    delivered_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    delivered_note: Mapped[str] = mapped_column(String(300), default="", server_default="")
    __table_args__ = (UniqueConstraint("kind", "year", "seq"),)


class NoticeEvent(Base):
    """Append-only history of a notice's status changes (who, when, what was attached)."""

    __tablename__ = "notice_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice_number.id"), index=True)
    from_status: Mapped[str] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    username: Mapped[str] = mapped_column(String(60))
    note: Mapped[str] = mapped_column(Text, default="")


class SubmissionBundle(Base):
    """What one revision sends to BKPSDM: signed recap PDF + Excel recap + SPTJM + surat pengantar.

    File paths are relative to the database folder; ``manifest_json`` is the exact text whose
    sha256 is ``bundle_sha256`` (the idempotency key at the central database).
    """

    __tablename__ = "submission_bundle"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), unique=True)
    recap_pdf_sha256: Mapped[str] = mapped_column(String(64))
    xlsx_path: Mapped[str] = mapped_column(String(500))
    xlsx_sha256: Mapped[str] = mapped_column(String(64))
    sptjm_path: Mapped[str] = mapped_column(String(500))
    sptjm_sha256: Mapped[str] = mapped_column(String(64))
    pengantar_path: Mapped[str] = mapped_column(String(500))
    pengantar_sha256: Mapped[str] = mapped_column(String(64))
    manifest_json: Mapped[str] = mapped_column(Text)
    bundle_sha256: Mapped[str] = mapped_column(String(64))
    audit_head_id: Mapped[int] = mapped_column(Integer)
    audit_head_hash: Mapped[str] = mapped_column(String(64))
    total_bytes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    created_by: Mapped[str] = mapped_column(String(60), default="")


class CentralReview(Base):
    """Local copy of BKPSDM's decisions on this OPD's submissions (read offline by Laporan and Dasbor)."""

    __tablename__ = "central_review"
    id: Mapped[int] = mapped_column(primary_key=True)
    central_id: Mapped[int] = mapped_column(Integer, unique=True)  # review.id at the central database
    report_id: Mapped[Optional[int]] = mapped_column(ForeignKey("report.id"))
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(10))  # accepted / returned
    reason: Mapped[str] = mapped_column(Text, default="")
    reviewed_by: Mapped[str] = mapped_column(String(63), default="")
    reviewed_at: Mapped[dt.datetime] = mapped_column(DateTime)  # office-local
    fetched_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    __table_args__ = (Index("ix_central_review_period", "year", "month", "revision"),)


# -------------------------------------------------------------- users / audit


class User(Base):
    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    roles: Mapped[str] = mapped_column(String(100))  # comma-separated: operator,verifier,signer,admin
    employee_id: Mapped[Optional[int]] = mapped_column(ForeignKey("employee.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # login throttling (services.auth.users.authenticate): failures since the last success or lock,
    # how many locks in a row (each lasts twice the previous), and until when (office-local time)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    lock_level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)


class AuditKeyWrap(Base):
    """The installation's audit-chain key, wrapped (AES-GCM) under one user's password (argon2id).

    Used only when the system has no keyring: a login unwraps the key for that process
    (services.auth.audit_key). Without the password a wrap is useless.
    """

    __tablename__ = "audit_key_wrap"
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    salt: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(32))
    wrapped: Mapped[str] = mapped_column(Text)


class AuditPending(Base):
    """A login failure seen while this process could not open the audit key (no keyring, nobody logged in).

    Moved into the keyed chain by the next successful login (services.auth.audit.flush_pending), so
    the failure count and lock still apply and the attempt is still audited.
    """

    __tablename__ = "audit_pending"
    id: Mapped[int] = mapped_column(primary_key=True)
    ts: Mapped[dt.datetime] = mapped_column(DateTime)
    username: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str] = mapped_column(String(60), default="")
    detail: Mapped[str] = mapped_column(Text, default="")


class AuditEvent(Base):
    """Append-only (triggers refuse UPDATE/DELETE), chained: hash = HMAC(installation key, prev_hash + event).

    Rows written before the key existed (older databases) use plain sha256; the key record says where
    the keyed part begins (services.auth.audit_key).
    """

    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    ts: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    username: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str] = mapped_column(String(60), default="")
    detail: Mapped[str] = mapped_column(Text, default="")  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class Setting(Base):
    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


from services.store.audit_guard import attach as _attach_audit_guard  # noqa: E402 - needs the table above

_attach_audit_guard(AuditEvent.__table__)  # type: ignore[arg-type]  # a declarative class's __table__ is a Table
