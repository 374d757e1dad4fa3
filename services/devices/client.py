"""Our own ZK client for sync (TCP or UDP).

Why not stock pyzk for the sync: its attendance parse is quadratic, one invalid
date aborts the whole read, and a link that drops while it waits for raw data
makes it spin forever. This client

- reads whole frames by their declared length and verifies every reply's checksum
  (a flipped byte is detected, never stored);
- matches each reply to its request by reply id; over UDP it drops datagrams of
  earlier requests (late duplicates, reordered answers) and corrupt ones;
- reads large data over UDP one datagram per request (stop-and-wait: no reply can
  be misplaced), re-requesting a chunk that came back short, corrupt or not at all;
- times out cleanly and hands the raw blob to the parsers (protocol.py, fastparse.py).

Every failure becomes a DeviceError (a UserError) with an Indonesian message that is
true whatever happens next: the sync layer, not the client, says whether it retries.
"""

from __future__ import annotations

import datetime as dt
import socket
import struct
from dataclasses import dataclass

from services.devices import protocol as p
from services.errors import UnreachableError, UserError
from services.jobs import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress

UDP_READ_CHUNK = p.UDP_DATAGRAM_PAYLOAD  # one DATA datagram per READ_BUFFER over UDP
CHUNK_TRIES = 4


class DeviceError(UserError):
    """A failure talking to a device; str() is the operator-facing Indonesian message."""

    title = "Perangkat bermasalah"


class DeviceUnreachable(DeviceError, UnreachableError):
    title = "Perangkat tidak dapat dihubungi"


class DeviceAuthError(DeviceError):
    pass


class DeviceDropped(DeviceError):
    """The link broke or the stream went out of step mid-transfer: reconnecting may help."""


class DeviceTimeout(DeviceDropped):
    """No answer within the timeout."""


class PacketCorrupt(DeviceDropped):
    """A reply whose checksum does not match its content."""


class DeviceLogMismatch(DeviceError):
    """The device's record count and its log disagree on every read (not a transient change)."""


@dataclass
class DeviceInfo:
    serial: str
    firmware: str
    platform: str
    name: str


@dataclass
class AttendanceBlob:
    blob: bytes
    record_size: int
    uid_to_pin: dict[int, str]
    count: int
    users: list[p.DeviceUser]
    user_size: int  # 28 / 72, 0 when the device has no users

    def records(self) -> list[p.RawRecord]:
        return p.parse_records(self.blob, self.record_size, self.uid_to_pin) if self.count else []


_IDEMPOTENT = {p.CMD_GET_VERSION, p.CMD_OPTIONS_RRQ, p.CMD_GET_TIME, p.CMD_GET_FREE_SIZES, p.CMD_DISABLEDEVICE,
               p.CMD_ENABLEDEVICE, p.CMD_FREE_DATA, p.CMD_REFRESHDATA, p.CMD_PREPARE_BUFFER, p.CMD_SET_TIME,
               p.CMD_USER_WRQ}


class ZkClient:
    def __init__(self, ip: str, port: int = 4370, protocol: str = "tcp", comm_key: int = 0, timeout: float = 10.0) -> None:
        self.ip, self.port, self.tcp = ip, int(port), protocol.lower() != "udp"
        self.comm_key = int(comm_key or 0)
        self.timeout = timeout
        self.sock: socket.socket | None = None
        self.session_id = 0
        self.reply_id = p.USHRT_MAX - 1
        self.connected = False
        self.dropped_datagrams = 0  # stale, duplicated or corrupt datagrams ignored (UDP)
        self.chunk_retries = 0  # chunks read again after a corrupt/short/missing answer

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
            self.close()
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
                "Tidak ada data yang disimpan dari pembacaan ini.")

    def _recv_packet(self) -> bytes:
        """One raw reply packet (header + payload); raises DeviceDropped on timeout or a broken link."""
        assert self.sock is not None
        try:
            if self.tcp:
                m1, m2, length = p.TCP_TOP.unpack(self._recv_exact(8))
                if (m1, m2) != (p.TCP_MAGIC_1, p.TCP_MAGIC_2) or not 8 <= length <= 1 << 20:
                    raise DeviceDropped(f"Perangkat {self.where} mengirim data yang tidak dikenal (bukan protokol ZK).")
                return self._recv_exact(length)
            return self.sock.recv(65535)
        except TimeoutError:
            raise DeviceTimeout(
                f"Perangkat {self.where} berhenti menjawab (lebih dari {self.sock.gettimeout() or self.timeout:g} detik). "
                "Tidak ada data yang disimpan dari pembacaan ini."
            ) from None
        except ConnectionError:
            raise DeviceDropped(self._dropped_msg()) from None
        except OSError as exc:
            raise DeviceDropped(f"Gangguan jaringan dengan perangkat {self.where}: {exc.strerror or exc}.") from None

    def _read_reply(self, expect: int) -> tuple[int, bytes]:
        """The next intact reply to request `expect`: (command, payload).

        TCP: any corrupt or foreign frame means the stream can no longer be trusted (PacketCorrupt /
        DeviceDropped). UDP: corrupt datagrams and answers to earlier requests are dropped and counted.
        """
        while True:
            packet = self._recv_packet()
            if len(packet) < 8 or not p.packet_intact(packet):
                if self.tcp:
                    raise PacketCorrupt(f"Paket dari perangkat {self.where} rusak (checksum tidak cocok).")
                self.dropped_datagrams += 1
                continue
            cmd, _chk, sid, reply_id = p.HEADER.unpack_from(packet)
            if reply_id != expect:
                if self.tcp:
                    raise DeviceDropped(f"Jawaban perangkat {self.where} tidak sesuai urutan permintaan.")
                self.dropped_datagrams += 1  # a late duplicate or a reordered answer to an earlier request
                continue
            if cmd in (p.CMD_ACK_OK, p.CMD_ACK_UNAUTH) and self.session_id == 0:
                self.session_id = sid
            return cmd, packet[8:]

    def _send(self, cmd: int, payload: bytes = b"") -> int:
        assert self.sock is not None
        self.reply_id = (self.reply_id + 1) % p.USHRT_MAX
        packet = p.make_packet(cmd, self.session_id, self.reply_id, payload)
        try:
            self.sock.sendall(p.tcp_wrap(packet) if self.tcp else packet)
        except OSError:
            raise DeviceDropped(self._dropped_msg()) from None
        return self.reply_id

    def _command(self, cmd: int, payload: bytes = b"") -> tuple[int, bytes]:
        """Send one command and read its reply. Over UDP an idempotent command is sent again when its answer
        is lost or corrupt (with a new reply id, so a late answer to the first try is dropped)."""
        tries = 3 if not self.tcp and cmd in _IDEMPOTENT else 1
        for attempt in range(tries):
            rid = self._send(cmd, payload)
            try:
                with self._timeout(self.timeout if attempt == tries - 1 or cmd == p.CMD_PREPARE_BUFFER
                                   else min(self.timeout, 2.0)):
                    reply, data = self._read_reply(rid)
                break
            except DeviceDropped:
                if attempt == tries - 1:
                    raise
        if reply == p.CMD_ACK_UNAUTH and cmd not in (p.CMD_CONNECT, p.CMD_AUTH):
            raise DeviceAuthError(f"Perangkat {self.where} meminta kunci komunikasi (comm key).")
        return reply, data

    def _timeout(self, seconds: float) -> _SocketTimeout:
        return _SocketTimeout(self, seconds)

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
        try:
            return p.decode_time(struct.unpack_from("<I", data)[0])
        except (ValueError, struct.error):
            raise DeviceError(f"Jam perangkat {self.where} tidak terbaca (tanggal mustahil); setel ulang jam mesin.") from None

    def set_time(self, t: dt.datetime) -> None:
        self._ok(p.CMD_SET_TIME, struct.pack("<I", p.encode_time(t)), what="atur jam")

    def disable(self) -> None:
        self._ok(p.CMD_DISABLEDEVICE, what="kunci mesin")

    def enable(self) -> None:
        self._ok(p.CMD_ENABLEDEVICE, what="buka kunci mesin")

    def clear_attendance(self) -> None:
        self._ok(p.CMD_CLEAR_ATTLOG, what="hapus log")

    def refresh(self) -> None:
        self._ok(p.CMD_REFRESHDATA, what="muat ulang data")

    def sizes(self) -> tuple[int, int]:
        """(users, attendance records) currently stored on the device."""
        fields = self.size_fields()
        return fields[4], fields[8]

    def size_fields(self) -> tuple[int, ...]:
        """The 20 counters of GET_FREE_SIZES (users [4], fingers [6], records [8], capacities [14..16])."""
        data = self._ok(p.CMD_GET_FREE_SIZES, what="baca kapasitas")
        if len(data) < 80:
            raise DeviceError(f"Jawaban kapasitas dari perangkat {self.where} tidak lengkap.")
        return struct.unpack_from("<20i", data)

    # -- large data ---------------------------------------------------------
    def read_buffer(self, command: int, fct: int = 0, progress: ProgressFn = no_progress,
                    cancel: CancelToken = NEVER_CANCELLED, label: str = "") -> bytes:
        reply, data = self._command(p.CMD_PREPARE_BUFFER, struct.pack("<bhii", 1, command, fct, 0))
        if reply == p.CMD_DATA:
            return data  # small data comes inline
        if reply != p.CMD_ACK_OK or len(data) < 5:
            raise DeviceError(f"Perangkat {self.where} tidak mendukung pembacaan data berpenyangga (kode {reply}).")
        (total,) = struct.unpack_from("<I", data, 1)
        chunk = p.TCP_CHUNK if self.tcp else UDP_READ_CHUNK
        parts: list[bytes] = []
        start = 0
        while start < total:
            cancel.raise_if_cancelled()
            size = min(chunk, total - start)
            parts.append(self._read_chunk(start, size))
            start += size
            if self.tcp or start == total or start % (64 * chunk) == 0:
                progress(start, total, label or "Membaca data dari mesin…")
        self._command(p.CMD_FREE_DATA)
        return b"".join(parts)

    def _read_chunk(self, start: int, size: int) -> bytes:
        """One READ_BUFFER chunk, asked again (up to CHUNK_TRIES) when it arrives corrupt or short."""
        for attempt in range(CHUNK_TRIES):
            try:
                data = self._read_chunk_tcp(start, size) if self.tcp else self._read_chunk_udp(start, size)
            except _ChunkBad:
                if attempt == CHUNK_TRIES - 1:
                    raise DeviceDropped(f"Data dari perangkat {self.where} berulang kali rusak atau tidak lengkap "
                                        f"(bagian mulai bita {start}).") from None
                self.chunk_retries += 1
                continue
            return data
        raise AssertionError("unreachable")

    def _read_chunk_tcp(self, start: int, size: int) -> bytes:
        rid = self._send(p.CMD_READ_BUFFER, struct.pack("<ii", start, size))
        parts: list[bytes] = []
        got, corrupt, prepared = 0, False, False
        while True:
            try:
                reply, data = self._read_reply(rid)
            except PacketCorrupt:
                corrupt = True  # the frame length was sound (we are still in step): skip to this reply's end
                continue
            if reply == p.CMD_DATA and not prepared and not corrupt and len(data) == size:
                return data  # some firmwares answer a chunk directly, without PREPARE_DATA / ACK_OK
            if reply == p.CMD_PREPARE_DATA:
                prepared = True
                continue
            if reply == p.CMD_DATA:
                parts.append(data)
                got += len(data)
            elif reply == p.CMD_ACK_OK:
                break
            else:
                raise DeviceDropped(f"Urutan data dari perangkat {self.where} tidak sesuai (kode {reply}).")
        if corrupt or got != size:
            raise _ChunkBad()
        return b"".join(parts)

    def _read_chunk_udp(self, start: int, size: int) -> bytes:
        """Stop-and-wait: the answer is PREPARE_DATA, one DATA datagram and ACK_OK, in any order, all with this
        request's reply id; a duplicate is ignored, anything missing after the ACK (or a timeout) asks again."""
        rid = self._send(p.CMD_READ_BUFFER, struct.pack("<ii", start, size))
        try:
            with self._timeout(min(self.timeout, 2.0)):
                while True:
                    reply, data = self._read_reply(rid)
                    if reply == p.CMD_DATA:
                        if len(data) == size:
                            return data
                        raise _ChunkBad()
                    if reply == p.CMD_ACK_OK:
                        raise _ChunkBad()  # the data datagram was lost, corrupt or comes too late: ask again
                    if reply != p.CMD_PREPARE_DATA:
                        raise DeviceDropped(f"Urutan data dari perangkat {self.where} tidak sesuai (kode {reply}).")
        except (DeviceTimeout, PacketCorrupt):
            raise _ChunkBad() from None

    def write_buffer(self, data: bytes) -> None:
        """Upload a buffer (pyzk _send_with_buffer): FREE_DATA, PREPARE_DATA size, DATA chunks of 1 KiB."""
        self._command(p.CMD_FREE_DATA)
        self._ok(p.CMD_PREPARE_DATA, struct.pack("<I", len(data)), what="siapkan unggahan")
        for i in range(0, len(data), 1024):
            self._ok(p.CMD_DATA, data[i : i + 1024], what="kirim data")

    # -- users, templates, log -----------------------------------------------
    def read_users(self, count: int) -> tuple[list[p.DeviceUser], int]:
        """(users, record size 28/72; 0 when the device has none)."""
        if count <= 0:
            return [], 0
        blob = self.read_buffer(p.CMD_USERTEMP_RRQ, p.FCT_USER, label="Membaca daftar pengguna mesin…")
        try:
            return p.parse_users(blob, count), p.user_size_of(blob, count)
        except ValueError as exc:
            raise DeviceDropped(f"Data pengguna dari perangkat {self.where} tidak utuh: {exc}.") from None

    def write_user(self, user: p.DeviceUser, size: int) -> None:
        self._ok(p.CMD_USER_WRQ, p.pack_user(user, size), what="simpan pengguna")

    def delete_user(self, uid: int) -> None:
        self._ok(p.CMD_DELETE_USER, struct.pack("<h", uid), what="hapus pengguna")

    def read_templates(self) -> list[p.Template]:
        if self.size_fields()[6] == 0:
            return []
        blob = self.read_buffer(p.CMD_DB_RRQ, p.FCT_FINGERTMP, label="Membaca sidik jari dari mesin…")
        try:
            return p.parse_templates(blob)
        except ValueError as exc:
            raise DeviceDropped(f"Data sidik jari dari perangkat {self.where} tidak utuh: {exc}.") from None

    def write_user_templates(self, user: p.DeviceUser, size: int, templates: list[p.Template]) -> None:
        """The user and its fingerprint templates in one upload (pyzk save_user_template)."""
        self.write_buffer(p.pack_template_upload(user, size, templates))
        self._ok(p.CMD_SAVE_USERTEMPS, struct.pack("<IHH", 12, 0, 8), what="simpan sidik jari")

    def read_attendance_blob(self, progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED,
                             attempts: int = 3) -> AttendanceBlob:
        """The raw log plus what is needed to decode it. Re-reads when the record count and the log disagree
        (punches arriving between the two reads on firmware that ignores "disable")."""
        seen: list[tuple[int, int]] = []
        for _attempt in range(attempts):
            n_users, n_records = self.sizes()
            if n_records == 0:
                return AttendanceBlob(b"", 0, {}, 0, [], 0)
            users, user_size = self.read_users(n_users)
            blob = self.read_buffer(p.CMD_ATTLOG_RRQ, progress=progress, cancel=cancel,
                                    label="Membaca log kehadiran dari mesin…")
            size = p.record_size_of(blob, n_records)
            if size:
                return AttendanceBlob(blob, size, {u.uid: u.user_id for u in users}, n_records, users, user_size)
            seen.append((n_records, int.from_bytes(blob[:4], "little") if len(blob) >= 4 else 0))
        if len(set(seen)) == 1:
            n, total = seen[0]
            raise DeviceLogMismatch(
                f"Perangkat {self.where} melaporkan {n} rekaman, tetapi isi lognya {total} bita — tidak cocok dengan "
                f"ukuran rekaman mana pun (8, 16 atau 40 bita). Hasilnya sama pada {attempts} kali pembacaan, jadi "
                "log tidak sedang berubah: format log mesin ini belum didukung atau lognya rusak. Tidak ada yang disimpan."
            )
        raise DeviceError(
            f"Log perangkat {self.where} berubah di antara pembacaan jumlah rekaman dan isi log "
            f"({', '.join(f'{n} rekaman/{t} bita' for n, t in seen)}): mesin tetap mencatat walau sudah dikunci. "
            "Tidak ada yang disimpan; coba lagi saat tidak ada pegawai yang sedang absen."
        )

    def read_attendance(self) -> list[p.RawRecord]:
        return self.read_attendance_blob().records()


class _ChunkBad(Exception):
    """A READ_BUFFER answer that must be asked for again (internal to the client)."""


class _SocketTimeout:
    """Temporarily use another socket timeout (short waits for UDP retransmission)."""

    def __init__(self, client: ZkClient, seconds: float) -> None:
        self.client, self.seconds = client, seconds

    def __enter__(self) -> None:
        if self.client.sock is not None:
            self.client.sock.settimeout(self.seconds)

    def __exit__(self, *_exc: object) -> None:
        if self.client.sock is not None:
            self.client.sock.settimeout(self.client.timeout)

