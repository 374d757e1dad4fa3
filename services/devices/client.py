"""Our own ZK client for sync (TCP or UDP).

Why not stock pyzk for the sync: its attendance parse is quadratic, one invalid
date aborts the whole read, and a link that drops while it waits for raw data
makes it spin forever. This client reads whole frames by their declared length,
times out cleanly, and hands the raw blob to the linear parsers in protocol.py.
Every failure becomes a DeviceError with an Indonesian message for the operator.
"""

from __future__ import annotations

import datetime as dt
import socket
import struct
from dataclasses import dataclass

from services.devices import protocol as p
from services.errors import UnreachableError, UserError
from services.jobs import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress


class DeviceError(UserError):
    """A failure talking to a device; str() is the operator-facing Indonesian message."""


class DeviceUnreachable(DeviceError, UnreachableError):
    pass


class DeviceAuthError(DeviceError):
    pass


class DeviceDropped(DeviceError):
    """The link broke or the stream went out of step mid-transfer: reconnect and retry."""


@dataclass
class DeviceInfo:
    serial: str
    firmware: str
    platform: str
    name: str


class ZkClient:
    def __init__(self, ip: str, port: int = 4370, protocol: str = "tcp", comm_key: int = 0, timeout: float = 10.0) -> None:
        self.ip, self.port, self.tcp = ip, int(port), protocol.lower() != "udp"
        self.comm_key = int(comm_key or 0)
        self.timeout = timeout
        self.sock: socket.socket | None = None
        self.session_id = 0
        self.reply_id = p.USHRT_MAX - 1
        self.connected = False

    @property
    def where(self) -> str:
        return f"{self.ip}:{self.port} ({'TCP' if self.tcp else 'UDP'})"

    # -- connection ---------------------------------------------------------
    def connect(self) -> ZkClient:
        try:
            if self.tcp:
                self.sock = socket.create_connection((self.ip, self.port), timeout=self.timeout)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            else:
                self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                self.sock.settimeout(self.timeout)
                self.sock.connect((self.ip, self.port))
        except TimeoutError:
            raise DeviceUnreachable(
                f"Perangkat {self.where} tidak menjawab dalam {self.timeout:g} detik. "
                "Periksa alamat IP, port, kabel jaringan dan apakah mesin menyala."
            ) from None
        except OSError as exc:
            raise DeviceUnreachable(
                f"Perangkat {self.where} tidak dapat dihubungi ({exc.strerror or exc}). "
                "Periksa alamat IP, port, kabel jaringan dan apakah mesin menyala."
            ) from None
        self.session_id, self.reply_id = 0, p.USHRT_MAX - 1
        try:
            cmd, _ = self._command(p.CMD_CONNECT)
        except DeviceDropped:
            if not self.tcp:  # UDP has no connect step: silence is the only sign of an absent device
                raise DeviceUnreachable(
                    f"Perangkat {self.where} tidak menjawab. Periksa alamat IP, port dan apakah mesin menyala."
                ) from None
            raise
        if cmd == p.CMD_ACK_UNAUTH:
            cmd, _ = self._command(p.CMD_AUTH, p.make_commkey(self.comm_key, self.session_id))
            if cmd != p.CMD_ACK_OK:
                self.close()
                raise DeviceAuthError(
                    f"Kunci komunikasi (comm key) ditolak oleh perangkat {self.where}. "
                    "Samakan kunci di menu Perangkat dengan pengaturan Comm Key di mesin."
                )
        elif cmd != p.CMD_ACK_OK:
            self.close()
            raise DeviceError(f"Perangkat {self.where} menolak sambungan (kode {cmd}).")
        self.connected = True
        return self

    def close(self) -> None:
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None
        self.connected = False

    def disconnect(self) -> None:
        try:
            if self.connected:
                self._command(p.CMD_EXIT)
        except DeviceError:
            pass
        finally:
            self.close()

    def __enter__(self) -> ZkClient:
        return self.connect()

    def __exit__(self, *_exc: object) -> None:
        self.disconnect()

    # -- framing ------------------------------------------------------------
    def _recv_exact(self, n: int) -> bytes:
        assert self.sock is not None
        buf = bytearray()
        while len(buf) < n:
            chunk = self.sock.recv(min(n - len(buf), 1 << 20))
            if not chunk:
                raise DeviceDropped(self._dropped_msg())
            buf += chunk
        return bytes(buf)

    def _dropped_msg(self) -> str:
        return (f"Sambungan ke perangkat {self.where} terputus di tengah pengiriman data. "
                "Tidak ada data yang disimpan dari pembacaan ini; sinkron akan diulang.")

    def _read_packet(self) -> tuple[int, int, bytes]:
        """One reply: (command, reply_id, payload)."""
        assert self.sock is not None
        try:
            if self.tcp:
                m1, m2, length = p.TCP_TOP.unpack(self._recv_exact(8))
                if (m1, m2) != (p.TCP_MAGIC_1, p.TCP_MAGIC_2) or length < 8:
                    raise DeviceDropped(f"Perangkat {self.where} mengirim data yang tidak dikenal; sambungan diulang.")
                packet = self._recv_exact(length)
            else:
                packet = self.sock.recv(65535)
                if len(packet) < 8:
                    raise DeviceDropped(f"Perangkat {self.where} mengirim paket rusak; sambungan diulang.")
        except TimeoutError:
            raise DeviceDropped(
                f"Perangkat {self.where} berhenti menjawab (lebih dari {self.timeout:g} detik). "
                "Tidak ada data yang disimpan dari pembacaan ini."
            ) from None
        except ConnectionError:
            raise DeviceDropped(self._dropped_msg()) from None
        except OSError as exc:
            raise DeviceDropped(f"Gangguan jaringan dengan perangkat {self.where}: {exc.strerror or exc}.") from None
        cmd, _chk, sid, reply_id = p.HEADER.unpack_from(packet)
        if cmd in (p.CMD_ACK_OK, p.CMD_ACK_UNAUTH) and self.session_id == 0:
            self.session_id = sid
        return cmd, reply_id, packet[8:]

    def _send(self, cmd: int, payload: bytes = b"") -> None:
        assert self.sock is not None
        self.reply_id = (self.reply_id + 1) % p.USHRT_MAX
        packet = p.make_packet(cmd, self.session_id, self.reply_id, payload)
        try:
            self.sock.sendall(p.tcp_wrap(packet) if self.tcp else packet)
        except OSError:
            raise DeviceDropped(self._dropped_msg()) from None

    def _command(self, cmd: int, payload: bytes = b"") -> tuple[int, bytes]:
        self._send(cmd, payload)
        reply, _rid, data = self._read_packet()
        if reply == p.CMD_ACK_UNAUTH and cmd not in (p.CMD_CONNECT, p.CMD_AUTH):
            raise DeviceAuthError(f"Perangkat {self.where} meminta kunci komunikasi (comm key).")
        return reply, data

    def _ok(self, cmd: int, payload: bytes = b"", what: str = "") -> bytes:
        reply, data = self._command(cmd, payload)
        if reply not in (p.CMD_ACK_OK, p.CMD_DATA, p.CMD_PREPARE_DATA):
            raise DeviceError(f"Perangkat {self.where} menolak perintah {what or cmd} (kode {reply}).")
        return data

    # -- simple commands ----------------------------------------------------
    def option(self, key: str) -> str:
        reply, data = self._command(p.CMD_OPTIONS_RRQ, key.encode() + b"\x00")
        if reply != p.CMD_ACK_OK:
            return ""
        return data.split(b"\x00", 1)[0].split(b"=", 1)[-1].decode(errors="ignore")

    def info(self) -> DeviceInfo:
        firmware = self._ok(p.CMD_GET_VERSION, what="versi firmware").split(b"\x00", 1)[0].decode(errors="ignore")
        return DeviceInfo(self.option("~SerialNumber"), firmware, self.option("~Platform"), self.option("~DeviceName"))

    def get_time(self) -> dt.datetime:
        data = self._ok(p.CMD_GET_TIME, what="baca jam")
        return p.decode_time(struct.unpack_from("<I", data)[0])

    def set_time(self, t: dt.datetime) -> None:
        self._ok(p.CMD_SET_TIME, struct.pack("<I", p.encode_time(t)), what="atur jam")

    def disable(self) -> None:
        self._ok(p.CMD_DISABLEDEVICE, what="kunci mesin")

    def enable(self) -> None:
        self._ok(p.CMD_ENABLEDEVICE, what="buka kunci mesin")

    def clear_attendance(self) -> None:
        self._ok(p.CMD_CLEAR_ATTLOG, what="hapus log")

    def sizes(self) -> tuple[int, int]:
        """(users, attendance records) currently stored on the device."""
        data = self._ok(p.CMD_GET_FREE_SIZES, what="baca kapasitas")
        if len(data) < 80:
            raise DeviceError(f"Jawaban kapasitas dari perangkat {self.where} tidak lengkap.")
        fields = struct.unpack_from("<20i", data)
        return fields[4], fields[8]

    # -- large data ---------------------------------------------------------
    def read_buffer(self, command: int, fct: int = 0, progress: ProgressFn = no_progress,
                    cancel: CancelToken = NEVER_CANCELLED, label: str = "") -> bytes:
        reply, data = self._command(p.CMD_PREPARE_BUFFER, struct.pack("<bhii", 1, command, fct, 0))
        if reply == p.CMD_DATA:
            return data  # small data comes inline
        if reply != p.CMD_ACK_OK or len(data) < 5:
            raise DeviceError(f"Perangkat {self.where} tidak mendukung pembacaan data berpenyangga (kode {reply}).")
        (total,) = struct.unpack_from("<I", data, 1)
        chunk = p.TCP_CHUNK if self.tcp else p.UDP_CHUNK
        parts: list[bytes] = []
        start = 0
        while start < total:
            cancel.raise_if_cancelled()
            size = min(chunk, total - start)
            parts.append(self._read_chunk(start, size))
            start += size
            progress(start, total, label or "Membaca data dari mesin…")
        self._command(p.CMD_FREE_DATA)
        return b"".join(parts)

    def _read_chunk(self, start: int, size: int) -> bytes:
        self._send(p.CMD_READ_BUFFER, struct.pack("<ii", start, size))
        reply, _rid, data = self._read_packet()
        if reply == p.CMD_DATA:  # some firmwares answer a chunk directly
            return data
        if reply != p.CMD_PREPARE_DATA:
            raise DeviceDropped(f"Urutan data dari perangkat {self.where} tidak sesuai (kode {reply}); sambungan diulang.")
        parts: list[bytes] = []
        got = 0
        while True:
            reply, _rid, data = self._read_packet()
            if reply == p.CMD_DATA:
                parts.append(data)
                got += len(data)
            elif reply == p.CMD_ACK_OK:
                break
            else:
                raise DeviceDropped(f"Urutan data dari perangkat {self.where} tidak sesuai (kode {reply}).")
        if got != size:
            raise DeviceDropped(f"Perangkat {self.where} mengirim {got} dari {size} bita; sambungan diulang.")
        return b"".join(parts)

    def read_users(self, count: int) -> list[p.DeviceUser]:
        if count <= 0:
            return []
        blob = self.read_buffer(p.CMD_USERTEMP_RRQ, p.FCT_USER, label="Membaca daftar pengguna mesin…")
        try:
            return p.parse_users(blob, count)
        except ValueError as exc:
            raise DeviceDropped(f"Data pengguna dari perangkat {self.where} tidak utuh: {exc}.") from None

    def read_attendance_blob(self, progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED,
                             attempts: int = 3) -> AttendanceBlob:
        """The raw log plus what is needed to decode it. Re-reads when the record count and the blob disagree
        (punches arrived between the two reads on firmware that ignores "disable")."""
        for _attempt in range(attempts):
            n_users, n_records = self.sizes()
            if n_records == 0:
                return AttendanceBlob(b"", 0, {}, 0)
            users = self.read_users(n_users)
            blob = self.read_buffer(p.CMD_ATTLOG_RRQ, progress=progress, cancel=cancel,
                                    label="Membaca log kehadiran dari mesin…")
            size = p.record_size_of(blob, n_records)
            if size:
                return AttendanceBlob(blob, size, {u.uid: u.user_id for u in users}, n_records)
        raise DeviceError(
            f"Isi log perangkat {self.where} terus berubah selama dibaca. Tidak ada yang disimpan; "
            "coba lagi saat tidak ada pegawai yang sedang absen."
        )

    def read_attendance(self) -> list[p.RawRecord]:
        return self.read_attendance_blob().records()


@dataclass
class AttendanceBlob:
    blob: bytes
    record_size: int
    uid_to_pin: dict[int, str]
    count: int

    def records(self) -> list[p.RawRecord]:
        return p.parse_records(self.blob, self.record_size, self.uid_to_pin) if self.count else []

    def key_rows(self) -> tuple[list[tuple[str, str, int, int]], list[tuple[int, str, int]]]:
        return p.records_to_key_rows(self.blob, self.record_size, self.uid_to_pin) if self.count else ([], [])
