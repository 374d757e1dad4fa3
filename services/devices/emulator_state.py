"""What an emulated ZK device holds (users, templates, attendance log, clock) and its fault knobs.

The transport (TCP/UDP server, sessions) is in emulator.py; this module is plain data.
"""

from __future__ import annotations

import datetime as dt
import random
import struct
import threading
from dataclasses import dataclass, field

from services.clock import Clock, SystemClock
from services.devices import protocol as p
from services.devices.protocol import DeviceUser, RawRecord, Template


@dataclass
class Faults:
    """Field failures the emulator can reproduce. All default to a well-behaved device."""

    drop_after_bytes: int | None = None  # close the link after this many bytes of one connection
    drop_count: int = 1  # how many connections get dropped (then the device behaves again)
    add_during_read: int = 0  # punches that "arrive" between the sizes read and the data read
    add_during_read_once: bool = True
    honour_disable: bool = True  # a disabled device queues new punches until it is enabled again
    hold_attlog: threading.Event | None = None  # a slow device: the log is served only once this is set
    holding: threading.Event = field(default_factory=threading.Event)  # set while a log read is held
    held_reads: int = 0  # how many log reads are being held right now (several clients at once)
    # framing: a real device writes each reply frame separately; True writes a whole reply in one write
    coalesce_replies: bool = False
    # corruption: flip one byte in the payload of N data frames, every k-th one (TCP and UDP)
    flip_data_frames: int = 0
    flip_every: int = 1
    flip_offset: int = 5
    # UDP only: every k-th datagram is sent twice / swapped with the one after it (0 = never)
    duplicate_every: int = 0
    swap_every: int = 0
    # a log whose record count disagrees with its content (firmware bug), on every read
    miscount_records: int = 0


@dataclass
class DeviceState:
    serial: str = "EMU0000000001"
    firmware: str = "Ver 6.60 Apr 28 2020"
    platform: str = "ZMM220_TFT"
    device_name: str = "Emulator ZK"
    user_size: int = 72  # 28 or 72
    record_size: int = 40  # 8, 16 or 40
    comm_key: int = 0
    utc_offset_hours: int = 7  # the device shows local wall-clock time (WIB by default)
    clock_offset: dt.timedelta = dt.timedelta(0)  # drift of the device clock against true local time
    large_data_mode: str = "auto"  # auto / inline / buffer
    # a device on a real LAN (both 0 = as fast as loopback): its CPU pauses before each reply frame, and its link
    # carries frames in 1460-byte segments at this rate; clients that read frame by frame rely on that pacing
    frame_gap_s: float = 0.0
    link_bytes_per_s: float = 0.0
    users: list[DeviceUser] = field(default_factory=list)
    records: list[RawRecord] = field(default_factory=list)
    pending: list[RawRecord] = field(default_factory=list)
    templates: list[Template] = field(default_factory=list)
    enabled: bool = True
    faults: Faults = field(default_factory=Faults)
    lock: threading.RLock = field(default_factory=threading.RLock)
    clear_count: int = 0
    clock: Clock = field(default_factory=SystemClock)  # "true" time; the device shows it + clock_offset
    _packed: tuple[tuple[int, int, int], bytes] | None = None  # ((version, len, record size), blob)
    version: int = 0  # bumped by every change of the log

    # -- data --------------------------------------------------------------
    def uid_of(self, pin: str) -> int:
        for u in self.users:
            if u.user_id == pin:
                return u.uid
        return int(pin) if pin.isdigit() else 0

    def add_user(self, pin: str, name: str, privilege: int = 0) -> DeviceUser:
        with self.lock:
            uid = max((u.uid for u in self.users), default=0) + 1
            user = DeviceUser(uid=uid, user_id=str(pin), name=name, privilege=privilege)
            self.users.append(user)
            return user

    def put_user(self, user: DeviceUser) -> None:
        """CMD_USER_WRQ: create or replace the user in slot user.uid (the PIN moves with the slot)."""
        with self.lock:
            self.users = [u for u in self.users if u.uid != user.uid and u.user_id != user.user_id]
            self.users.append(user)
            self.users.sort(key=lambda u: u.uid)

    def delete_user(self, uid: int) -> bool:
        with self.lock:
            before = len(self.users)
            self.users = [u for u in self.users if u.uid != uid]
            self.templates = [t for t in self.templates if t.uid != uid]
            return len(self.users) != before

    def put_templates(self, templates: list[Template]) -> None:
        with self.lock:
            keys = {(t.uid, t.fid) for t in templates}
            self.templates = [t for t in self.templates if (t.uid, t.fid) not in keys] + list(templates)

    def add_punch(self, pin: str, ts: dt.datetime, state: int = 0, verify: int = 1) -> None:
        self.add_raw(RawRecord(self.uid_of(pin), str(pin), p.encode_time(ts), verify, state))

    def add_raw(self, rec: RawRecord) -> None:
        with self.lock:
            if not self.enabled and self.faults.honour_disable:
                self.pending.append(rec)  # the sensor is locked; the punch is retried after enable
            else:
                self.records.append(rec)
                self.version += 1

    def add_invalid_date_record(self, pin: str, year: int = 2026, month: int = 2, day: int = 30) -> None:
        """A record whose stored date is impossible (seen on devices after a bad clock battery)."""
        self.add_raw(RawRecord(self.uid_of(pin), str(pin), p.encode_fields(year, month, day, 8, 0, 0), 1, 0))

    def set_enabled(self, on: bool) -> None:
        with self.lock:
            self.enabled = on
            if on and self.pending:
                self.records.extend(self.pending)
                self.pending.clear()
                self.version += 1

    def clear_log(self) -> None:
        with self.lock:
            self.records.clear()
            self.clear_count += 1
            self.version += 1

    def true_local_now(self) -> dt.datetime:
        return (self.clock.utcnow() + dt.timedelta(hours=self.utc_offset_hours)).replace(tzinfo=None, microsecond=0)

    def now(self) -> dt.datetime:
        return self.true_local_now() + self.clock_offset

    def generate(self, n_users: int, n_records: int, seed: int = 1, start: dt.datetime | None = None) -> None:
        """Random but deterministic data: PINs "1".."n", strictly increasing punch times."""
        rnd = random.Random(seed)
        with self.lock:
            base = len(self.users)
            for i in range(n_users):
                self.users.append(DeviceUser(uid=base + i + 1, user_id=str(base + i + 1), name=f"Pegawai {base + i + 1}"))
            ts = start or dt.datetime(2026, 1, 5, 7, 0, 0)
            enc = p.encode_time(ts)
            step = max(1, int(20 * 86400 / max(n_records, 1)))
            for _ in range(n_records):
                u = self.users[rnd.randrange(len(self.users))]
                enc += rnd.randint(1, step)
                self.records.append(RawRecord(u.uid, u.user_id, enc, 1, rnd.choice((0, 1, 255))))
            self.version += 1

    def log_blob(self) -> bytes:
        """The attendance log in the device's record layout (packed once per change, like flash holds it)."""
        with self.lock:
            key = (self.version, len(self.records), self.record_size)
            if self._packed is None or self._packed[0] != key:
                self._packed = (key, p.pack_records(self.records, self.record_size))
            return self._packed[1]

    def sizes_payload(self) -> bytes:
        fields = [0] * 20
        fields[4] = len(self.users)
        fields[6] = len(self.templates)
        fields[8] = len(self.records) + self.faults.miscount_records
        fields[14], fields[15], fields[16] = 3000, 10000, 200000
        fields[17], fields[18], fields[19] = 3000 - len(self.templates), 10000 - len(self.users), 200000 - len(self.records)
        return struct.pack("<20i", *fields) + struct.pack("<3i", 0, 0, 0)
