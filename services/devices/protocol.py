"""ZK (ZKTeco "zk6/zk8") binary protocol pieces shared by our client and the emulator.

Only what pyzk 0.9 speaks is covered (see shared/design/ZK_PROTOCOL.md). Record
parsers here are linear (one struct.iter_unpack pass) — stock pyzk re-slices the
remaining buffer per record, which is quadratic in the record count.
"""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass

import numpy as np

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
CMD_DB_RRQ = 7
CMD_USER_WRQ = 8
CMD_USERTEMP_RRQ = 9
CMD_DELETE_USER = 18
CMD_SAVE_USERTEMPS = 110  # pyzk's save_user_template: user + templates from the upload buffer
CMD_ATTLOG_RRQ = 13
CMD_CLEAR_ATTLOG = 15
CMD_GET_FREE_SIZES = 50
CMD_GET_TIME = 201
CMD_SET_TIME = 202
FCT_USER = 5
FCT_FINGERTMP = 2

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
    """16-bit little-endian word sum with end-around carry, ones' complement.

    The sum runs in numpy: a 64 KiB data frame costs microseconds, so every reply can be checked.
    """
    if len(data) % 2:
        data = bytes(data) + b"\x00"
    total = int(np.frombuffer(data, dtype="<u2").sum(dtype=np.uint64))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


def packet_intact(packet: bytes) -> bool:
    """True when the header's checksum matches header + payload (a flipped bit anywhere fails)."""
    if len(packet) < HEADER.size:
        return False
    (stored,) = struct.unpack_from("<H", packet, 2)
    return checksum(packet[:2] + b"\x00\x00" + packet[4:]) == stored


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


def fit_text(text: str, nbytes: int) -> bytes:
    """UTF-8 bytes of text cut to nbytes without splitting a character (device name/PIN fields)."""
    raw = text.encode("utf-8")
    if len(raw) <= nbytes:
        return raw
    return raw[:nbytes].decode("utf-8", errors="ignore").encode("utf-8")


def pack_user(u: DeviceUser, size: int) -> bytes:
    """One user record: the USERTEMP_RRQ layout, also the CMD_USER_WRQ payload (pyzk set_user)."""
    if size == 28:
        return USER28.pack(u.uid, u.privilege, fit_text(u.password, 5), fit_text(u.name, 8), u.card,
                           int(u.group_id or 0), 0, int(u.user_id))
    return USER72.pack(u.uid, u.privilege, fit_text(u.password, 8), fit_text(u.name, 24), u.card,
                       fit_text(u.group_id, 7), fit_text(u.user_id, 24))


def pack_users(users: list[DeviceUser], size: int) -> bytes:
    """Blob as answered to USERTEMP_RRQ: uint32 total + fixed-size records."""
    body = b"".join(pack_user(u, size) for u in users)
    return struct.pack("<I", len(body)) + body


def user_size_of(blob: bytes, count: int) -> int:
    """28 or 72 (chosen by total/users, as pyzk does); 0 when the blob fits neither."""
    if len(blob) < 4 or count <= 0:
        return 0
    (total,) = struct.unpack_from("<I", blob)
    size = total // count if total % count == 0 else 0
    return size if size in USER_SIZES else 0


def unpack_user(record: bytes) -> DeviceUser:
    """A 28- or 72-byte user record (a USER_WRQ payload or one slot of the user blob)."""
    if len(record) == 28:
        uid, priv, pw, name, card, group, _tz, user_id = USER28.unpack(record)
        return DeviceUser(uid, str(user_id), cstr(name).strip(), priv, cstr(pw), str(group), card)
    uid, priv, pw, name, card, group, user_id = USER72.unpack(record)
    return DeviceUser(uid, cstr(user_id), cstr(name).strip(), priv, cstr(pw), cstr(group).strip(), card)


@dataclass(frozen=True)
class Template:
    """One fingerprint template: device slot uid, finger 0..9, valid flag, opaque template bytes."""

    uid: int
    fid: int
    valid: int
    data: bytes


_TMP_HEAD = struct.Struct("<HHbb")  # size incl. this head, uid, fid, valid (pyzk get_templates)
_UPACK29 = struct.Struct("<BHB5s8sIxBhI")
_UPACK73 = struct.Struct("<BHB8s24sIB7sx24s")
_TABLE = struct.Struct("<bHbI")


def pack_templates(templates: list[Template]) -> bytes:
    """Blob answered to DB_RRQ/FCT_FINGERTMP: uint32 total + (head, template) records."""
    body = b"".join(_TMP_HEAD.pack(len(t.data) + 6, t.uid, t.fid, t.valid) + t.data for t in templates)
    return struct.pack("<I", len(body)) + body


def parse_templates(blob: bytes) -> list[Template]:
    if len(blob) < 4:
        return []
    (total,) = struct.unpack_from("<I", blob)
    out: list[Template] = []
    pos, end = 4, min(len(blob), 4 + total)
    while pos + 6 <= end:
        size, uid, fid, valid = _TMP_HEAD.unpack_from(blob, pos)
        if size < 6 or pos + size > end:
            raise ValueError(f"data sidik jari terpotong pada posisi {pos}")
        out.append(Template(uid, fid, valid, bytes(blob[pos + 6 : pos + size])))
        pos += size
    return out


def pack_template_upload(user: DeviceUser, size: int, templates: list[Template]) -> bytes:
    """Upload buffer of pyzk's save_user_template: head, user (29/73 bytes), finger table, templates."""
    if size == 28:
        upack = _UPACK29.pack(2, user.uid, user.privilege, fit_text(user.password, 5), fit_text(user.name, 8),
                              user.card, int(user.group_id or 0), 0, int(user.user_id))
    else:
        upack = _UPACK73.pack(2, user.uid, user.privilege, fit_text(user.password, 8), fit_text(user.name, 24),
                              user.card, 1, fit_text(user.group_id, 7), fit_text(user.user_id, 24))
    table, fpack = b"", b""
    for t in templates:
        table += _TABLE.pack(2, user.uid, 0x10 + t.fid, len(fpack))
        fpack += struct.pack("<H", len(t.data)) + t.data
    return struct.pack("<III", len(upack), len(table), len(fpack)) + upack + table + fpack


def parse_template_upload(buf: bytes) -> tuple[list[DeviceUser], list[Template]]:
    """The device side of pack_template_upload (the emulator stores what a client sends)."""
    n_user, n_table, n_fp = struct.unpack_from("<III", buf)
    upack = buf[12 : 12 + n_user]
    table = buf[12 + n_user : 12 + n_user + n_table]
    fpack = buf[12 + n_user + n_table : 12 + n_user + n_table + n_fp]
    users: list[DeviceUser] = []
    if n_user % 73 == 0:
        for _two, uid, priv, pw, name, card, _one, group, user_id in _UPACK73.iter_unpack(upack):
            users.append(DeviceUser(uid, cstr(user_id), cstr(name).strip(), priv, cstr(pw), cstr(group), card))
    elif n_user % 29 == 0:
        for _two, uid, priv, pw, name, card, group, _tz, user_id in _UPACK29.iter_unpack(upack):
            users.append(DeviceUser(uid, str(user_id), cstr(name).strip(), priv, cstr(pw), str(group), card))
    else:
        raise ValueError(f"ukuran data pengguna unggahan tidak dikenal ({n_user} bita)")
    templates: list[Template] = []
    for _two, uid, fnum, offset in _TABLE.iter_unpack(table):
        (tsize,) = struct.unpack_from("<H", fpack, offset)
        templates.append(Template(uid, fnum - 0x10, 1, bytes(fpack[offset + 2 : offset + 2 + tsize])))
    return users, templates


def cstr(b: bytes) -> str:
    """A NUL-terminated device string (bytes after the first NUL are padding or garbage)."""
    return b.split(b"\x00", 1)[0].decode("utf-8", errors="ignore")


def parse_users(blob: bytes, count: int) -> list[DeviceUser]:
    if len(blob) <= 4 or count <= 0:
        return []
    size = user_size_of(blob, count)
    (total,) = struct.unpack_from("<I", blob)
    if not size:
        raise ValueError(f"ukuran data pengguna tidak dikenal ({total} bita untuk {count} pengguna)")
    body = blob[4 : 4 + size * count]
    if len(body) < size * count:
        raise ValueError(f"data pengguna terpotong ({len(body)} dari {size * count} bita)")
    return [unpack_user(body[i : i + size]) for i in range(0, len(body), size)]


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
    return [RawRecord(uid, cstr(pin), int.from_bytes(ts, "little"), verify, state)
            for uid, pin, verify, ts, state, _s in REC40.iter_unpack(body)]
