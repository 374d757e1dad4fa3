"""Local receiver for ZKTeco ADMS / iclock HTTP push: a WSGI application served by waitress.

Why waitress (not the standard library's http.server, not aiohttp): it is pure Python with
no dependency of its own, so PyInstaller bundles it on Windows and Linux with no hook and no
native library; it is maintained by the Pylons project and used in production; and it has
what a receiver facing field devices needs: its asyncore front end reads a whole request
before a worker thread sees it (a slow or stalled device ties up no worker), a request-body
limit, an idle-connection timeout and a connection limit. It starts and stops inside a
running process (the desktop app) as well as headless. aiohttp would need its asyncio loop
bridged into the Qt app and brings native extensions; cheroot is comparable but pulls in
two more packages; http.server has no body or connection limits.

Concurrency: waitress worker threads parse requests in parallel; every database write goes
through one :class:`SingleWriter` thread (one write transaction at a time, ``BEGIN
IMMEDIATE`` so another process's writer is waited for, never "database is locked").
An upload is answered ``OK: n`` only after its transaction committed; anything else makes
the device keep the records and send them again, and the unique key (serial, PIN, time)
makes the resend harmless.

Unknown serials are registered as pending and their uploads refused with 403 until an admin
accepts them (``push_admin.accept_serial``): the device itself is the safest quarantine —
nothing unauthenticated is written beyond one pending row per serial (bounded), and after
acceptance the device sends everything again because its stamp was never advanced.
"""

from __future__ import annotations

import concurrent.futures
import logging
import queue
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.exc import OperationalError

from services.devices import push_protocol as pp
from services.devices import push_store as store
from services.devices.push_admin import check_bind, remote_allowed
from services.devices.push_store import DeviceView, PushRefused, write_transaction
from services.errors import BadInputError, UnreachableError
from services.store.db import Database
from services.tabular import ascii_digits

log = logging.getLogger(__name__)
T = TypeVar("T")

_REASONS = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
            413: "Payload Too Large", 500: "Internal Server Error", 503: "Service Unavailable"}


@dataclass
class PushConfig:
    bind: str = "127.0.0.1"
    port: int = 8081
    threads: int = 4
    max_body: int = 2 * 1024 * 1024  # bytes per upload
    max_lines: int = 20_000  # lines per upload
    max_pending: int = 50  # serials waiting for a decision; more are refused without being stored
    delay_s: int = 10  # getrequest poll interval told to accepted devices
    error_delay_s: int = 30
    pending_delay_s: int = 60  # pending devices are asked to call less often
    touch_flush_s: float = 30.0  # heartbeats are written at most this often
    write_timeout_s: float = 60.0
    time_check: pp.TimeCheck | None = None  # plausibility hook for record times (devices helper)
    fault_hook: Callable[[str, int], None] | None = None  # test seam: ("before-commit"|"after-commit", batch no.)


@dataclass
class PushStats:
    """Counters for the screen and the CLI; ``commits`` grows with every stored upload."""

    requests: int = 0
    stored: int = 0
    duplicates: int = 0
    refused: int = 0
    errors: int = 0
    commits: int = 0
    last_event: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, event: str = "", **counts: int) -> None:
        with self.lock:
            for key, n in counts.items():
                setattr(self, key, getattr(self, key) + n)
            if event:
                self.last_event = event

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {k: getattr(self, k) for k in ("requests", "stored", "duplicates", "refused", "errors", "commits",
                                                  "last_event")}


class SingleWriter:
    """One thread that runs every database write of the receiver, in submission order.

    No wait here has a timeout that must expire by itself (a queue get, a lock, an event): timed lock waits
    never return under libfaketime, which CI uses; the periodic flush comes from a ticker thread that sleeps.
    """

    _STOP = object()
    _IDLE = object()

    def __init__(self, idle: Callable[[], None] | None = None, idle_every: float = 30.0) -> None:
        self._q: queue.Queue[Any] = queue.Queue()
        self._idle, self._idle_every = idle, idle_every
        self._thread: threading.Thread | None = None
        self._ticker: threading.Thread | None = None
        self._stopping = False

    def start(self) -> None:
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="push-writer", daemon=True)
        self._thread.start()
        if self._idle is not None:
            self._ticker = threading.Thread(target=self._tick, name="push-writer-tick", daemon=True)
            self._ticker.start()

    def call(self, fn: Callable[[], T], timeout: float) -> T:
        fut: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._q.put((fn, fut))
        try:
            return fut.result(timeout)
        except concurrent.futures.TimeoutError:
            fut.cancel()  # not started yet: it never runs; already running: its commit still counts
            raise

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping = True
        for thread in (self._ticker, self._thread):
            if thread is self._thread:
                self._q.put(self._STOP)
            if thread is not None:
                thread.join(timeout)  # both end by themselves: the join never has to time out
        self._thread = self._ticker = None

    def _tick(self) -> None:
        due = time.monotonic() + self._idle_every
        while not self._stopping:
            time.sleep(0.2)
            if time.monotonic() >= due:
                self._q.put(self._IDLE)
                due = time.monotonic() + self._idle_every

    def _run(self) -> None:
        while True:
            item = self._q.get()
            if item is self._STOP:
                self._run_idle()
                return
            if item is self._IDLE:
                self._run_idle()
                continue
            fn, fut = item
            if fut.set_running_or_notify_cancel():
                try:
                    fut.set_result(fn())
                except BaseException as exc:  # noqa: BLE001 - handed to the waiting request thread
                    fut.set_exception(exc)

    def _run_idle(self) -> None:
        if self._idle is None:
            return
        try:
            self._idle()
        except Exception:  # noqa: BLE001 - a failed heartbeat flush is retried at the next one
            log.exception("Penerima push: gagal menyimpan detak mesin")


class PushApp:
    """The WSGI application: routes the iclock endpoints, parses in the request thread, writes via the writer."""

    def __init__(self, db: Database, config: PushConfig, stats: PushStats) -> None:
        self.db, self.cfg, self.stats = db, config, stats
        self._touches: dict[str, tuple[Any, str, str]] = {}
        self._touch_lock = threading.Lock()
        self._batches = 0
        self.writer = SingleWriter(self.flush_touches, config.touch_flush_s)

    # ------------------------------------------------------------ WSGI entry
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        headers: list[tuple[str, str]] = []
        try:
            status, text = self._dispatch(environ)
        except PushRefused as exc:
            status, text = exc.status, exc.text
            self.stats.add(f"ditolak ({exc.status}): {exc.text}", refused=1)
        except BadInputError as exc:
            status, text = 400, str(exc)
            self.stats.add(f"ditolak (400): {exc}", refused=1)
        except (OperationalError, concurrent.futures.TimeoutError) as exc:
            log.warning("Penerima push: basis data sibuk: %s", exc)
            status, text = 503, "Basis data sedang sibuk; kirim ulang nanti. Data tetap di mesin."
            headers.append(("Retry-After", str(self.cfg.error_delay_s)))
            self.stats.add("basis data sibuk (503)", errors=1)
        except Exception:  # noqa: BLE001 - a bug: logged with its traceback, the device retries later
            log.exception("Penerima push: galat tak terduga pada %s", environ.get("PATH_INFO"))
            status, text = 500, "Galat pada penerima; data tetap di mesin dan akan dikirim ulang."
            self.stats.add("galat penerima (500)", errors=1)
        body = text.encode("utf-8")
        start_response(f"{status} {_REASONS.get(status, 'Error')}",
                       [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))] + headers)
        return [body]

    def _dispatch(self, environ: dict[str, Any]) -> tuple[int, str]:
        self.stats.add(requests=1)
        remote = str(environ.get("REMOTE_ADDR", ""))
        if not remote_allowed(remote):
            raise PushRefused(403, "Ditolak: penerima hanya melayani mesin di jaringan kantor (LAN).")
        route = str(environ.get("PATH_INFO", "")).rstrip("/").removesuffix(".aspx")
        method = str(environ.get("REQUEST_METHOD", "GET"))
        handlers: dict[tuple[str, str], Callable[[str, dict[str, str], str, dict[str, Any]], tuple[int, str]]] = {
            ("GET", "/iclock/cdata"): self._cdata_get,
            ("POST", "/iclock/cdata"): self._upload,
            ("GET", "/iclock/getrequest"): self._poll,
            ("POST", "/iclock/devicecmd"): self._devicecmd,
            ("GET", "/iclock/rtdata"): self._rtdata,
            ("GET", "/iclock/ping"): self._ping,
        }
        handler = handlers.get((method, route))
        if handler is None:
            known = any(r == route for _m, r in handlers)
            raise PushRefused(405 if known else 404, f"{method} {pp.shown(route, 60)} tidak didukung penerima ini.")
        query = pp.parse_query(str(environ.get("QUERY_STRING", "")))
        serial = pp.check_serial(query.get("SN"))
        return handler(serial, query, remote, environ)

    # --------------------------------------------------------------- helpers
    def _write(self, fn: Callable[[Any], T]) -> T:
        def run() -> T:
            with write_transaction(self.db) as s:
                return fn(s)
        return self.writer.call(run, self.cfg.write_timeout_s)

    def _contact(self, serial: str, query: dict[str, str], remote: str) -> DeviceView:
        now = self.db.clock.now()
        return self._write(lambda s: store.register_contact(s, serial, remote, query.get("pushver", ""), now,
                                                            self.cfg.max_pending))

    def _known(self, serial: str) -> DeviceView | None:
        with self.db.session() as s:
            return store.lookup(s, serial)

    def _body(self, environ: dict[str, Any]) -> bytes:
        length = str(environ.get("CONTENT_LENGTH") or "0")
        if not ascii_digits(length) or len(length) > 15:  # isdigit() accepts '٣'; int() of 5,000 digits fails
            raise BadInputError("Kiriman ditolak: Content-Length tidak valid.")
        if int(length) > self.cfg.max_body:
            raise PushRefused(413, f"Kiriman ditolak: {int(length)} bita, paling besar {self.cfg.max_body} bita "
                                   "per kiriman. Kecilkan jumlah rekaman per kiriman di mesin.")
        return bytes(environ["wsgi.input"].read(int(length)))

    def _refuse_unaccepted(self, view: DeviceView, table: str) -> None:
        now = self.db.clock.now()
        self._write(lambda s: store.note_refused(s, view.serial, table, now))
        if view.status == "rejected":
            raise PushRefused(403, f"Mesin {view.serial} ditolak administrator; kiriman tidak disimpan.")
        raise PushRefused(403, f"Mesin {view.serial} menunggu persetujuan administrator; data tetap disimpan di mesin "
                               "dan dikirim ulang setelah disetujui.")

    def touch(self, serial: str, remote: str, info: str = "") -> None:
        with self._touch_lock:
            self._touches[serial] = (self.db.clock.now(), remote, info)

    def flush_touches(self) -> None:
        with self._touch_lock:
            touches, self._touches = self._touches, {}
        if touches:
            with write_transaction(self.db) as s:
                store.flush_touches(s, touches)

    # -------------------------------------------------------------- handlers
    def _cdata_get(self, serial: str, query: dict[str, str], remote: str, _env: dict[str, Any]) -> tuple[int, str]:
        if query.get("type") == "time":
            return self._rtdata(serial, query, remote, _env)
        view = self._contact(serial, query, remote)
        if view.status == "rejected":
            raise PushRefused(403, f"Mesin {serial} ditolak administrator.")
        pending = view.status == "pending"
        opts = pp.HandshakeOptions(
            serial, attlog_stamp="" if pending else view.attlog_stamp,
            operlog_stamp="" if pending else view.operlog_stamp, timezone=view.timezone,
            delay_s=self.cfg.pending_delay_s if pending else self.cfg.delay_s,
            error_delay_s=self.cfg.pending_delay_s if pending else self.cfg.error_delay_s,
            legacy=not query.get("pushver"))
        self.stats.add(f"{serial}: jabat tangan" + (" (menunggu persetujuan)" if pending else ""))
        return 200, pp.options_text(opts)

    def _upload(self, serial: str, query: dict[str, str], remote: str, env: dict[str, Any]) -> tuple[int, str]:
        body = self._body(env)
        table = query.get("table", "").upper()
        try:
            lines = pp.body_lines(body, self.cfg.max_lines)
        except BadInputError as exc:
            raise PushRefused(413, str(exc)) from None
        view = self._known(serial) or self._contact(serial, query, remote)
        if view.status != "accepted":
            self._refuse_unaccepted(view, table)
        now = self.db.clock.now()
        now_zone = self.db.clock.in_zone(view.timezone).now()
        if table == "ATTLOG":
            parsed = pp.parse_attlog(lines, now_zone, self.cfg.time_check)  # parsed here, in parallel
            result = self.writer.call(lambda: self._store_attlog(view, parsed, query.get("Stamp", ""), now, now_zone),
                                      self.cfg.write_timeout_s)
        elif table in ("OPERLOG", "USERINFO"):
            op = pp.parse_operlog(lines)
            result = self._write(lambda s: store.store_operlog(s, view, op, query.get("Stamp"), now))
        else:  # photos, biodata, option reports: not asked for (TransFlag) and not stored, acknowledged
            self.stats.add(f"{serial}: tabel {pp.shown(table, 12)} diabaikan ({len(lines)} baris)")
            return 200, f"OK: {len(lines)}"
        self.stats.add(f"{serial}: {table} {result.new} baru, {result.duplicate} sudah ada, {result.rejected} ditolak",
                       stored=result.new if table == "ATTLOG" else 0, duplicates=result.duplicate, commits=1)
        return 200, f"OK: {result.lines}"

    def _store_attlog(self, view: DeviceView, parsed: pp.ParsedAttlog, stamp: str, now: Any,
                      now_zone: Any) -> store.StoreResult:
        """Runs on the writer thread: one transaction; the fault hook marks the two crash points tests use."""
        self._batches += 1
        number, hook = self._batches, self.cfg.fault_hook
        with write_transaction(self.db) as s:
            result = store.store_attlog(s, view, parsed, stamp, now, now_zone)
            if hook is not None:
                hook("before-commit", number)
        if hook is not None:
            hook("after-commit", number)
        return result

    def _poll(self, serial: str, query: dict[str, str], remote: str, _env: dict[str, Any]) -> tuple[int, str]:
        view = self._known(serial) or self._contact(serial, query, remote)
        if view.status == "rejected":
            raise PushRefused(403, f"Mesin {serial} ditolak administrator.")
        self.touch(serial, remote, pp.info_param_summary(query.get("INFO", "")))
        if view.status != "accepted":
            return 200, "OK"
        now = self.db.clock.now()
        with self.db.session() as s:
            waiting = store.pending_commands(s, view.id, now)
        if not waiting:
            return 200, "OK"
        commands = self._write(lambda s: store.take_commands(s, view.id, now))
        if commands:
            self.stats.add(f"{serial}: {len(commands)} perintah dikirim")
        return 200, pp.commands_text(commands)

    def _devicecmd(self, serial: str, query: dict[str, str], remote: str, env: dict[str, Any]) -> tuple[int, str]:
        body = self._body(env)
        view = self._known(serial)
        if view is None or view.status != "accepted":
            raise PushRefused(403, f"Mesin {serial} belum diterima; hasil perintah tidak dicatat.")
        results = pp.parse_devicecmd(body)
        now = self.db.clock.now()
        done = self._write(lambda s: store.record_results(s, view.id, results, now))
        self.stats.add(f"{serial}: {done} hasil perintah", commits=1 if done else 0)
        return 200, "OK"

    def _rtdata(self, serial: str, query: dict[str, str], remote: str, _env: dict[str, Any]) -> tuple[int, str]:
        view = self._known(serial)
        if view is not None and view.status == "rejected":
            raise PushRefused(403, f"Mesin {serial} ditolak administrator.")
        if query.get("type") != "time":
            raise PushRefused(404, "rtdata: hanya type=time yang didukung.")
        zone = view.timezone if view is not None else self.db.clock.zone_name
        return 200, pp.time_text(self.db.clock.in_zone(zone).now(), zone)

    def _ping(self, serial: str, query: dict[str, str], remote: str, _env: dict[str, Any]) -> tuple[int, str]:
        if self._known(serial) is not None:
            self.touch(serial, remote)
        return 200, "OK"


class PushServer:
    """The receiver's lifecycle: ``start()`` binds and serves in background threads, ``stop()`` ends them."""

    def __init__(self, db: Database, config: PushConfig | None = None) -> None:
        self.db = db
        self.config = config or PushConfig()
        self.stats = PushStats()
        self.app = PushApp(db, self.config, self.stats)
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.port = self.config.port

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def url(self) -> str:
        return f"http://{self.config.bind}:{self.port}/iclock/"

    def start(self) -> PushServer:
        from waitress.server import create_server

        check_bind(self.config.bind)
        self.app.writer.start()
        try:
            self._server = create_server(
                self.app, host=self.config.bind, port=self.config.port, threads=self.config.threads,
                max_request_body_size=self.config.max_body + 65536, channel_timeout=30, connection_limit=200,
                ident="presensi-opd", asyncore_use_poll=True, expose_tracebacks=False)
        except OSError as exc:
            self.app.writer.stop()
            raise UnreachableError(f"Penerima push tidak dapat memakai {self.config.bind}:{self.config.port}: "
                                   f"{exc.strerror or exc}. Pilih port lain atau hentikan program yang memakainya.") from exc
        self.port = int(self._server.effective_port)
        self._thread = threading.Thread(target=self._server.run, name="push-http", daemon=True)
        self._thread.start()
        log.info("Penerima push berjalan di %s", self.url)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        from waitress import wasyncore

        # close every socket on the loop's own thread; the loop ends when its map is empty
        try:
            server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map, ignore_all=True))
        except OSError:
            pass  # another wake-up ran our thunk before our own write: the trigger is already closed
        if thread is not None:
            thread.join(timeout)
        # let a request in progress finish its commit: the workers are told to stop and polled (sleeping,
        # not a timed wait), then anything still queued is cancelled
        dispatcher = server.task_dispatcher
        dispatcher.set_thread_count(0)
        deadline = time.monotonic() + timeout
        while dispatcher.threads and time.monotonic() < deadline:
            time.sleep(0.01)
        dispatcher.shutdown(cancel_pending=True, timeout=0)
        self.app.writer.stop(timeout)
        self._server, self._thread = None, None
        log.info("Penerima push berhenti")

    def __enter__(self) -> PushServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def serve_forever(self, ready: Callable[[PushServer], None] | None = None) -> None:
        """Headless: serve until Ctrl+C or SIGTERM, then stop cleanly."""
        done = threading.Event()
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_a: done.set())
        self.start()
        if ready is not None:
            ready(self)
        try:
            while not done.is_set() and self.running:
                time.sleep(0.2)
        finally:
            self.stop()
