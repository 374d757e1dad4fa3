"""A throw-away PostgreSQL cluster that behaves like the production central server: TLS with a test-CA
certificate, scram-sha-256 passwords, pg_hba `host all all 127.0.0.1/32 scram-sha-256`.

initdb refuses to run as root, so as root the cluster runs as the `postgres` system user (data under a
temporary folder chowned to it). Session-scoped: one cluster for every test that asks for it.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from services.clock import SystemClock
from services.demo.pki import DemoPki

SUPERUSER_PASSWORD = "sandi-super-uji"


@dataclass(frozen=True)
class TlsCluster:
    port: int
    ca_path: Path  # the CA that signed the server certificate
    other_ca_path: Path  # a CA that did not
    admin_url: str  # superuser over TLS verify-full, password in the URL (test only)

    def url(self, user: str, dbname: str = "postgres", ca: Path | None = None) -> str:
        ca = ca or self.ca_path
        return (f"postgresql://{user}@127.0.0.1:{self.port}/{dbname}?sslmode=verify-full&sslrootcert={ca}")


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if not found:
        pytest.fail("initdb tidak ditemukan di /usr/lib/postgresql/*/bin (paket postgresql wajib untuk uji ini)")
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_cluster_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", "postgres", "--", *argv]


def _own(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")


@pytest.fixture(scope="session")
def tls_cluster() -> Iterator[TlsCluster]:
    bin_dir = _bin_dir()
    # not under pytest's basetemp: /tmp/pytest-of-<user> is private (0700) and the cluster user must reach it
    root = Path(tempfile.mkdtemp(prefix="presensi-pg-tls-"))
    root.chmod(0o755)
    try:
        yield from _run_cluster(bin_dir, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _run_cluster(bin_dir: Path, root: Path) -> Iterator[TlsCluster]:
    pki = DemoPki(SystemClock(), name="CA Uji Server Pusat")
    other = DemoPki(SystemClock(), name="CA Lain")
    server = pki.issue_tls_server("localhost", ("127.0.0.1",))
    ca_path, other_path = root / "ca.pem", root / "ca-lain.pem"
    ca_path.write_bytes(pki.root_pem)
    other_path.write_bytes(other.root_pem)
    data, certs = root / "data", root / "certs"
    certs.mkdir()
    (certs / "server.crt").write_bytes(server.cert_pem)
    (certs / "server.key").write_bytes(server.key_pem)
    (certs / "server.key").chmod(0o600)
    pwfile = root / "pw"
    pwfile.write_text(SUPERUSER_PASSWORD + "\n")
    for p in (certs, certs / "server.crt", certs / "server.key", pwfile):
        _own(p)
    data.mkdir()
    sockets = root / "sock"
    sockets.mkdir()
    for p in (data, sockets):
        _own(p)
    subprocess.run(_as_cluster_user([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=scram-sha-256",
                                     f"--pwfile={pwfile}", "-E", "UTF8", "--no-instructions"]),
                   check=True, capture_output=True, timeout=300)
    port = _free_port()
    with (data / "postgresql.conf").open("a") as f:
        f.write(f"\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{sockets}'\n"
                "password_encryption = 'scram-sha-256'\nssl = on\n"
                f"ssl_cert_file = '{certs / 'server.crt'}'\nssl_key_file = '{certs / 'server.key'}'\n"
                "fsync = off\nshared_buffers = 16MB\nmax_connections = 40\n")
    (data / "pg_hba.conf").write_text("host all all 127.0.0.1/32 scram-sha-256\n")
    log = root / "server.log"
    log.touch()
    _own(log)
    ctl = str(bin_dir / "pg_ctl")
    started = subprocess.run(_as_cluster_user([ctl, "-D", str(data), "-l", str(log), "-w", "-t", "120", "start"]),
                             capture_output=True, text=True, timeout=180)
    if started.returncode != 0:
        pytest.fail(f"PostgreSQL uji tidak mau mulai: {started.stderr}\n{log.read_text()[-2000:]}")
    try:
        admin = (f"postgresql://postgres:{SUPERUSER_PASSWORD}@127.0.0.1:{port}/postgres"
                 f"?sslmode=verify-full&sslrootcert={ca_path}")
        yield TlsCluster(port, ca_path, other_path, admin)
    finally:
        subprocess.run(_as_cluster_user([ctl, "-D", str(data), "-m", "fast", "-w", "stop"]), capture_output=True,
                       timeout=120)
