"""Demo/test-only commands: `esign-emulator` (the region's esign server, locally) and `make-test-cert`."""

from __future__ import annotations

import argparse
import base64
import hashlib
import time
from pathlib import Path

from services.cli_support import ADMIN, STAFF, CliError, current, needs, open_db
from services.reports.commands import run_cli

DEMO_NIK = "3201010101700001"
DEMO_PASSPHRASE = "Rahasia#2026"


def register(sub: argparse._SubParsersAction) -> None:
    e = sub.add_parser("esign-emulator", help="emulator server esign BSrE (v1 dan v2) + TSA/CRL/OCSP demo, untuk demo/uji")
    e.add_argument("--host", default="127.0.0.1")
    e.add_argument("--port", type=int, default=8800, help="port API esign (bawaan 8800)")
    e.add_argument("--pki-port", type=int, default=0, help="port TSA/CRL/OCSP demo (bawaan: port API + 1)")
    e.add_argument("--api-user", default="esign", help="nama pengguna Basic auth klien esign")
    e.add_argument("--api-password", default="esign-demo", help="kata sandi Basic auth klien esign")
    e.add_argument("--bsre-user", dest="bsre_users", action="append", default=[],
                   metavar="NIK:NAMA:PASSPHRASE[:EMAIL]",
                   help="pengguna BSrE tiruan (boleh diulang); bawaan satu Kepala demo")
    e.add_argument("--delay", type=float, default=0.0, help="tunda jawaban tanda tangan (detik), untuk uji timeout")
    e.add_argument("--out", type=Path, default=None, help="folder untuk menulis CA demo (esign-demo-ca.pem)")
    e.add_argument("--configure", action="store_true",
                   help="atur --db: alamat esign, pengguna, TSA, akar tepercaya (kata sandi ke keyring)")
    e.add_argument("--duration", type=float, default=0.0, help="berhenti sendiri setelah N detik (0 = sampai Ctrl-C)")
    e.set_defaults(func=run_cli(_cmd_emulator))
    # --configure writes an admin setting into --db: then the admin logs in (--user before the sub-command)
    needs(e, lambda a: ADMIN if a.configure else None)

    t = sub.add_parser("make-test-cert", help="buat CA uji + sertifikat penanda tangan .p12 (hanya demo/uji)")
    t.add_argument("--out", type=Path, required=True, help="folder tujuan (jangan di dalam repositori)")
    t.add_argument("--name", default="Kepala Dinas (UJI)", help="nama pada sertifikat")
    t.add_argument("--nip", default="", help="NIP pada sertifikat (serialNumber)")
    t.add_argument("--passphrase", default="rahasia-uji")
    t.add_argument("--install", metavar="USER", default=None,
                   help="pasang untuk pengguna ini di --db: CA dipercaya, sertifikat bawaan, kata sandi ke keyring")
    t.set_defaults(func=run_cli(_cmd_make_test_cert))
    needs(t, lambda a: STAFF if a.install else None)  # --install changes --db: yourself, or an admin for another


def _cmd_emulator(args: argparse.Namespace) -> int:
    from services.clock import system_clock
    from services.demo.esign_emulator import EsignEmulator
    from services.demo.pki_server import PkiServer

    clock = system_clock()
    pki_port = args.pki_port or (args.port + 1 if args.port else 0)
    pki = PkiServer.start(clock, args.host, pki_port)
    emu = EsignEmulator(pki.pki, clock, username=args.api_user, password=args.api_password, delay=args.delay)
    specs = args.bsre_users or [f"{DEMO_NIK}:Kepala Dinas (DEMO):{DEMO_PASSPHRASE}:kepala@demo.go.id"]
    for spec in specs:
        parts = spec.split(":")
        if len(parts) < 3 or not (parts[0].isdigit() and len(parts[0]) == 16):
            pki.stop()
            raise CliError(f"--bsre-user '{spec}': bentuknya NIK(16 angka):NAMA:PASSPHRASE[:EMAIL]")
        secret = base64.b32encode(hashlib.sha256(parts[0].encode()).digest()[:10]).decode("ascii")
        emu.add_user(parts[0], parts[1], parts[2], email=parts[3] if len(parts) > 3 else "", totp_secret=secret)
    emu.add_user("3201010101700009", "Pegawai Tanpa Sertifikat (DEMO)", "x", status="NO_CERTIFICATE")
    server = emu.serve(args.host, args.port)
    ca_path = None
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        ca_path = args.out / "esign-demo-ca.pem"
        ca_path.write_bytes(pki.pki.root_pem)
    print(f"Emulator esign BSrE berjalan di {server.url} (API v1 dan v2, Basic auth {args.api_user}/"
          f"{args.api_password})")
    print(f"TSA demo (RFC 3161): {pki.tsa_url}   CRL: {pki.url}/crl/root.crl   OCSP: {pki.url}/ocsp")
    print(f"CA demo: {ca_path or pki.url + '/ca.pem'}")
    for u in emu.users.values():
        print(f"  NIK {u.nik} {u.name}: status {u.status}" + (f", passphrase {u.passphrase}, TOTP secret "
                                                             f"{u.totp_secret}" if u.status == "ISSUE" else ""))
    if args.configure:
        _configure(args, server.url, pki.tsa_url, ca_path or _write_ca(args, pki.pki.root_pem))
    try:
        started = time.monotonic()
        while not args.duration or time.monotonic() - started < args.duration:
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        pki.stop()
    print("Emulator berhenti.")
    return 0


def _write_ca(args: argparse.Namespace, pem: bytes) -> Path:
    from services.paths import default_db_path

    folder = (args.db or default_db_path()).parent / "esign-demo"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "esign-demo-ca.pem"
    path.write_bytes(pem)
    return path


def _configure(args: argparse.Namespace, url: str, tsa_url: str, ca: Path) -> None:
    from dataclasses import replace

    from services.signing.settings import load_settings, save_settings

    db = open_db(args)
    cur = load_settings(db)
    roots = tuple(dict.fromkeys([*cur.trust_roots, str(ca.resolve())]))
    try:
        save_settings(db, current(args), replace(cur, esign_url=url, esign_user=args.api_user, esign_api="v2",
                                               tsa_url=tsa_url, trust_roots=roots), args.api_password)
        print(f"Pengaturan tanda tangan di {args.db or 'database bawaan'} diarahkan ke emulator.")
    except Exception as exc:  # noqa: BLE001 - no keyring: settings without password, said plainly
        save_settings(db, current(args), replace(cur, esign_url=url, esign_user=args.api_user, esign_api="v2",
                                               tsa_url=tsa_url, trust_roots=roots))
        print(f"Pengaturan diarahkan ke emulator; kata sandi klien esign TIDAK disimpan: {exc}")
    db.dispose()


def _cmd_make_test_cert(args: argparse.Namespace) -> int:
    from services.clock import system_clock
    from services.demo.testca import install_test_certificate, make_test_certificates

    if args.install:
        db = open_db(args)
        user = current(args)
        if user.username != args.install:
            user.require("admin")  # installing for someone else
        p12, ca, remembered = install_test_certificate(db, args.out, args.install, args.passphrase)
        print(f"Dipasang untuk '{args.install}': CA dipercaya, sertifikat bawaan"
              + (", kata sandi di keyring." if remembered else "; keyring tidak tersedia, kata sandi akan ditanyakan."))
    else:
        certs = make_test_certificates(system_clock(), signer_name=args.name, signer_nip=args.nip,
                                       passphrase=args.passphrase)
        p12, ca = certs.write(args.out)
    print(f"Sertifikat UJI penanda tangan: {p12} (kata sandi: {args.passphrase})")
    print(f"CA UJI (untuk --trust / pdfsig): {ca}")
    return 0
