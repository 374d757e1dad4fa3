"""Push mode of the device emulator: speaks ADMS / iclock HTTP to a receiver like a real machine.

What it does, as the device side of the protocol does:

- handshake ``GET /iclock/cdata?SN=..&options=all&pushver=..``; the reply's ``ATTLOGStamp`` says where to
  resume (``None``/0 = send everything), ``Delay`` how often to poll, ``ErrorDelay`` how long to wait after
  a failure;
- attendance goes in batches (``POST table=ATTLOG&Stamp=<stamp of the batch's last record>``); the device's
  pointer moves only when the reply is 200 and starts with ``OK`` — anything else (403 while pending, 413,
  5xx, a refused or reset connection, a time-out) keeps the records for the next attempt;
- after a failure it waits with exponential back-off (from ``retry_min`` up to the smaller of ``retry_max``
  and the server's ErrorDelay) and handshakes again before resending, like a device reconnecting;
- users go up as ``OPERLOG`` ``USER`` lines; ``getrequest`` is polled and each command it knows is run and
  answered with ``POST /iclock/devicecmd`` (a lost answer is sent again, a command runs once);
- :meth:`PushEmulator.add_punch_now` records a punch at the device's own (possibly drifting) clock and wakes
  the loop, as ``Realtime=1`` devices upload at once.

The device's clock comes from ``services.clock`` (a frozen clock in tests) plus the state's drift.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import logging
import random
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from services.clock import Clock, SystemClock
from services.devices import protocol as p
from services.devices import push_protocol as pp
from services.devices.emulator import DeviceState
from services.devices.protocol import DeviceUser

log = logging.getLogger(__name__)


class PushFailure(Exception):
    """The receiver did not acknowledge (or could not be reached); nothing was marked as sent."""


@dataclass
class EmulatorStats:
    handshakes: int = 0
    batches_sent: int = 0
    batches_acked: int = 0
    records_acked: int = 0
    failures: int = 0
    commands_done: int = 0
    last_error: str = ""
    last_reply: str = ""


def record_line(user_id: str, ts_raw: int, state: int, verify: int) -> str:
    y, mo, d, h, mi, s = p.decode_fields(ts_raw)  # an impossible date goes out as the device would print it
    return f"{user_id}\t{y:04d}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d}\t{state}\t{verify}\t0\t0\t0\n"


class PushEmulator:
    def __init__(self, url: str, state: DeviceState, clock: Clock, *, batch_size: int = 100,
                 poll_interval: float | None = None, retry_min: float = 0.5, retry_max: float = 30.0,
                 timeout: float = 10.0, honour_stamp: bool = True, push_version: str = "2.4.1",
                 send_users: bool = True) -> None:
        parts = urlsplit(url if "://" in url else "http://" + url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"Alamat penerima '{url}' tidak valid (contoh: http://192.168.1.10:8081).")
        self.host, self.port = parts.hostname, parts.port or 80
        base = parts.path.rstrip("/")
        self.base = base if base.endswith("/iclock") else base + "/iclock"
        self.state, self.clock = state, clock
        self.batch_size, self.poll_interval = batch_size, poll_interval
        self.retry_min, self.retry_max, self.timeout = retry_min, retry_max, timeout
        self.honour_stamp, self.push_version = honour_stamp, push_version
        self.stats = EmulatorStats()
        self.options: dict[str, str] = {}
        self.pointer = 0  # index of the first record not acknowledged
        self.stamp_base = 0  # grows when the log is cleared, so stamps never go back
        self.oper_stamp = 0
        self.users_pending: set[str] = {u.user_id for u in state.users} if send_users else set()
        self._results: list[str] = []  # devicecmd answers not yet delivered
        self._done: dict[int, str] = {}  # command id -> answer (a resent command is answered, not run again)
        self._need_handshake = True
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------- the device
    def device_now(self) -> dt.datetime:
        local = self.clock.utcnow() + dt.timedelta(hours=self.state.utc_offset_hours)
        return local.replace(tzinfo=None, microsecond=0) + self.state.clock_offset

    def add_punch_now(self, pin: str, state: int = 0, verify: int = 1) -> dt.datetime:
        when = self.device_now()
        self.state.add_punch(pin, when, state=state, verify=verify)
        self._wake.set()
        return when

    @property
    def unacked(self) -> int:
        with self.state.lock:
            return len(self.state.records) - self.pointer

    @property
    def synced(self) -> bool:
        with self._lock:
            return self.unacked == 0 and not self.users_pending and not self._results

    # ----------------------------------------------------------------- HTTP
    def _request(self, method: str, endpoint: str, query: dict[str, str], body: bytes | None = None) -> str:
        path = f"{self.base}/{endpoint}?{urlencode({'SN': self.state.serial, **query})}"
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body, headers={"Content-Type": "text/plain", "User-Agent": "iClock Proxy/1.09"})
            resp = conn.getresponse()
            text = resp.read().decode("utf-8", errors="replace")
        except (OSError, http.client.HTTPException) as exc:
            raise PushFailure(f"{endpoint}: tidak tersambung ({exc.__class__.__name__}: {exc})") from exc
        finally:
            conn.close()
        self.stats.last_reply = f"{resp.status} {text[:120]}"
        if resp.status != 200:
            raise PushFailure(f"{endpoint}: {resp.status} {text[:200]}")
        return text

    def _upload(self, table: str, stamp: int, text: str) -> None:
        self.stats.batches_sent += 1
        reply = self._request("POST", "cdata", {"table": table, "Stamp": str(stamp)}, text.encode("utf-8"))
        if not reply.startswith("OK"):
            raise PushFailure(f"{table}: balasan bukan OK: {reply[:200]}")
        self.stats.batches_acked += 1

    # ------------------------------------------------------------ one cycle
    def handshake(self) -> None:
        text = self._request("GET", "cdata", {"options": "all", "pushver": self.push_version, "language": "69"})
        self.options = pp.parse_options(text)
        self.stats.handshakes += 1
        if self.honour_stamp:
            stamp = pp.stamp_value(self.options.get("ATTLOGStamp"))
            with self.state.lock:
                self.pointer = min(max(stamp - self.stamp_base, 0), len(self.state.records))
        self._need_handshake = False

    def _send_records(self) -> None:
        while not self._stop.is_set():
            with self.state.lock:
                start = self.pointer
                batch = self.state.records[start:start + self.batch_size]
            if not batch:
                return
            text = "".join(record_line(r.user_id, r.ts_raw, r.state, r.verify) for r in batch)
            end = start + len(batch)
            self._upload("ATTLOG", self.stamp_base + end, text)
            with self.state.lock:
                if self.pointer == start:  # a CLEAR LOG may have run meanwhile
                    self.pointer = end
            self.stats.records_acked += len(batch)

    def _send_users(self) -> None:
        with self._lock:
            pins = sorted(self.users_pending)[: self.batch_size]
        if not pins:
            return
        users = {u.user_id: u for u in self.state.users}
        text = pp.user_lines([(pin, users[pin].name, users[pin].privilege) for pin in pins if pin in users])
        self.oper_stamp += 1
        self._upload("OPERLOG", self.oper_stamp, text)
        with self._lock:
            self.users_pending.difference_update(pins)

    def _poll(self) -> None:
        text = self._request("GET", "getrequest", {"INFO": self._info_param()})
        for command_id, command in pp.parse_commands(text):
            answer = self._done.get(command_id)
            if answer is None:
                answer = self._run_command(command_id, command)
                self._done[command_id] = answer
                self.stats.commands_done += 1
            with self._lock:
                self._results.append(answer)
        self._deliver_results()

    def _deliver_results(self) -> None:
        with self._lock:
            results = list(self._results)
        if results:
            self._request("POST", "devicecmd", {}, "".join(results).encode("utf-8"))
            with self._lock:
                del self._results[: len(results)]

    def run_cycle(self) -> None:
        """One round: handshake when needed, records, users, pending answers, command poll."""
        if self._need_handshake:
            self.handshake()
        self._send_records()
        self._send_users()
        self._deliver_results()
        self._poll()

    # ------------------------------------------------------------- commands
    def _info_param(self) -> str:
        return f"{self.state.firmware},{len(self.state.users)},0,{len(self.state.records)},127.0.0.1"

    def _run_command(self, command_id: int, command: str) -> str:
        code, detail = 0, ""
        verb = command.split(" ")[0]
        if command == "INFO":
            detail = "\n".join([f"~SerialNumber={self.state.serial}", f"FWVersion={self.state.firmware}",
                                f"UserCount={len(self.state.users)}", f"TransactionCount={len(self.state.records)}",
                                "IPAddress=127.0.0.1", f"~DeviceName={self.state.device_name}"])
        elif command in ("CHECK", "REBOOT", "LOG"):
            self._need_handshake = command != "LOG"
        elif command == "CLEAR LOG":
            with self.state.lock:
                self.stamp_base += len(self.state.records)
                self.state.records.clear()
                self.pointer = 0
        elif command.startswith("DATA UPDATE USERINFO ") or command.startswith("DATA DELETE USERINFO "):
            code = self._user_command(command)
        elif command.startswith("DATA QUERY "):
            with self._lock:
                self.users_pending.update(u.user_id for u in self.state.users)
        else:
            code = -1  # unknown to this device
        log.debug("emulator push: command %s -> %s", command, code)
        return pp.result_text(command_id, code, verb, detail)

    def _user_command(self, command: str) -> int:
        fields = dict(part.split("=", 1) for part in command.split(" ", 3)[3].split("\t") if "=" in part)
        pin = fields.get("PIN", "")
        if not pp.PIN_RE.match(pin):
            return -1
        with self.state.lock:
            self.state.users = [u for u in self.state.users if u.user_id != pin]
            if command.startswith("DATA UPDATE"):
                uid = max((u.uid for u in self.state.users), default=0) + 1
                self.state.users.append(DeviceUser(uid=uid, user_id=pin, name=fields.get("Name", ""),
                                                   privilege=int(fields.get("Pri", "0") or 0)))
                with self._lock:
                    self.users_pending.add(pin)
        return 0

    # -------------------------------------------------------------- running
    def _backoff(self, failures: int) -> float:
        cap = self.retry_max
        server = pp.stamp_value(self.options.get("ErrorDelay"))
        if server:
            cap = min(cap, float(server))
        return float(min(cap, self.retry_min * (2 ** min(failures - 1, 16))))

    def _loop(self) -> None:
        failures = 0
        while not self._stop.is_set():
            self._wake.clear()  # a punch recorded from here on makes the next pause end at once
            try:
                self.run_cycle()
                failures = 0
                delay = self.poll_interval if self.poll_interval is not None else \
                    float(pp.stamp_value(self.options.get("Delay")) or 10)
            except PushFailure as exc:
                failures += 1
                self.stats.failures += 1
                self.stats.last_error = str(exc)
                self._need_handshake = True
                delay = self._backoff(failures)
                log.debug("emulator push: %s; retry in %.2f s", exc, delay)
            self._pause(delay)

    def _pause(self, seconds: float) -> None:
        """Sleep until the delay is over, a realtime punch wakes the loop, or stop() is called.

        Sliced sleeps rather than Event.wait(timeout): timed lock waits never return under libfaketime.
        """
        end = time.monotonic() + seconds
        while not self._stop.is_set() and not self._wake.is_set() and time.monotonic() < end:
            time.sleep(min(0.01, max(0.0, end - time.monotonic())))

    def start(self) -> PushEmulator:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=f"push-emu-{self.state.serial}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wait_synced(self, timeout: float) -> bool:
        """True once every record, user and command answer is acknowledged (bounded wait)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.synced:
                return True
            time.sleep(0.02)
        return self.synced

    def __enter__(self) -> PushEmulator:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


# ------------------------------------------------------------------- CLI


def add_push_arguments(parser: argparse.ArgumentParser) -> None:
    """The emulator command's push options (``presensi-opd emulator --push URL``)."""
    parser.add_argument("--push", metavar="URL", default=None,
                        help="mode push (ADMS): kirim rekaman ke penerima ini, mis. http://127.0.0.1:8081")
    parser.add_argument("--push-batch", type=int, default=100, help="rekaman per kiriman (mode push)")
    parser.add_argument("--push-interval", type=float, default=None,
                        help="detik antar-tanya perintah (bawaan: Delay dari penerima)")
    parser.add_argument("--push-retry-max", type=float, default=30.0, help="jeda ulang terpanjang setelah gagal (detik)")
    parser.add_argument("--push-punch-every", type=float, default=0.0,
                        help="tambahkan satu rekaman baru setiap N detik (seperti pegawai yang absen)")


def run_push(args: argparse.Namespace, state: DeviceState) -> int:
    zone = {7: "Asia/Jakarta", 8: "Asia/Makassar", 9: "Asia/Jayapura"}.get(state.utc_offset_hours, "Asia/Jakarta")
    emu = PushEmulator(args.push, state, SystemClock(zone), batch_size=max(1, args.push_batch),
                       poll_interval=args.push_interval, retry_max=args.push_retry_max).start()
    print(f"Emulator push seri {state.serial}: {len(state.records)} rekaman, {len(state.users)} pengguna → "
          f"http://{emu.host}:{emu.port}{emu.base}/ . Tekan Ctrl+C untuk berhenti.", flush=True)
    rnd = random.Random(args.seed)
    last_report, last_punch = "", time.monotonic()
    try:
        while True:
            time.sleep(0.5)
            if args.push_punch_every > 0 and state.users and time.monotonic() - last_punch >= args.push_punch_every:
                emu.add_punch_now(rnd.choice(state.users).user_id)
                last_punch = time.monotonic()
            s = emu.stats
            report = (f"terkirim {s.records_acked} rekaman, belum {emu.unacked}, gagal {s.failures}"
                      + (f" ({s.last_error})" if s.failures and emu.unacked else ""))
            if report != last_report:
                print(report, flush=True)
                last_report = report
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
    return 0
