"""ZK (ZKTeco "zk6/zk8") binary protocol pieces shared by our client and the emulator.

Only what pyzk 0.9 speaks is covered (see shared/design/ZK_PROTOCOL.md). Record
parsers here are linear (one struct.iter_unpack pass) — stock pyzk re-slices the
remaining buffer per record, which is quadratic in the record count.
"""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass

# commands
CMD_CONNECT = 1000
CMD_EXIT = 1001
CMD_ENABLEDEVICE = 1002
CMD_DISABLEDEVICE = 1003
CMD_RESTART = 1004
CMD_REFRESHDATA = 1013
CMD_GET_VERSION = 1100
CMD_AUTH = 1102
CMD_PREPARE_DATA = 1500
CMD_DATA = 1501
CMD_FREE_DATA = 1502
CMD_PREPARE_BUFFER = 1503
CMD_READ_BUFFER = 1504
CMD_OPTIONS_RRQ = 11
CMD_USERTEMP_RRQ = 9
CMD_ATTLOG_RRQ = 13
CMD_CLEAR_ATTLOG = 15
CMD_GET_FREE_SIZES = 50
CMD_GET_TIME = 201
CMD_SET_TIME = 202
FCT_USER = 5

# replies
CMD_ACK_OK = 2000
CMD_ACK_ERROR = 2001
CMD_ACK_DATA = 2002
CMD_ACK_UNAUTH = 2005
CMD_ACK_UNKNOWN = 0xFFFF

TCP_MAGIC_1 = 0x5050
TCP_MAGIC_2 = 0x7D82
USHRT_MAX = 65535

TCP_CHUNK = 0xFFC0
UDP_CHUNK = 16 * 1024
UDP_DATAGRAM_PAYLOAD = 1024

USER_SIZES = (28, 72)
RECORD_SIZES = (8, 16, 40)

USER28 = struct.Struct("<HB5s8sIxBhI")
USER72 = struct.Struct("<HB8s24sIx7sx24s")
REC8 = struct.Struct("<HB4sB")
REC16 = struct.Struct("<I4sBB2sI")
REC40 = struct.Struct("<H24sB4sB8s")
HEADER = struct.Struct("<4H")
TCP_TOP = struct.Struct("<HHI")


def checksum(data: bytes) -> int:
    """16-bit little-endian word sum with end-around carry, ones' complement."""
    if len(data) % 2:
        data = data + b"\x00"
    total = sum(w for (w,) in struct.iter_unpack("<H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


def make_packet(command: int, session_id: int, reply_id: int, payload: bytes = b"") -> bytes:
    """Header + payload (the UDP datagram; TCP wraps it with tcp_wrap)."""
    raw = HEADER.pack(command, 0, session_id, reply_id) + payload
    return HEADER.pack(command, checksum(raw), session_id, reply_id) + payload


def tcp_wrap(packet: bytes) -> bytes:
    return TCP_TOP.pack(TCP_MAGIC_1, TCP_MAGIC_2, len(packet)) + packet


def make_commkey(key: int, session_id: int, ticks: int = 50) -> bytes:
    """Scrambled comm key for CMD_AUTH (commpro.c MakeKey; golden vector key 45, session 0x45CF -> 61c9323c)."""
    k = 0
    for i in range(32):
        k = (k << 1 | 1) if key & (1 << i) else k << 1
    k = (k + session_id) & 0xFFFFFFFF
    b = bytearray(struct.pack("<I", k))
    b = bytearray((b[0] ^ ord("Z"), b[1] ^ ord("K"), b[2] ^ ord("S"), b[3] ^ ord("O")))
    lo, hi = struct.unpack("<HH", bytes(b))
    b = bytearray(struct.pack("<HH", hi, lo))
    t = ticks & 0xFF
    return bytes((b[0] ^ t, b[1] ^ t, t, b[3] ^ t))


# ------------------------------------------------------------------------ time


def encode_time(t: dt.datetime) -> int:
    return ((t.year % 100) * 12 * 31 + (t.month - 1) * 31 + t.day - 1) * 86400 + (t.hour * 60 + t.minute) * 60 + t.second


def encode_fields(year: int, month: int, day: int, hour: int, minute: int, second: int) -> int:
    """Like encode_time but accepts impossible dates (30 Feb) — the emulator's fault injection needs them."""
    return ((year % 100) * 12 * 31 + (month - 1) * 31 + day - 1) * 86400 + (hour * 60 + minute) * 60 + second


def decode_fields(v: int) -> tuple[int, int, int, int, int, int]:
    second = v % 60
    v //= 60
    minute = v % 60
    v //= 60
    hour = v % 24
    v //= 24
    day = v % 31 + 1
    v //= 31
    month = v % 12 + 1
    year = v // 12 + 2000
    return year, month, day, hour, minute, second


def decode_time(v: int) -> dt.datetime:
    """Raises ValueError for impossible dates (e.g. 30 Feb), like the device's own DecodeTime would produce."""
    return dt.datetime(*decode_fields(v))


# ----------------------------------------------------------------- data blobs


@dataclass(frozen=True)
class DeviceUser:
    uid: int  # device slot
    user_id: str  # PIN, what employees are mapped by
    name: str = ""
    privilege: int = 0
    password: str = ""
    group_id: str = ""
    card: int = 0


@dataclass(frozen=True)
class RawRecord:
    """One attendance record as stored by the device; ts_raw is the packed time (may be an invalid date)."""

    uid: int
    user_id: str
    ts_raw: int
    verify: int  # pyzk calls this `status`: 1 finger, 15 face, ...
    state: int  # pyzk calls this `punch`: 0 in, 1 out, 255 none


def pack_users(users: list[DeviceUser], size: int) -> bytes:
    """Blob as answered to USERTEMP_RRQ: uint32 total + fixed-size records."""
    if size == 28:
        body = b"".join(
            USER28.pack(u.uid, u.privilege, u.password.encode()[:5], u.name.encode()[:8], u.card,
                        int(u.group_id or 0), 0, int(u.user_id))
            for u in users
        )
    else:
        body = b"".join(
            USER72.pack(u.uid, u.privilege, u.password.encode()[:8], u.name.encode()[:24], u.card,
                        u.group_id.encode()[:7], u.user_id.encode()[:24])
            for u in users
        )
    return struct.pack("<I", len(body)) + body


def _cstr(b: bytes) -> str:
    return b.split(b"\x00", 1)[0].decode("utf-8", errors="ignore")


def parse_users(blob: bytes, count: int) -> list[DeviceUser]:
    if len(blob) <= 4 or count <= 0:
        return []
    (total,) = struct.unpack_from("<I", blob)
    body = blob[4 : 4 + total]
    size = total // count if total % count == 0 else 0
    if size not in USER_SIZES:
        raise ValueError(f"ukuran data pengguna tidak dikenal ({total} bita untuk {count} pengguna)")
    out: list[DeviceUser] = []
    if size == 28:
        for uid, priv, pw, name, card, group, _tz, user_id in USER28.iter_unpack(body):
            out.append(DeviceUser(uid, str(user_id), _cstr(name).strip(), priv, _cstr(pw), str(group), card))
    else:
        for uid, priv, pw, name, card, group, user_id in USER72.iter_unpack(body):
            out.append(DeviceUser(uid, _cstr(user_id), _cstr(name).strip(), priv, _cstr(pw), _cstr(group).strip(), card))
    return out


def pack_records(records: list[RawRecord], size: int) -> bytes:
    """Blob as answered to ATTLOG_RRQ in the 8-, 16- or 40-byte layout."""
    if size == 8:
        body = b"".join(REC8.pack(r.uid, r.verify, struct.pack("<I", r.ts_raw), r.state) for r in records)
    elif size == 16:
        body = b"".join(REC16.pack(int(r.user_id), struct.pack("<I", r.ts_raw), r.verify, r.state, b"\x00\x00", 0)
                        for r in records)
    else:
        body = b"".join(REC40.pack(r.uid, r.user_id.encode()[:24], r.verify, struct.pack("<I", r.ts_raw), r.state,
                                   b"\x00" * 8) for r in records)
    return struct.pack("<I", len(body)) + body


def record_size_of(blob: bytes, count: int) -> int:
    """Layout chosen by total/records, as the device firmware dictates; 0 when inconsistent."""
    if len(blob) < 4 or count <= 0:
        return 0
    (total,) = struct.unpack_from("<I", blob)
    if total % count or total // count not in RECORD_SIZES or len(blob) - 4 < total:
        return 0
    return total // count


def parse_records(blob: bytes, size: int, uid_to_pin: dict[int, str]) -> list[RawRecord]:
    """Linear parse; times stay raw so one bad date cannot abort the read."""
    (total,) = struct.unpack_from("<I", blob)
    body = memoryview(blob)[4 : 4 + total]
    if size == 8:
        return [RawRecord(uid, uid_to_pin.get(uid, str(uid)), int.from_bytes(ts, "little"), verify, state)
                for uid, verify, ts, state in REC8.iter_unpack(body)]
    if size == 16:
        return [RawRecord(0, str(pin), int.from_bytes(ts, "little"), verify, state)
                for pin, ts, verify, state, _r, _w in REC16.iter_unpack(body)]
    return [RawRecord(uid, _cstr(pin), int.from_bytes(ts, "little"), verify, state)
            for uid, pin, verify, ts, state, _s in REC40.iter_unpack(body)]


class _TimeText:
    """Packed device time -> stored timestamp text, cached per day and per second-of-day.

    A 100k-record log spans a few hundred days at most, so this replaces 100k datetime
    constructions with dictionary hits. Impossible dates map to None.
    """

    def __init__(self) -> None:
        self.days: dict[int, str | None] = {}
        self.clock = [f"{h:02d}:{m:02d}:{s:02d}.000000" for h in range(24) for m in range(60) for s in range(60)]

    def day(self, day_index: int) -> str | None:
        d = day_index % 31 + 1
        rest = day_index // 31
        month = rest % 12 + 1
        year = rest // 12 + 2000
        try:
            dt.date(year, month, d)
        except ValueError:
            text = None
        else:
            text = f"{year:04d}-{month:02d}-{d:02d} "
        self.days[day_index] = text
        return text


def records_to_key_rows(blob: bytes, size: int, uid_to_pin: dict[int, str]
                        ) -> tuple[list[tuple[str, str, int, int]], list[tuple[int, str, int]]]:
    """Linear fast path for sync: ([(pin, ts_text, state, verify)], [(index, pin, ts_raw) with invalid dates])."""
    (total,) = struct.unpack_from("<I", blob)
    body = memoryview(blob)[4 : 4 + total]
    tt = _TimeText()
    days, clock = tt.days, tt.clock
    pins: dict[object, str] = {}
    rows: list[tuple[str, str, int, int]] = []
    bad: list[tuple[int, str, int]] = []
    if size == 8:
        it = ((uid, ts, verify, state) for uid, verify, ts, state in REC8.iter_unpack(body))
    elif size == 16:
        it = ((pin, ts, verify, state) for pin, ts, verify, state, _r, _w in REC16.iter_unpack(body))
    else:
        it = ((pin, ts, verify, state) for _uid, pin, verify, ts, state, _s in REC40.iter_unpack(body))
    for i, (key, ts, verify, state) in enumerate(it, start=1):
        pin = pins.get(key)
        if pin is None:
            if size == 8:
                pin = uid_to_pin.get(key, str(key))  # type: ignore[call-overload]
            elif size == 16:
                pin = str(key)
            else:
                pin = _cstr(key)  # type: ignore[arg-type]
            pins[key] = pin
        raw = int.from_bytes(ts, "little")
        day_index, second = divmod(raw, 86400)
        day = days[day_index] if day_index in days else tt.day(day_index)
        if day is None:
            bad.append((i, pin, raw))
            continue
        rows.append((pin, day + clock[second], state, verify))
    return rows, bad
