"""End to end through the `presensi-opd` CLI: report -> sign -> submit (offline, then online) -> verify."""

from __future__ import annotations

import io
import uuid

import pytest

from services.central import admin
from services.cli import main
from tests.cli_login import login_args
from tests.report_fixtures import lock_period, tamper

pytestmark = pytest.mark.postgres


def test_cli_report_sign_submit_verify(db, org, pg_admin_url, tmp_path, capsys, monkeypatch):
    lock_period(db, org.opd_id, 2026, 10)
    dbarg = ["--db", db.location]
    op, adm, kepala = (login_args(u, tmp_path) for u in ("operator", "admin", "kepala"))
    # `report` asks services.policy.tpp.month_recap for the rows (no day records yet: zero counts)
    assert main([*dbarg, "report", "--year", "2026", "--month", "10", *op]) == 0
    assert "revisi 1" in capsys.readouterr().out
    certdir = tmp_path / "sert"
    assert main([*dbarg, "make-test-cert", "--out", str(certdir), "--install", "kepala", *kepala]) == 0
    capsys.readouterr()
    assert main([*dbarg, "sign", "--year", "2026", "--month", "10", *kepala]) == 0
    out = capsys.readouterr().out
    assert "berhasil ditandatangani" in out
    signed = next(line.strip() for line in out.splitlines() if line.strip().endswith("_ttd.pdf"))

    # verify the local file: trust root comes from the setting written by make-test-cert --install
    assert main([*dbarg, "verify", "--file", signed]) == 0
    assert "Hasil: SAH" in capsys.readouterr().out
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(tamper(open(signed, "rb").read()))
    assert main([*dbarg, "verify", "--file", str(bad)]) == 1
    assert "TIDAK SAH" in capsys.readouterr().out

    suffix = uuid.uuid4().hex[:8]
    name, role, bk = f"presensi_cli_test_{suffix}", f"opd_cli_{suffix}", f"bk_cli_{suffix}"
    try:
        monkeypatch.setattr("sys.stdin", io.StringIO("sandi-opd\nsandi-bk\n"))
        assert main(["central-init", "--admin-url", pg_admin_url, "--database", name, "--opd-code", "DISKOMINFO",
                     "--opd-role", role, "--bkpsdm-role", bk, "--password-stdin"]) == 0
        capsys.readouterr()
        central = admin.with_database(pg_admin_url, name)
        opd_url = admin.with_user(central, role)

        # offline first: the URL points at a closed port
        monkeypatch.setattr("sys.stdin", io.StringIO("sandi-opd\n"))
        assert main([*dbarg, "submit", "--url", admin.with_user(central, role, port=9), "--save-password",
                     "--password-stdin", "--queue", "--year", "2026", "--month", "10", *adm]) == 0
        out = capsys.readouterr().out
        assert "0 terkirim" in out and "1 masih dalam antrean" in out and "pending" in out
        # the server is reachable: point at it and send now
        assert main([*dbarg, "submit", "--url", opd_url, "--force", *adm]) == 0
        out = capsys.readouterr().out
        assert "1 terkirim" in out and ": sent" in out
        monkeypatch.setattr("sys.stdin", io.StringIO("sandi-bk\n"))
        assert main([*dbarg, "verify", "--url", admin.with_user(central, bk), "--password-stdin", "--opd",
                     "DISKOMINFO", "--year", "2026", "--month", "10"]) == 0
        out = capsys.readouterr().out
        assert "Hasil: SAH" in out and "pdfsig" in out
        monkeypatch.setattr("sys.stdin", io.StringIO("sandi-bk\n"))
        assert main(["central-status", "--url", admin.with_user(central, bk), "--password-stdin", "--year", "2026",
                     "--month", "10", "--as-of", "2026-11-05"]) == 0
        out = capsys.readouterr().out
        assert "DISKOMINFO" in out and "per 2026-11-05" in out
        assert "rev 1  Tepat waktu (tepat waktu)" in out or "rev 1  Terlambat (terlambat)" in out

        # BKPSDM returns it; the OPD's next `submit` shows the decision; a second decision is refused
        bk_url = admin.with_user(central, bk)
        monkeypatch.setattr("sys.stdin", io.StringIO("sandi-bk\n"))
        assert main(["central-review", "--url", bk_url, "--password-stdin", "--opd", "DISKOMINFO", "--year", "2026",
                     "--month", "10", "--return-reason", "Lampiran SPTJM tidak lengkap"]) == 0
        assert "revisi 1 dikembalikan" in capsys.readouterr().out
        monkeypatch.setattr("sys.stdin", io.StringIO("sandi-bk\n"))
        assert main(["central-review", "--url", bk_url, "--password-stdin", "--opd", "DISKOMINFO", "--year", "2026",
                     "--month", "10", "--accept"]) == 1
        assert "tidak dapat diubah" in capsys.readouterr().err
        assert main([*dbarg, "submit", *op]) == 0
        assert "DIKEMBALIKAN oleh BKPSDM: Lampiran SPTJM tidak lengkap" in capsys.readouterr().out
        # an OPD login is not a BKPSDM login
        monkeypatch.setattr("sys.stdin", io.StringIO("sandi-opd\n"))
        assert main(["central-review", "--url", opd_url, "--password-stdin", "--opd", "DISKOMINFO", "--year", "2026",
                     "--month", "10", "--accept"]) == 1
        assert "bukan akun BKPSDM" in capsys.readouterr().err

        xlsx = tmp_path / "tpp-daerah.xlsx"
        monkeypatch.setattr("sys.stdin", io.StringIO("sandi-bk\n"))
        assert main(["bpkad-export", "--url", bk_url, "--password-stdin", "--year", "2026", "--month", "10",
                     "--out", str(xlsx), "--as-of", "2026-11-12"]) == 0
        assert "0 dari 1 perangkat daerah" in capsys.readouterr().out  # returned: nothing accepted yet
        monkeypatch.setattr("sys.stdin", io.StringIO("sandi-bk\n"))
        assert main(["bpkad-export", "--url", bk_url, "--password-stdin", "--year", "2026", "--month", "10",
                     "--out", str(xlsx), "--all-revisions"]) == 0
        assert "1 dari 1 perangkat daerah, 12 pegawai" in capsys.readouterr().out and xlsx.is_file()
    finally:
        admin.drop_database(pg_admin_url, name)
        admin.drop_role(pg_admin_url, role)
        admin.drop_role(pg_admin_url, bk)
