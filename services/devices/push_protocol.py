"""The ZKTeco ADMS / iclock HTTP push protocol as text: parsing what devices send, formatting replies.

Nothing here touches the database or the network, so every rule is unit-testable:

- ``GET  /iclock/cdata?SN=..&options=all&pushver=..``  handshake → :func:`options_text`
- ``POST /iclock/cdata?SN=..&table=ATTLOG&Stamp=..``    → :func:`parse_attlog` (PIN, time, status, verify, ...)
- ``POST /iclock/cdata?SN=..&table=OPERLOG|USERINFO``  → :func:`parse_operlog` (``USER``/``FP``/``OPLOG`` lines)
- ``GET  /iclock/getrequest?SN=..``                    → :func:`commands_text` (``C:<id>:<CMD>`` lines or ``OK``)
- ``POST /iclock/devicecmd?SN=..``                     → :func:`parse_devicecmd` (``ID=..&Return=..&CMD=..``)
- ``GET  /iclock/rtdata?SN=..&type=time``              → :func:`time_text`

Every parser is bounded: it keeps at most ``MAX_ERRORS`` messages of at most ``MAX_MESSAGE`` characters, and
untrusted text is shown shortened and with control characters replaced.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from services.devices.protocol import encode_time
from services.devices.punches import TIMEZONES
from services.errors import BadInputError
from services.tabular import ascii_digits

SERIAL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{2,39}$")
PIN_RE = re.compile(r"^[A-Za-z0-9]{1,24}$")
MAX_ERRORS = 50
MAX_MESSAGE = 200
MAX_QUERY_FIELDS = 20
MAX_COMMAND = 400

# what the receiver asks the device to upload: attendance, operation log (user/fingerprint changes);
# photos and biodata are not stored, so they are not asked for
TRANS_FLAG = "TransData AttLog\tOpLog\tEnrollUser\tChgUser\tEnrollFP\tChgFP"
TRANS_FLAG_LEGACY = "1111000000"  # firmware without pushver: a bit per table, AttLog/OpLog/AttPhoto/EnrollUser...

# TimeCheck(record time, office now in the device's zone) -> a rejection reason, or None to accept.
# The plausibility rules (future dates, far past) belong to the devices helper; the receiver only calls the hook.
TimeCheck = Callable[[dt.datetime, dt.datetime], "str | None"]


def shown(text: str, limit: int = 40) -> str:
    """Untrusted text for a message: control characters replaced, at most ``limit`` characters."""
    clean = "".join(c if c.isprintable() else "?" for c in text)
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def parse_query(query: str) -> dict[str, str]:
    """The query string of a device request; a repeated or oversized parameter list is refused."""
    try:
        pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=MAX_QUERY_FIELDS, errors="replace")
    except ValueError:
        raise BadInputError(f"Permintaan ditolak: lebih dari {MAX_QUERY_FIELDS} parameter.") from None
    out: dict[str, str] = {}
    for key, value in pairs:
        if key in out:
            raise BadInputError(f"Permintaan ditolak: parameter '{shown(key)}' muncul lebih dari sekali.")
        out[key] = value
    return out


def check_serial(raw: str | None) -> str:
    """A well-formed device serial (letters, digits, '-' and '_', 3–40 characters) or BadInputError."""
    if not raw:
        raise BadInputError("Permintaan ditolak: parameter SN (nomor seri mesin) tidak ada.")
    if not SERIAL_RE.match(raw):
        raise BadInputError(f"Permintaan ditolak: nomor seri '{shown(raw)}' tidak valid "
                            "(hanya huruf, angka, '-' dan '_', 3–40 karakter).")
    return raw


def timezone_hours(zone: str) -> int:
    return TIMEZONES.get(zone, ("", 7))[1]


def server_tz_text(zone: str) -> str:
    return f"{timezone_hours(zone):+03d}00"


# ---------------------------------------------------------------- handshake


@dataclass(frozen=True)
class HandshakeOptions:
    serial: str
    attlog_stamp: str = ""
    operlog_stamp: str = ""
    timezone: str = "Asia/Jakarta"
    delay_s: int = 10  # seconds between getrequest polls
    error_delay_s: int = 30  # seconds to wait after a failed upload
    trans_times: str = "00:00;14:05"
    trans_interval_min: int = 1
    realtime: bool = True
    legacy: bool = False  # firmware that sent no pushver gets the bit-string TransFlag


def options_text(o: HandshakeOptions) -> str:
    """The plain-text option lines of the handshake reply (LF-separated)."""
    lines = [
        f"GET OPTION FROM: {o.serial}",
        f"ATTLOGStamp={o.attlog_stamp or 'None'}",
        f"OPERLOGStamp={o.operlog_stamp or 'None'}",
        "ATTPHOTOStamp=None",
        f"ErrorDelay={o.error_delay_s}",
        f"Delay={o.delay_s}",
        f"TransTimes={o.trans_times}",
        f"TransInterval={o.trans_interval_min}",
        f"TransFlag={TRANS_FLAG_LEGACY if o.legacy else TRANS_FLAG}",
        f"TimeZone={timezone_hours(o.timezone)}",
        f"Realtime={1 if o.realtime else 0}",
        "Encrypt=None",
    ]
    return "\n".join(lines) + "\n"


def parse_options(text: str) -> dict[str, str]:
    """Option lines back into a dict (the push emulator reads the handshake with this)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("GET OPTION FROM:"):
            out["GET OPTION FROM"] = line.split(":", 1)[1].strip()
        elif "=" in line:
            key, value = line.split("=", 1)
            out[key.strip()] = value.strip()
    return out


def stamp_value(raw: str | None) -> int:
    """A stamp as the device understands it: None/empty/garbage = 0 (send everything)."""
    if raw is None or not ascii_digits(raw.strip()) or len(raw.strip()) > 20:
        return 0
    return int(raw.strip())


def time_text(now_local: dt.datetime, zone: str) -> str:
    """Reply to ``rtdata?type=time``: the office time in the device's zone, in the device's own time encoding."""
    return f"DateTime={encode_time(now_local)},ServerTZ={server_tz_text(zone)}\n"


# ------------------------------------------------------------------- ATTLOG


@dataclass(frozen=True)
class AttRecord:
    pin: str
    ts: dt.datetime
    state: int
    verify: int


@dataclass
class Parsed:
    """What one upload held: good records, the number of lines read and bounded messages for the rest."""

    lines: int = 0
    errors: list[str] = field(default_factory=list)
    rejected: int = 0

    def reject(self, line_no: int, message: str) -> None:
        self.rejected += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(f"baris {line_no}: {message}"[:MAX_MESSAGE])
        elif len(self.errors) == MAX_ERRORS:
            self.errors.append("… pesan berikutnya tidak ditampilkan")


@dataclass
class ParsedAttlog(Parsed):
    records: list[AttRecord] = field(default_factory=list)


def body_lines(body: bytes, max_lines: int) -> list[str]:
    """The non-empty lines of an upload; more than ``max_lines`` is refused before any parsing."""
    text = body.decode("utf-8", errors="replace")
    lines = [ln.strip("\r") for ln in text.split("\n")]
    lines = [ln for ln in lines if ln.strip()]
    if len(lines) > max_lines:
        raise BadInputError(f"Kiriman ditolak: {len(lines)} baris, paling banyak {max_lines} baris per kiriman.")
    return lines


def _int(text: str, default: int) -> int:
    text = text.strip()
    return int(text) if ascii_digits(text.lstrip("-")) and len(text) <= 6 else default


def parse_attlog(lines: list[str], now_local: dt.datetime, time_check: TimeCheck | None = None) -> ParsedAttlog:
    """ATTLOG lines: ``PIN<TAB>YYYY-MM-DD HH:MM:SS<TAB>status<TAB>verify<TAB>workcode...`` (device wall clock)."""
    out = ParsedAttlog()
    for no, line in enumerate(lines, 1):
        out.lines += 1
        cols = line.split("\t")
        pin = cols[0].strip()
        if len(cols) < 2:
            out.reject(no, f"kolom kurang (isi: '{shown(line)}'), dilewati")
            continue
        if not PIN_RE.match(pin):
            out.reject(no, f"PIN '{shown(pin)}' tidak valid, dilewati")
            continue
        try:
            ts = dt.datetime.strptime(cols[1].strip(), "%Y-%m-%d %H:%M:%S")
        except ValueError:
            out.reject(no, f"PIN {pin}: waktu '{shown(cols[1].strip())}' tidak valid, dilewati")
            continue
        reason = time_check(ts, now_local) if time_check is not None else None
        if reason:
            out.reject(no, f"PIN {pin} {ts:%d-%m-%Y %H:%M:%S}: {reason}")
            continue
        state = _int(cols[2], 255) if len(cols) > 2 else 255
        verify = _int(cols[3], 1) if len(cols) > 3 else 1
        out.records.append(AttRecord(pin, ts, state, verify))
    return out


# ------------------------------------------------------------------ OPERLOG


@dataclass(frozen=True)
class UserLine:
    pin: str
    name: str
    privilege: int
    card: str
    has_password: bool


@dataclass
class ParsedOperlog(Parsed):
    users: dict[str, UserLine] = field(default_factory=dict)  # PIN -> last USER line for it
    fingers: dict[str, set[int]] = field(default_factory=dict)  # PIN -> finger ids
    oplogs: int = 0
    ignored: int = 0  # FACE, USERPIC, BIOPHOTO, ... lines: not stored


def _fields(rest: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in rest.split("\t"):
        if "=" in part:
            key, value = part.split("=", 1)
            out[key.strip()] = value.strip()
    return out


def parse_operlog(lines: list[str]) -> ParsedOperlog:
    """OPERLOG / USERINFO lines. Passwords and fingerprint templates are never kept: only that they exist."""
    out = ParsedOperlog()
    for no, line in enumerate(lines, 1):
        out.lines += 1
        head, _sep, rest = line.partition(" ")
        if head.startswith("PIN="):  # USERINFO answers may omit the "USER " prefix
            head, rest = "USER", line
        if head == "OPLOG":
            out.oplogs += 1
            continue
        if head not in ("USER", "FP"):
            out.ignored += 1
            continue
        f = _fields(rest)
        pin = f.get("PIN", "")
        if not PIN_RE.match(pin):
            out.reject(no, f"{head}: PIN '{shown(pin)}' tidak valid, dilewati")
            continue
        if head == "USER":
            out.users[pin] = UserLine(pin, shown(f.get("Name", ""), 100), _int(f.get("Pri", "0"), 0),
                                      shown(f.get("Card", ""), 32), bool(f.get("Passwd", "")))
        else:
            fid = _int(f.get("FID", ""), -1)
            if not 0 <= fid <= 9:
                out.reject(no, f"FP PIN {pin}: nomor jari '{shown(f.get('FID', ''))}' tidak valid, dilewati")
                continue
            out.fingers.setdefault(pin, set()).add(fid)
    return out


def user_lines(users: list[tuple[str, str, int]]) -> str:
    """``USER`` lines as a device uploads them (PIN, name, privilege) — used by the push emulator."""
    return "".join(f"USER PIN={pin}\tName={name}\tPri={pri}\tPasswd=\tCard=\tGrp=1\tTZ=0000000000000000\tVerify=0\n"
                   for pin, name, pri in users)


# ---------------------------------------------------------------- commands

OPERATOR_VERBS = ("INFO", "CHECK", "LOG", "DATA QUERY ", "DATA UPDATE USERINFO ")
ADMIN_VERBS = ("REBOOT", "CLEAR LOG", "CLEAR DATA", "DATA DELETE USERINFO ", "SET OPTIONS ")


def check_command(command: str) -> str:
    """A command the receiver may queue; returns the role it needs ("operator" or "admin")."""
    if not command or len(command) > MAX_COMMAND:
        raise BadInputError(f"Perintah mesin kosong atau lebih dari {MAX_COMMAND} karakter.")
    if any((not c.isprintable() and c != "\t") for c in command):
        raise BadInputError("Perintah mesin tidak boleh memuat baris baru atau karakter kendali.")
    for verbs, role in ((ADMIN_VERBS, "admin"), (OPERATOR_VERBS, "operator")):
        for verb in verbs:
            if command == verb.strip() or command.startswith(verb if verb.endswith(" ") else verb + " "):
                return role
    allowed = ", ".join(v.strip() for v in OPERATOR_VERBS + ADMIN_VERBS)
    raise BadInputError(f"Perintah mesin '{shown(command)}' tidak dikenal. Yang didukung: {allowed}.")


def user_update_command(pin: str, name: str, privilege: int = 0) -> str:
    if not PIN_RE.match(pin):
        raise BadInputError(f"PIN '{shown(pin)}' tidak valid (huruf/angka, 1–24 karakter).")
    clean = "".join(c for c in name if c.isprintable())[:24]
    return f"DATA UPDATE USERINFO PIN={pin}\tName={clean}\tPri={privilege}"


def commands_text(commands: list[tuple[int, str]]) -> str:
    """The getrequest reply: ``C:<id>:<command>`` per line, or ``OK`` when nothing is queued."""
    if not commands:
        return "OK"
    return "".join(f"C:{cid}:{cmd}\n" for cid, cmd in commands)


def parse_commands(text: str) -> list[tuple[int, str]]:
    """The getrequest reply back into (id, command) pairs (the push emulator's side)."""
    out = []
    for line in text.splitlines():
        m = re.match(r"^C:(\d+):(.*)$", line)
        if m:
            out.append((int(m.group(1)), m.group(2)))
    return out


@dataclass(frozen=True)
class CommandResult:
    command_id: int
    return_code: int
    command: str
    detail: str  # the lines after the ID line (INFO replies: key=value lines), bounded


def parse_devicecmd(body: bytes, max_detail: int = 4000) -> list[CommandResult]:
    """``ID=<id>&Return=<code>&CMD=<cmd>`` lines, each optionally followed by detail lines."""
    results: list[CommandResult] = []
    current: dict[str, str] | None = None
    detail: list[str] = []

    def flush() -> None:
        if current is None:
            return
        cid, code = current.get("ID", ""), current.get("Return", "")
        if ascii_digits(cid) and len(cid) <= 10 and ascii_digits(code.lstrip("-")) and len(code) <= 10:
            results.append(CommandResult(int(cid), int(code), shown(current.get("CMD", ""), 60),
                                         "\n".join(detail)[:max_detail]))

    for line in body.decode("utf-8", errors="replace").splitlines():
        if line.startswith("ID="):
            flush()
            current = dict(part.split("=", 1) for part in line.split("&") if "=" in part)
            detail = []
        elif line.strip() and current is not None:
            detail.append(shown(line.strip(), 200))
    flush()
    return results


def result_text(command_id: int, code: int, command: str, detail: str = "") -> str:
    return f"ID={command_id}&Return={code}&CMD={command}\n" + (detail + "\n" if detail else "")


def info_summary(detail: str) -> str:
    """One line from an INFO reply / heartbeat INFO parameter for the device row."""
    keys = dict(line.split("=", 1) for line in detail.splitlines() if "=" in line)
    parts = [f"{label} {keys[k]}" for k, label in (("FWVersion", "firmware"), ("UserCount", "pengguna"),
                                                   ("TransactionCount", "rekaman"), ("IPAddress", "IP")) if k in keys]
    return shown("; ".join(parts) if parts else detail.replace("\n", "; "), 300)


def info_param_summary(info: str) -> str:
    """The heartbeat's ``INFO=`` parameter: firmware, users, fingerprints, records, IP (comma-separated)."""
    if not info:
        return ""
    parts = info.split(",")
    labels = ("firmware", "pengguna", "sidik jari", "rekaman", "IP")
    return shown("; ".join(f"{label} {value.strip()}" for label, value in zip(labels, parts, strict=False)
                           if value.strip()), 300)
