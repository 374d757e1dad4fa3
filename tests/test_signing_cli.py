"""The command line end to end: `esign-emulator` as its own process, `signing-settings`, `sign --backend esign`,
`sign-export` / `sign-import`, `verify` printing the level."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from services.cli import main
from services.demo.sample_org import create_sample_org
from services.demo.signing_commands import DEMO_NIK, DEMO_PASSPHRASE
from services.reports.monthly import generate_monthly_report
from services.store.db import open_database
from tests.cli_login import login_args
from tests.report_fixtures import lock_period, recap_rows, user

ROOT = Path(__file__).resolve().parents[1]


def run(capsys, monkeypatch, *argv: str, stdin: str = "") -> tuple[int, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture
def emulator(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "services.cli", "esign-emulator", "--port", "0", "--duration", "90",
                             "--out", str(tmp_path / "ca")], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    lines: list[str] = []
    deadline = time.monotonic() + 60
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "NIK 3201010101700009" in line:
            break
    text = "".join(lines)
    url = re.search(r"berjalan di (http://127\.0\.0\.1:\d+)", text)
    tsa = re.search(r"TSA demo \(RFC 3161\): (\S+)", text)
    assert url and tsa, text
    yield url.group(1), tsa.group(1), tmp_path / "ca" / "esign-demo-ca.pem", text
    proc.terminate()
    proc.wait(timeout=20)


def test_cli_signs_through_the_emulator_process_and_verify_prints_the_level(emulator, tmp_path, capsys, monkeypatch):
    url, tsa, ca, banner = emulator
    assert f"NIK {DEMO_NIK}" in banner and "status NO_CERTIFICATE" in banner
    dbfile = tmp_path / "presensi.sqlite"
    db = open_database(dbfile)
    with db.transaction() as s:
        org = create_sample_org(s, n_employees=6)
    lock_period(db, org.opd_id)
    info = generate_monthly_report(db, org.opd_id, 2026, 10, user(db, "operator"), rows=recap_rows(db))
    db.dispose()
    dbarg = ["--db", str(dbfile)]
    period = ["--year", "2026", "--month", "10"]
    kepala = login_args("kepala", tmp_path)  # the signer's own login, then the certificate's passphrase

    code, out = run(capsys, monkeypatch, *dbarg, "signing-settings", "--esign-url", url,
                    *login_args("operator", tmp_path))
    assert code == 1 and "Administrator" in out  # admin only
    code, out = run(capsys, monkeypatch, *dbarg, "signing-settings", "--esign-url", url, "--esign-user", "esign",
                    "--esign-api", "v1", "--tsa-url", tsa, "--trust", str(ca), "--level", "B-LT",
                    "--esign-password-stdin", *login_args("admin", tmp_path), stdin="esign-demo\n")
    assert code == 0 and "API v1" in out, out

    code, out = run(capsys, monkeypatch, *dbarg, "sign", *period, "--backend", "esign", "--nik", DEMO_NIK,
                    "--passphrase-stdin", *kepala, stdin="salah\n")
    assert code == 1 and "Passphrase sertifikat elektronik untuk NIK" in out and "salah" in out
    code, out = run(capsys, monkeypatch, *dbarg, "sign", *period, "--backend", "esign", "--nik", DEMO_NIK,
                    "--passphrase-stdin", *kepala, stdin=f"{DEMO_PASSPHRASE}\n")
    assert code == 0 and "tingkat PAdES: B-LT" in out, out
    assert DEMO_PASSPHRASE not in out
    signed = re.search(r"^\s+(\S+_ttd\.pdf)$", out, flags=re.M)
    assert signed, out
    code, out = run(capsys, monkeypatch, *dbarg, "verify", "--file", signed.group(1))
    assert code == 0 and "Tingkat PAdES: B-LT" in out and "[GAGAL]" not in out, out
    assert info.report_id


def test_cli_sign_elsewhere_round_trip(tmp_path, capsys, monkeypatch):
    from services.clock import system_clock
    from services.demo.pki import DemoPki
    from services.signing.pades import SignerIdentity, sign_pdf_bytes

    dbfile = tmp_path / "presensi.sqlite"
    db = open_database(dbfile)
    with db.transaction() as s:
        org = create_sample_org(s, n_employees=4)
    lock_period(db, org.opd_id)
    generate_monthly_report(db, org.opd_id, 2026, 10, user(db, "operator"), rows=recap_rows(db))
    db.dispose()
    pki = DemoPki(system_clock())
    ca = tmp_path / "ca.pem"
    ca.write_bytes(pki.root_pem)
    dbarg, period = ["--db", str(dbfile)], ["--year", "2026", "--month", "10"]
    assert run(capsys, monkeypatch, *dbarg, "signing-settings", "--trust", str(ca), *login_args("admin", tmp_path))[0] == 0
    code, out = run(capsys, monkeypatch, *dbarg, "sign-export", *period, "--out", str(tmp_path), *login_args("kepala", tmp_path))
    assert code == 0, out
    exported = Path(re.search(r"PDF untuk ditandatangani: (\S+)", out).group(1))  # type: ignore[union-attr]
    cert = pki.issue("Kepala Dinas (Srikandi)")
    signed = tmp_path / "dari_srikandi.pdf"
    signed.write_bytes(sign_pdf_bytes(exported.read_bytes(), cert.p12("x"), "x", SignerIdentity("K", "1", "K"),
                                      (400, 60, 560, 130), clock=system_clock()).data)
    bad = tmp_path / "lain.pdf"
    bad.write_bytes(signed.read_bytes().replace(b"%PDF-1.", b"%PDF-1.", 1)[:-10] + b"rusak\n%%EOF\n")
    code, out = run(capsys, monkeypatch, *dbarg, "sign-import", *period, str(bad), *login_args("kepala", tmp_path))
    assert code == 1 and "Gagal:" in out
    code, out = run(capsys, monkeypatch, *dbarg, "sign-import", *period, str(signed), *login_args("kepala", tmp_path))
    assert code == 0 and "diterima" in out and "B-B" in out, out
