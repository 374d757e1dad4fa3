"""`presensi-opd sign` (any backend), `sign-export` / `sign-import` (sign elsewhere),
`sign-resolve` (after a timed-out esign call) and `signing-settings` (admin)."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from services.cli_support import ADMIN, SIGNER, STAFF, CliError, cli_opd, current, needs, open_db
from services.reports.commands import add_period_args, find_report, run_cli


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("sign", help="tandatangani laporan bulanan (PAdES): sertifikat .p12 atau server esign BSrE")
    add_period_args(s)
    s.add_argument("--revision", type=int, default=None, help="bawaan: revisi terbaru")
    s.add_argument("--backend", choices=["p12", "esign"], default="p12",
                   help="p12 = sertifikat di komputer ini; esign = server esign BSrE daerah (Pengaturan)")
    s.add_argument("--cert", type=Path, default=None, help="berkas .p12/.pfx (bawaan: yang terakhir dipakai pengguna)")
    s.add_argument("--nik", default=None, help="NIK penanda tangan di BSrE (backend esign)")
    s.add_argument("--email", default=None, help="atau email penanda tangan di BSrE (API v2)")
    s.add_argument("--remember", action="store_true", help="simpan kata sandi .p12 di keyring (tidak untuk esign)")
    s.add_argument("--passphrase-stdin", action="store_true", help="baca passphrase dari baris pertama stdin")
    s.add_argument("--totp-stdin", action="store_true", help="baca kode TOTP (BeSign) dari stdin, bukan passphrase")
    s.set_defaults(func=run_cli(_cmd_sign))
    needs(s, SIGNER)  # the signer's own login, and then the certificate's passphrase

    e = sub.add_parser("sign-export", help="ekspor PDF laporan yang dibekukan untuk ditandatangani di aplikasi lain")
    add_period_args(e)
    e.add_argument("--revision", type=int, default=None)
    e.add_argument("--out", type=Path, required=True, help="berkas atau folder tujuan")
    e.set_defaults(func=run_cli(_cmd_export))
    needs(e, SIGNER)

    i = sub.add_parser("sign-import", help="impor PDF yang ditandatangani di BeSign/Panter/Srikandi")
    add_period_args(i)
    i.add_argument("--revision", type=int, default=None)
    i.add_argument("file", type=Path)
    i.set_defaults(func=run_cli(_cmd_import))
    needs(i, SIGNER)

    r = sub.add_parser("sign-resolve", help="nyatakan hasil pemeriksaan tanda tangan berstatus tidak diketahui")
    add_period_args(r)
    r.add_argument("--revision", type=int, default=None)
    r.add_argument("--note", required=True, help="hasil pemeriksaan (mis. 'dicek di server esign: belum ditandatangani')")
    r.set_defaults(func=run_cli(_cmd_resolve))
    needs(r, SIGNER)

    c = sub.add_parser("signing-settings", help="(admin) server esign, TSA, akar tepercaya, tingkat PAdES")
    c.add_argument("--esign-url")
    c.add_argument("--esign-user")
    c.add_argument("--esign-api", choices=["v1", "v2"])
    c.add_argument("--esign-password-stdin", action="store_true", help="kata sandi klien esign dari stdin → keyring")
    c.add_argument("--tsa-url")
    c.add_argument("--trust", action="append", type=Path, help="berkas PEM akar tepercaya (boleh diulang)")
    c.add_argument("--level", choices=["B-B", "B-T", "B-LT", "B-LTA"])
    c.set_defaults(func=run_cli(_cmd_settings))
    needs(c, lambda a: ADMIN if any(getattr(a, k) for k in ("esign_url", "esign_user", "esign_api", "tsa_url", "trust",
                                                             "level", "esign_password_stdin")) else STAFF)


def _secret(prompt: str, from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        raise CliError(f"{prompt} diperlukan; gunakan --passphrase-stdin / --totp-stdin.")
    return getpass.getpass(f"{prompt}: ")


def _cmd_sign(args: argparse.Namespace) -> int:
    from services.signing.backends import Credential, EsignServerBackend
    from services.signing.esign_client import EsignConfig, Secret
    from services.signing.service import remembered_passphrase, sign_report, sign_report_with
    from services.signing.settings import SETTING_ESIGN_ID, SETTING_P12, esign_password, get_setting, load_settings

    db = open_db(args)
    user = current(args)
    opd_id, _code = cli_opd(db, args.opd)
    rep = find_report(db, opd_id, args.year, args.month, args.revision)
    if args.backend == "p12":
        cert = args.cert or (Path(p) if (p := get_setting(db, SETTING_P12 + user.username)) else None)
        if cert is None:
            raise CliError("Sebutkan berkas sertifikat dengan --cert FILE.p12")
        passphrase = None
        if args.passphrase_stdin or remembered_passphrase(cert) is None:
            passphrase = _secret(f"Kata sandi sertifikat {cert.name}", args.passphrase_stdin)
        res = sign_report(db, rep.id, user, cert, passphrase, remember=args.remember)
    else:
        cfg = load_settings(db)
        if not cfg.esign_url:
            raise CliError("Alamat server esign belum diatur (signing-settings --esign-url, oleh admin).")
        ident = args.nik or args.email or get_setting(db, SETTING_ESIGN_ID + user.username) or ""
        nik, email = (ident, "") if "@" not in ident else ("", ident)
        backend = EsignServerBackend(EsignConfig(cfg.esign_url, cfg.esign_user, esign_password(cfg.esign_url) or "",
                                                 cfg.esign_api, cfg.esign_timeout), nik=nik, email=email)
        if args.totp_stdin:
            credential = Credential(totp=Secret(_secret("Kode TOTP BeSign", True)))
        else:
            credential = Credential(passphrase=Secret(_secret("Passphrase sertifikat elektronik BSrE",
                                                              args.passphrase_stdin)))
        res = sign_report_with(db, rep.id, user, backend, credential)
        from services.signing.settings import set_setting

        set_setting(db, SETTING_ESIGN_ID + user.username, ident, user.username)
    print(res.message)
    print(f"  {res.signed_path}\n  sha256 {res.signed_sha256}\n  penanda tangan: {res.signer_subject}\n"
          f"  tingkat PAdES: {res.level or '-'}")
    for note in res.notes:
        print(f"  catatan: {note}")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from services.signing.elsewhere import export_for_signing

    db = open_db(args)
    opd_id, _code = cli_opd(db, args.opd)
    rep = find_report(db, opd_id, args.year, args.month, args.revision)
    out = export_for_signing(db, rep.id, current(args), args.out)
    print(f"PDF untuk ditandatangani: {out}\nTandatangani berkas ini TANPA mengubahnya (BeSign / Panter / Srikandi), "
          "lalu impor hasilnya dengan `sign-import`.")
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from services.signing.elsewhere import import_signed

    db = open_db(args)
    opd_id, _code = cli_opd(db, args.opd)
    rep = find_report(db, opd_id, args.year, args.month, args.revision)
    res = import_signed(db, rep.id, current(args), args.file)
    print(res.message)
    print(f"  {res.signed_path}\n  sha256 {res.signed_sha256}")
    return 0


def _cmd_resolve(args: argparse.Namespace) -> int:
    from services.signing.service import resolve_unknown_attempt

    db = open_db(args)
    opd_id, _code = cli_opd(db, args.opd)
    rep = find_report(db, opd_id, args.year, args.month, args.revision)
    resolve_unknown_attempt(db, rep.id, current(args), args.note)
    print("Dicatat. Laporan dapat ditandatangani lagi.")
    return 0


def _cmd_settings(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from services.signing.settings import load_settings, save_settings

    db = open_db(args)
    user = current(args)
    cur = load_settings(db)
    changes = {k: v for k, v in {"esign_url": args.esign_url, "esign_user": args.esign_user,
                                 "esign_api": args.esign_api, "tsa_url": args.tsa_url,
                                 "target_level": args.level}.items() if v is not None}
    if args.trust:
        changes["trust_roots"] = tuple(str(p.resolve()) for p in args.trust)
    password = sys.stdin.readline().rstrip("\n") if args.esign_password_stdin else None
    if changes or password:
        save_settings(db, user, replace(cur, **changes), password)
        cur = load_settings(db)
    print(f"Server esign : {cur.esign_url or '-'} (API {cur.esign_api}, pengguna {cur.esign_user or '-'})")
    print(f"TSA          : {cur.tsa_url or '-'}")
    print(f"Akar tepercaya: {'; '.join(cur.trust_roots) or '-'}")
    print(f"Target PAdES : {cur.target_level}")
    return 0
