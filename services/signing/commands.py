"""`presensi-opd sign` (PAdES-sign a monthly report) and `make-test-cert` (demo/test CA + PKCS#12)."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
from pathlib import Path

from services.cli_support import CliError, cli_opd, cli_user, open_db
from services.reports.commands import add_period_args, find_report, run_cli


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("sign", help="tandatangani laporan bulanan (PAdES) dengan sertifikat PKCS#12")
    add_period_args(s)
    s.add_argument("--revision", type=int, default=None, help="bawaan: revisi terbaru")
    s.add_argument("--cert", type=Path, default=None, help="berkas .p12/.pfx (bawaan: yang terakhir dipakai pengguna)")
    s.add_argument("--user", default="kepala", help="pengguna penanda tangan (peran signer)")
    s.add_argument("--remember", action="store_true", help="simpan kata sandi sertifikat di keyring")
    s.add_argument("--passphrase-stdin", action="store_true", help="baca kata sandi dari baris pertama stdin")
    s.set_defaults(func=run_cli(_cmd_sign))

    t = sub.add_parser("make-test-cert", help="buat CA uji + sertifikat penanda tangan .p12 (hanya demo/uji)")
    t.add_argument("--out", type=Path, required=True, help="folder tujuan (jangan di dalam repositori)")
    t.add_argument("--name", default="Kepala Dinas (UJI)", help="nama pada sertifikat")
    t.add_argument("--nip", default="", help="NIP pada sertifikat (serialNumber)")
    t.add_argument("--passphrase", default="rahasia-uji")
    t.add_argument("--install", metavar="USER", default=None,
                   help="pasang untuk pengguna ini di --db: CA dipercaya, sertifikat bawaan, kata sandi ke keyring")
    t.set_defaults(func=run_cli(_cmd_make_test_cert))


def _cmd_sign(args: argparse.Namespace) -> int:
    from services.signing.service import (
        SETTING_P12,
        PassphraseRequired,
        get_setting,
        remembered_passphrase,
        sign_report,
    )

    db = open_db(args)
    user = cli_user(db, args.user)
    opd_id, _code = cli_opd(db, args.opd)
    rep = find_report(db, opd_id, args.year, args.month, args.revision)
    cert = args.cert or (Path(p) if (p := get_setting(db, SETTING_P12 + user.username)) else None)
    if cert is None:
        raise CliError("Sebutkan berkas sertifikat dengan --cert FILE.p12")
    passphrase = None
    if args.passphrase_stdin:
        passphrase = sys.stdin.readline().rstrip("\n")
    elif remembered_passphrase(cert) is None:
        if not sys.stdin.isatty():
            raise PassphraseRequired("Kata sandi sertifikat tidak ada di keyring; gunakan --passphrase-stdin.")
        passphrase = getpass.getpass(f"Kata sandi sertifikat {cert.name}: ")
    res = sign_report(db, rep.id, user, cert, passphrase, remember=args.remember)
    print(res.message)
    print(f"  {res.signed_path}\n  sha256 {res.signed_sha256}\n  penanda tangan: {res.signer_subject}")
    return 0


def _cmd_make_test_cert(args: argparse.Namespace) -> int:
    from services.signing.service import install_test_certificate
    from services.signing.testca import make_test_certificates

    if args.install:
        db = open_db(args)
        user = cli_user(db, args.install)
        p12, ca, remembered = install_test_certificate(db, args.out, user.username, args.passphrase)
        print(f"Dipasang untuk '{user.username}': CA dipercaya, sertifikat bawaan"
              + (", kata sandi di keyring." if remembered else "; keyring tidak tersedia, kata sandi akan ditanyakan."))
    else:
        from services.clock import system_clock

        certs = make_test_certificates(signer_name=args.name, signer_nip=args.nip, passphrase=args.passphrase,
                                       valid_from=system_clock().utcnow() - dt.timedelta(days=1))
        p12, ca = certs.write(args.out)
    print(f"Sertifikat UJI penanda tangan: {p12} (kata sandi: {args.passphrase})")
    print(f"CA UJI (untuk --trust / pdfsig): {ca}")
    return 0
