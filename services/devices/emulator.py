"""A protocol-faithful ZK fingerprint device emulator (TCP and UDP on the same port).

It speaks what the unmodified pyzk 0.9 client sends (see ZK_PROTOCOL.md): comm key
auth, 28/72-byte users (read, write, delete), fingerprint templates (read, upload),
8/16/40-byte attendance records, inline or buffered large data, time get/set, clear
log, disable/enable. Like a real device it writes every reply frame separately
(several npm clients read frame by frame). Fault knobs (emulator_state.Faults)
reproduce what goes wrong in the field: a link that drops mid-transfer, impossible
dates, punches arriving while a client reads, coalesced replies, flipped bytes,
duplicated and reordered UDP datagrams.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import socket
import struct
import threading
import time

from services.devices import protocol as p
from services.devices.emulator_state import DeviceState, Faults

__all__ = ["DeviceState", "Emulator", "Faults"]

log = logging.getLogger(__name__)

LINK_SEGMENT = 1460  # an Ethernet TCP segment: what a device's NIC hands the wire at a time


class _Dropped(Exception):
    pass


class _Session:
    def __init__(self, state: DeviceState, server: Emulator, udp: bool = False) -> None:
        self.state = state
        self.udp = udp
        self.server = server
        self.session_id = random.randint(1, 0xFFFE)
        self.authed = state.comm_key == 0
        self.buffer = b""  # prepared for READ_BUFFER
        self.upload = bytearray()  # what a client sent with PREPARE_DATA + DATA (template upload)
        self.sent = 0
        self.drop_limit: int | None = None
        with server.fault_lock:
            f = state.faults
            if f.drop_after_bytes is not None and server.drops_done < f.drop_count:
                server.drops_done += 1
                self.drop_limit = f.drop_after_bytes

    # returns a list of (command, payload) replies; the transport frames them
    def handle(self, cmd: int, payload: bytes) -> list[tuple[int, bytes]]:
        st = self.state
        if cmd == p.CMD_CONNECT:
            self.authed = st.comm_key == 0
            return [(p.CMD_ACK_OK if self.authed else p.CMD_ACK_UNAUTH, b"")]
        if cmd == p.CMD_AUTH:
            ok = len(payload) >= 4 and payload[:4] == p.make_commkey(st.comm_key, self.session_id, payload[2])
            self.authed = ok
            return [(p.CMD_ACK_OK if ok else p.CMD_ACK_UNAUTH, b"")]
        if not self.authed:
            return [(p.CMD_ACK_UNAUTH, b"")]
        if cmd == p.CMD_EXIT:
            st.set_enabled(True)
            return [(p.CMD_ACK_OK, b"")]
        if cmd in (p.CMD_ENABLEDEVICE, p.CMD_DISABLEDEVICE):
            st.set_enabled(cmd == p.CMD_ENABLEDEVICE)
            return [(p.CMD_ACK_OK, b"")]
        if cmd == p.CMD_GET_VERSION:
            return [(p.CMD_ACK_OK, st.firmware.encode() + b"\x00")]
        if cmd == p.CMD_OPTIONS_RRQ:
            return [self._option(payload.split(b"\x00", 1)[0].decode(errors="ignore"))]
        if cmd == p.CMD_GET_FREE_SIZES:
            with st.lock:
                return [(p.CMD_ACK_OK, st.sizes_payload())]
        if cmd == p.CMD_GET_TIME:
            return [(p.CMD_ACK_OK, struct.pack("<I", p.encode_time(st.now())))]
        if cmd == p.CMD_SET_TIME and len(payload) >= 4:
            target = p.decode_time(struct.unpack_from("<I", payload)[0])
            st.clock_offset = target - st.true_local_now()
            return [(p.CMD_ACK_OK, b"")]
        if cmd == p.CMD_CLEAR_ATTLOG:
            st.clear_log()
            return [(p.CMD_ACK_OK, b"")]
        if cmd in (p.CMD_USER_WRQ, p.CMD_DELETE_USER, p.CMD_PREPARE_DATA, p.CMD_DATA, p.CMD_SAVE_USERTEMPS):
            return [self._write(cmd, payload)]
        if cmd in (p.CMD_REFRESHDATA, p.CMD_ACK_ERROR, p.CMD_ACK_UNKNOWN):
            return [(p.CMD_ACK_OK, b"")]
        if cmd == p.CMD_PREPARE_BUFFER:
            return self._prepare_buffer(payload)
        if cmd == p.CMD_READ_BUFFER and len(payload) >= 8:
            start, size = struct.unpack_from("<ii", payload)
            chunk = self.buffer[start : start + size]
            return [(p.CMD_PREPARE_DATA, struct.pack("<II", len(chunk), 0)), (p.CMD_DATA, chunk), (p.CMD_ACK_OK, b"")]
        if cmd == p.CMD_FREE_DATA:
            self.buffer = b""
            self.upload.clear()
            return [(p.CMD_ACK_OK, b"")]
        return [(p.CMD_ACK_UNKNOWN, b"")]

    def _write(self, cmd: int, payload: bytes) -> tuple[int, bytes]:
        """Users and templates written by a client (pyzk set_user / delete_user / save_user_template)."""
        st = self.state
        if cmd == p.CMD_USER_WRQ:
            if len(payload) not in p.USER_SIZES:
                return (p.CMD_ACK_ERROR, b"")
            st.put_user(p.unpack_user(payload))
            return (p.CMD_ACK_OK, b"")
        if cmd == p.CMD_DELETE_USER:
            (uid,) = struct.unpack_from("<h", payload.ljust(2, b"\x00"))
            return (p.CMD_ACK_OK if st.delete_user(uid) else p.CMD_ACK_ERROR, b"")
        if cmd == p.CMD_PREPARE_DATA:
            self.upload = bytearray()
            return (p.CMD_ACK_OK, b"")
        if cmd == p.CMD_DATA:
            self.upload += payload
            return (p.CMD_ACK_OK, b"")
        try:  # CMD_SAVE_USERTEMPS
            users, templates = p.parse_template_upload(bytes(self.upload))
        except (ValueError, struct.error):
            return (p.CMD_ACK_ERROR, b"")
        for u in users:
            st.put_user(u)
        st.put_templates(templates)
        self.upload.clear()
        return (p.CMD_ACK_OK, b"")

    def _option(self, key: str) -> tuple[int, bytes]:
        st = self.state
        values = {
            "~SerialNumber": st.serial, "~Platform": st.platform, "~DeviceName": st.device_name,
            "~ZKFPVersion": "10", "~ExtendFmt": "0", "~UserExtFmt": "0", "FaceFunOn": "0", "ZKFaceVersion": "0",
            "CompatOldFirmware": "0", "MAC": "00:17:61:00:00:01", "IPAddress": "127.0.0.1",
            "NetMask": "255.255.255.0", "GATEIPAddress": "0.0.0.0",
        }
        if key not in values:
            return (p.CMD_ACK_ERROR, b"")
        return (p.CMD_ACK_OK, f"{key}={values[key]}".encode() + b"\x00")

    def _prepare_buffer(self, payload: bytes) -> list[tuple[int, bytes]]:
        st = self.state
        _one, command, fct, _ext = struct.unpack_from("<bhii", payload.ljust(11, b"\x00"))
        f = st.faults
        if command == p.CMD_ATTLOG_RRQ and f.hold_attlog is not None:
            with self.server.fault_lock:
                f.held_reads += 1
            f.holding.set()
            f.hold_attlog.wait(30)
            with self.server.fault_lock:
                f.held_reads -= 1
        if command == p.CMD_ATTLOG_RRQ and f.add_during_read:
            self._inject_arrivals(f.add_during_read)
            if f.add_during_read_once:
                f.add_during_read = 0
        with st.lock:
            if command == p.CMD_ATTLOG_RRQ:
                blob = st.log_blob()
            elif command == p.CMD_USERTEMP_RRQ and fct == p.FCT_USER:
                blob = p.pack_users(st.users, st.user_size)
            elif command == p.CMD_DB_RRQ and fct == p.FCT_FINGERTMP:
                blob = p.pack_templates(st.templates)
            else:
                blob = struct.pack("<I", 0)
        inline_max = 1016 if self.udp else 4096  # a UDP reply must fit one 1024-byte datagram
        if st.large_data_mode == "inline" or (st.large_data_mode == "auto" and len(blob) <= inline_max):
            if not self.udp or len(blob) <= 1016:
                return [(p.CMD_DATA, blob)]
        self.buffer = blob
        return [(p.CMD_ACK_OK, struct.pack("<BII", 0, len(blob), 0))]

    def _inject_arrivals(self, n: int) -> None:
        st = self.state
        if not st.users:
            return
        base = st.now()
        for i in range(n):
            u = st.users[i % len(st.users)]
            st.add_punch(u.user_id, base + dt.timedelta(seconds=i + 1), state=0)


class Emulator:
    """Serves one DeviceState over TCP and UDP on 127.0.0.1 (or host) at one port."""

    def __init__(self, state: DeviceState | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = state or DeviceState()
        self.host = host
        self.requested_port = port
        self.port = 0
        self.fault_lock = threading.Lock()
        self.drops_done = 0
        self._udp_count = 0
        self._data_frames = 0
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._tcp: socket.socket | None = None
        self._udp: socket.socket | None = None
        self._conns: set[socket.socket] = set()
        self._udp_sessions: dict[tuple[str, int], _Session] = {}
        self._udp_lock = threading.Lock()

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> Emulator:
        for _attempt in range(50):
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            tcp.bind((self.host, self.requested_port))
            port = tcp.getsockname()[1]
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                udp.bind((self.host, port))
            except OSError:
                tcp.close()
                udp.close()
                if self.requested_port:
                    raise
                continue
            break
        else:  # pragma: no cover - the ephemeral range is never this crowded
            raise OSError("tidak ada port bebas untuk emulator")
        tcp.listen(8)
        tcp.settimeout(0.2)
        udp.settimeout(0.2)
        udp.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
        self._tcp, self._udp, self.port = tcp, udp, port
        for target in (self._serve_tcp, self._serve_udp):
            t = threading.Thread(target=target, daemon=True, name=f"zk-emulator-{port}")
            t.start()
            self._threads.append(t)
        return self

    def stop(self) -> None:
        self._stop.set()
        for c in list(self._conns):
            try:
                c.close()
            except OSError:
                pass
        for t in self._threads:
            t.join(timeout=2)
        for s in (self._tcp, self._udp):
            if s is not None:
                s.close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        try:
            while not self._stop.wait(0.5):
                pass
        finally:
            self.stop()

    # -- TCP ----------------------------------------------------------------
    def _serve_tcp(self) -> None:
        assert self._tcp is not None
        while not self._stop.is_set():
            try:
                conn, _addr = self._tcp.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._conns.add(conn)
            threading.Thread(target=self._tcp_client, args=(conn,), daemon=True).start()

    @staticmethod
    def _recv_exact(conn: socket.socket, n: int) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            chunk = conn.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("closed")
            buf += chunk
        return bytes(buf)

    def _tcp_client(self, conn: socket.socket) -> None:
        session: _Session | None = None
        conn.settimeout(1.0)
        try:
            while not self._stop.is_set():
                try:
                    top = self._recv_exact(conn, 8)
                except TimeoutError:
                    continue
                magic1, magic2, length = p.TCP_TOP.unpack(top)
                if (magic1, magic2) != (p.TCP_MAGIC_1, p.TCP_MAGIC_2) or not 8 <= length <= 1 << 20:
                    return  # not the ZK protocol: hang up like a device does
                packet = self._recv_exact(conn, length)
                cmd, _chk, _sid, reply_id = p.HEADER.unpack_from(packet)
                if cmd == p.CMD_ACK_OK:
                    continue  # the client acknowledging an event; no answer
                if session is None or cmd == p.CMD_CONNECT:
                    session = _Session(self.state, self)
                replies = session.handle(cmd, packet[8:])
                frames = [p.tcp_wrap(self._packet(c, session.session_id, reply_id, data)) for c, data in replies]
                if self.state.faults.coalesce_replies:
                    frames = [b"".join(frames)]  # the old emulator's habit: a whole reply in one write
                for frame in frames:  # like a device: one write per frame (npm clients read frame by frame)
                    self._send_tcp(conn, session, frame)
                if cmd == p.CMD_EXIT:
                    return
        except (ConnectionError, OSError, _Dropped):
            pass
        finally:
            if session is not None:
                self.state.set_enabled(True)  # a device re-enables itself when its client goes away
            self._conns.discard(conn)
            try:
                conn.close()
            except OSError:
                pass

    def _packet(self, cmd: int, session_id: int, reply_id: int, data: bytes) -> bytes:
        """One reply packet; the flipped-byte fault corrupts a data payload after its checksum was computed."""
        packet = p.make_packet(cmd, session_id, reply_id, data)
        f = self.state.faults
        if cmd == p.CMD_DATA and data and f.flip_data_frames > 0:
            with self.fault_lock:
                self._data_frames += 1
                if f.flip_data_frames > 0 and self._data_frames % max(1, f.flip_every) == 0:
                    f.flip_data_frames -= 1
                    i = 8 + min(f.flip_offset, len(data) - 1)
                    packet = packet[:i] + bytes([packet[i] ^ 0x10]) + packet[i + 1 :]
        return packet

    def _udp_disorder(self, datagrams: list[bytes]) -> list[bytes]:
        """Duplicate / swap datagrams as a lossy network does (faults.duplicate_every, swap_every)."""
        f = self.state.faults
        if not (f.duplicate_every or f.swap_every):
            return datagrams
        out: list[bytes] = []
        with self.fault_lock:
            for d in datagrams:
                self._udp_count += 1
                out.append(d)
                if f.duplicate_every and self._udp_count % f.duplicate_every == 0:
                    out.append(d)
                if f.swap_every and self._udp_count % f.swap_every == 0 and len(out) >= 2:
                    out[-1], out[-2] = out[-2], out[-1]
        return out

    def _send_tcp(self, conn: socket.socket, session: _Session, data: bytes) -> None:
        if session.drop_limit is not None and session.sent + len(data) > session.drop_limit:
            conn.sendall(data[: max(0, session.drop_limit - session.sent)])
            # the device re-enables itself as the link goes, before the client can see the hang-up (so a
            # client that gives up at once never finds it still disabled)
            self.state.set_enabled(True)
            conn.shutdown(socket.SHUT_RDWR)
            raise _Dropped()
        st = self.state
        if st.faults.coalesce_replies:
            conn.sendall(data)  # the whole reply in one write, never split (the fault being reproduced)
        elif st.frame_gap_s or st.link_bytes_per_s:
            self._send_paced(conn, data)
        else:
            conn.sendall(data)
        session.sent += len(data)

    def _send_paced(self, conn: socket.socket, data: bytes) -> None:
        """A device on a real link: a pause before each frame (its CPU), then segments at the link's rate."""
        st = self.state
        if st.frame_gap_s:
            time.sleep(st.frame_gap_s)
        if not st.link_bytes_per_s:
            conn.sendall(data)
            return
        start = time.monotonic()
        for i in range(0, len(data), LINK_SEGMENT):
            conn.sendall(data[i : i + LINK_SEGMENT])
            ahead = (i + LINK_SEGMENT) / st.link_bytes_per_s - (time.monotonic() - start)
            if ahead > 0.001:
                time.sleep(ahead)

    # -- UDP ----------------------------------------------------------------
    def _serve_udp(self) -> None:
        assert self._udp is not None
        sock = self._udp
        while not self._stop.is_set():
            try:
                packet, addr = sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            if len(packet) < 8:
                continue
            cmd, _chk, _sid, reply_id = p.HEADER.unpack_from(packet)
            if cmd == p.CMD_ACK_OK:
                continue
            session = self._udp_sessions.get(addr)
            if session is None or cmd == p.CMD_CONNECT:
                session = _Session(self.state, self, udp=True)
                self._udp_sessions[addr] = session
            if session.drop_limit is not None and session.sent >= session.drop_limit:
                continue  # the link is "down" for this client until it reconnects
            replies = session.handle(cmd, packet[8:])
            datagrams: list[bytes] = []
            for c, data in replies:
                if c == p.CMD_DATA and len(data) > p.UDP_DATAGRAM_PAYLOAD and replies[0][0] == p.CMD_PREPARE_DATA:
                    for i in range(0, len(data), p.UDP_DATAGRAM_PAYLOAD):
                        datagrams.append(self._packet(c, session.session_id, reply_id, data[i : i + p.UDP_DATAGRAM_PAYLOAD]))
                elif c == p.CMD_PREPARE_DATA:
                    datagrams.append(self._packet(c, session.session_id, reply_id, data[:4]))
                else:
                    datagrams.append(self._packet(c, session.session_id, reply_id, data))
            for d in self._udp_disorder(datagrams):
                if session.drop_limit is not None and session.sent + len(d) > session.drop_limit:
                    session.sent = session.drop_limit
                    break
                sock.sendto(d, addr)
                session.sent += len(d)
            if cmd == p.CMD_EXIT:
                self._udp_sessions.pop(addr, None)
                self.state.set_enabled(True)
