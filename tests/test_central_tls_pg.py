"""The OPD talks to the central BKPSDM PostgreSQL like in production: TLS verify-full against the configured
CA and scram-sha-256 passwords, on a real temporary cluster (tests/pg_tls_fixtures.py)."""

from __future__ import annotations

import psycopg
import pytest

from services.auth.users import SYSTEM_USER
from services.central.client import (
    MAX_BUNDLE_BYTES,
    BundleTooLarge,
    CentralAuthFailed,
    CentralTlsError,
    connect,
    connection_options,
    submit,
)
from services.central.outbox import OutboxError, central_url, configure_central
from tests.central_fixtures import fake_bundle, make_central

pytest_plugins = ["tests.pg_tls_fixtures"]


@pytest.fixture
def central(tls_cluster):
    with make_central(tls_cluster.admin_url, {"a": ("OPD-TLS", "Dinas Uji TLS")}, prefix="tls") as c:
        yield c


def test_correct_password_over_verify_full_connects_and_submits(tls_cluster, central):
    url, pw = central.login("a")
    assert "sslmode=verify-full" in url and f"sslrootcert={tls_cluster.ca_path}" in url
    with connect(url, pw) as conn:
        ssl, version = conn.execute("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()
        assert ssl is True and version.startswith("TLS")
        payload, files = fake_bundle("OPD-TLS", b"%PDF-1.7 tls")
        out = submit(conn, payload, files)
        assert not out.existed and out.submission_id > 0
    with psycopg.connect(tls_cluster.admin_url) as admin:
        stored = admin.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (central.roles["a"],)).fetchone()
        assert stored[0].startswith("SCRAM-SHA-256$")  # never MD5 or plain


def test_wrong_password_is_refused_in_indonesian(central):
    url, _pw = central.login("a")
    with pytest.raises(CentralAuthFailed, match=f"menolak kata sandi pengguna {central.roles['a']}"):
        connect(url, "bukan-sandinya")
    with pytest.raises(CentralAuthFailed, match="belum disimpan"):
        connect(url, None)


def test_server_certificate_not_from_the_configured_ca_is_refused(tls_cluster, central):
    url, pw = central.login("a")
    wrong_ca = url.replace(str(tls_cluster.ca_path), str(tls_cluster.other_ca_path))
    with pytest.raises(CentralTlsError, match=f"tidak dapat diverifikasi dengan CA {tls_cluster.other_ca_path}"):
        connect(wrong_ca, pw)
    # right CA, but the certificate names another server than the one asked for
    other_host = url.replace("@127.0.0.1:", "@pusat-palsu.example:") + "&hostaddr=127.0.0.1"
    with pytest.raises(CentralTlsError, match="bukan untuk alamat pusat-palsu.example"):
        connect(other_host, pw)


def test_a_configured_ca_forces_verify_full_and_scram():
    opts = connection_options("postgresql://opd@pusat:5432/bkpsdm?sslmode=require&sslrootcert=/x/ca.pem")
    assert opts["sslmode"] == "verify-full"
    if psycopg.pq.version() >= 160000:
        assert opts["require_auth"] == "scram-sha-256"
    assert connection_options("postgresql://opd@127.0.0.1/bkpsdm") == {}


def test_configure_central_with_ca_stores_verify_full_and_connects(db, tls_cluster, central, tmp_path):
    url, pw = central.login("a")
    plain = url.split("?", 1)[0]
    message = configure_central(db, plain, SYSTEM_USER, pw, ca_file=tls_cluster.ca_path)
    assert "kata sandi disimpan" in message
    stored = central_url(db)
    assert stored and "sslmode=verify-full" in stored and str(tls_cluster.ca_path) in stored
    with connect(stored, pw) as conn:
        assert conn.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()[0] is True
    not_pem = tmp_path / "ca.txt"
    not_pem.write_text("bukan sertifikat")
    with pytest.raises(OutboxError, match="bukan sertifikat PEM"):
        configure_central(db, plain, SYSTEM_USER, ca_file=not_pem)


def test_submission_size_is_bounded_before_anything_is_sent(tls_cluster, central):
    url, pw = central.login("a")
    payload, files = fake_bundle("OPD-TLS", b"%PDF-1.7 besar", pad=MAX_BUNDLE_BYTES)
    with connect(url, pw) as conn:
        with pytest.raises(BundleTooLarge, match="melebihi batas 20 MiB"):
            submit(conn, payload, files)
        assert conn.execute("SELECT count(*) FROM submission").fetchone()[0] == 0
