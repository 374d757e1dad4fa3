"""Administering push devices: accept or reject serials, queue commands, receiver settings, screen rows.

Accepting a serial lets the receiver store what that device sends; it needs the admin
role and is audited, like rejecting one and changing where the receiver listens (it
opens a network port). Queuing a command needs the role the command asks for
(``push_protocol.check_command``): reading (INFO, CHECK, DATA QUERY) and user
updates are operator work, REBOOT/CLEAR LOG/CLEAR DATA are admin work.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.auth import audit
from services.auth.users import ROLES, CurrentUser
from services.changes import Changes
from services.devices.punches import TIMEZONES
from services.devices.push_protocol import check_command, check_serial
from services.devices.push_store import write_transaction
from services.errors import BadInputError, ConflictError, NotFoundError, PermissionDeniedError
from services.store.db import Database
from services.store.models import Device, PushCommand, PushDevice, PushDeviceUser, Setting

KEY_BIND, KEY_PORT, KEY_AUTOSTART = "push.bind", "push.port", "push.autostart"
DEFAULT_PORT = 8081
DEFAULT_BIND = "127.0.0.1"  # safe until an admin picks the LAN address the devices can reach


def require(user: CurrentUser, role: str, action: str) -> None:
    if not user.has(role):
        raise PermissionDeniedError(f"{action} memerlukan peran '{ROLES.get(role, role)}'; "
                                    f"pengguna '{user.username}' tidak memilikinya.")


# ------------------------------------------------------------------ network


def check_bind(address: str) -> str:
    """A listen address on this PC's LAN side: loopback, private, link-local, or 0.0.0.0 (all interfaces)."""
    address = address.strip()
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        raise BadInputError(f"Alamat penerima '{address}' tidak valid (contoh: 192.168.1.10).") from None
    if ip.is_unspecified or ip.is_loopback or ip.is_private or ip.is_link_local:
        return address
    raise BadInputError(f"Alamat penerima {address} adalah alamat publik. Penerima push hanya boleh mendengarkan "
                        "di jaringan kantor (LAN): pilih alamat 192.168.x.x, 10.x.x.x atau 172.16–31.x.x komputer ini.")


def remote_allowed(address: str) -> bool:
    """Requests are served only from the LAN side (defence in depth when bound to 0.0.0.0)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(ip.is_loopback or ip.is_private or ip.is_link_local)


def lan_addresses() -> list[str]:
    """IPv4 addresses of this PC a receiver can listen on (loopback first), from the host's own name lookup."""
    found = {"127.0.0.1"}
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            addr = str(info[4][0])
            if remote_allowed(addr):
                found.add(addr)
    except OSError:
        pass
    return sorted(found, key=lambda a: (not a.startswith("127."), a))


# ----------------------------------------------------------------- settings


@dataclass(frozen=True)
class PushSettings:
    bind: str = DEFAULT_BIND
    port: int = DEFAULT_PORT
    autostart: bool = False

    @property
    def url(self) -> str:
        return f"http://{self.bind}:{self.port}/iclock/"


def get_settings(session: Session) -> PushSettings:
    rows = {k: v for k, v in session.execute(
        select(Setting.key, Setting.value).where(Setting.key.in_((KEY_BIND, KEY_PORT, KEY_AUTOSTART)))).all()}
    port = rows.get(KEY_PORT, "")
    return PushSettings(rows.get(KEY_BIND) or DEFAULT_BIND, int(port) if port.isdigit() else DEFAULT_PORT,
                        rows.get(KEY_AUTOSTART) == "1")


def save_settings(db: Database, settings: PushSettings, user: CurrentUser) -> Changes:
    require(user, "admin", "Mengubah penerima push")
    check_bind(settings.bind)
    if not 1 <= settings.port <= 65535:
        raise BadInputError(f"Port penerima {settings.port} tidak valid (1–65535, lazim 8081).")
    with write_transaction(db) as s:
        old = get_settings(s)
        if old == settings:
            return Changes()
        for key, value in ((KEY_BIND, settings.bind), (KEY_PORT, str(settings.port)),
                           (KEY_AUTOSTART, "1" if settings.autostart else "0")):
            row = s.get(Setting, key)
            if row is None:
                s.add(Setting(key=key, value=value))
            else:
                row.value = value
        audit.record(s, user.username, "push.settings", "setting", KEY_BIND,
                     {"before": old.__dict__, "after": settings.__dict__})
    return Changes(settings=True)


# ---------------------------------------------------------------- decisions


def _device(s: Session, serial: str) -> PushDevice:
    pd = s.execute(select(PushDevice).where(PushDevice.serial == serial)).scalar_one_or_none()
    if pd is None:
        raise NotFoundError(f"Mesin push dengan nomor seri {serial} belum pernah menghubungi penerima.")
    return pd


def accept_serial(db: Database, serial: str, user: CurrentUser, *, name: str = "", timezone: str | None = None,
                  device_id: int | None = None) -> Changes:
    """Let the receiver store what this serial sends (its next upload is answered OK after the commit)."""
    require(user, "admin", "Menerima mesin push")
    serial = check_serial(serial)
    if timezone is not None and timezone not in TIMEZONES:
        raise BadInputError(f"Zona waktu '{timezone}' tidak dikenal (Asia/Jakarta, Asia/Makassar, Asia/Jayapura).")
    with write_transaction(db) as s:
        pd = _device(s, serial)
        if device_id is not None:
            dev = s.get(Device, device_id)
            if dev is None:
                raise NotFoundError(f"Perangkat {device_id} tidak ditemukan.")
            if dev.serial and dev.serial != serial:
                raise ConflictError(f"Perangkat '{dev.name}' bernomor seri {dev.serial}, bukan {serial}.")
            timezone = timezone or dev.timezone
            pd.device_id = dev.id
        before = pd.status
        pd.status, pd.name = "accepted", (name.strip() or pd.name or serial)[:100]
        pd.timezone = timezone or pd.timezone
        pd.decided_by, pd.decided_at = user.username, db.clock.now()
        pd.last_status = "diterima; menunggu kiriman berikutnya dari mesin"
        audit.record(s, user.username, "push.accept", "push_device", pd.id,
                     {"serial": serial, "before": before, "name": pd.name, "timezone": pd.timezone,
                      "device_id": pd.device_id, "refused_posts": pd.refused_posts})
    return Changes(devices=True)


def reject_serial(db: Database, serial: str, user: CurrentUser, reason: str = "") -> Changes:
    """Refuse this serial from now on (its uploads get 403 and stay on the device); stored punches are kept."""
    require(user, "admin", "Menolak mesin push")
    with write_transaction(db) as s:
        pd = _device(s, check_serial(serial))
        before = pd.status
        pd.status, pd.decided_by, pd.decided_at = "rejected", user.username, db.clock.now()
        pd.last_status = ("ditolak" + (f": {reason.strip()}" if reason.strip() else ""))[:300]
        audit.record(s, user.username, "push.reject", "push_device", pd.id,
                     {"serial": serial, "before": before, "reason": reason.strip()})
    return Changes(devices=True)


@dataclass(frozen=True)
class QueuedCommand:
    command_id: int
    changes: Changes


def queue_command(db: Database, serial: str, command: str, user: CurrentUser) -> QueuedCommand:
    """Queue a command for the device's next getrequest poll."""
    role = check_command(command)
    require(user, role, f"Perintah mesin '{command.split(' ')[0]}'")
    with write_transaction(db) as s:
        pd = _device(s, check_serial(serial))
        if pd.status != "accepted":
            raise ConflictError(f"Mesin {serial} belum diterima; perintah hanya untuk mesin yang sudah diterima.")
        cmd = PushCommand(push_device_id=pd.id, command=command, created_by=user.username, created_at=db.clock.now())
        s.add(cmd)
        s.flush()
        audit.record(s, user.username, "push.command", "push_device", pd.id, {"command": command, "id": cmd.id})
        return QueuedCommand(cmd.id, Changes(devices=True))


# --------------------------------------------------------------------- rows


@dataclass(frozen=True)
class PushDeviceRow:
    serial: str
    status: str
    name: str
    timezone: str
    remote_addr: str
    first_seen_at: dt.datetime
    last_seen_at: dt.datetime | None
    last_upload_at: dt.datetime | None
    records_stored: int
    refused_posts: int
    drift_seconds: float | None
    last_status: str
    info: str
    users: int
    queued_commands: int

    @property
    def status_text(self) -> str:
        return {"pending": "menunggu persetujuan", "accepted": "diterima", "rejected": "ditolak"}.get(self.status,
                                                                                                       self.status)


def push_device_rows(session: Session) -> list[PushDeviceRow]:
    """Pending serials first (they need a decision), then by name."""
    users = dict(session.execute(select(PushDeviceUser.push_device_id, func.count())
                                 .group_by(PushDeviceUser.push_device_id)).all())
    queued = dict(session.execute(select(PushCommand.push_device_id, func.count())
                                  .where(PushCommand.status.in_(("queued", "sent")))
                                  .group_by(PushCommand.push_device_id)).all())
    order = {"pending": 0, "accepted": 1, "rejected": 2}
    rows = [PushDeviceRow(d.serial, d.status, d.name, d.timezone, d.remote_addr, d.first_seen_at, d.last_seen_at,
                          d.last_upload_at, d.records_stored, d.refused_posts, d.drift_seconds, d.last_status, d.info,
                          users.get(d.id, 0), queued.get(d.id, 0))
            for d in session.execute(select(PushDevice)).scalars()]
    return sorted(rows, key=lambda r: (order.get(r.status, 3), r.name or r.serial))


@dataclass(frozen=True)
class CommandRow:
    id: int
    command: str
    status: str
    attempts: int
    created_by: str
    created_at: dt.datetime
    return_code: int | None
    result: str


def command_rows(session: Session, serial: str, limit: int = 50) -> list[CommandRow]:
    q = (select(PushCommand).join(PushDevice, PushDevice.id == PushCommand.push_device_id)
         .where(PushDevice.serial == serial).order_by(PushCommand.id.desc()).limit(limit))
    return [CommandRow(c.id, c.command, c.status, c.attempts, c.created_by, c.created_at, c.return_code, c.result)
            for c in session.execute(q).scalars()]


@dataclass(frozen=True)
class DeviceUserRow:
    pin: str
    name: str
    privilege: int
    card: str
    has_password: bool
    fingerprints: str


def device_user_rows(session: Session, serial: str) -> list[DeviceUserRow]:
    q = (select(PushDeviceUser).join(PushDevice, PushDevice.id == PushDeviceUser.push_device_id)
         .where(PushDevice.serial == serial).order_by(PushDeviceUser.pin))
    return [DeviceUserRow(u.pin, u.name, u.privilege, u.card, u.has_password, u.fingerprints)
            for u in session.execute(q).scalars()]
