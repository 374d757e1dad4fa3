"""CLI: `import-mobile` (bundle ZIP from the mobile app); `mobile-demo-bundle` is in services/demo/mobile_commands.py."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from services.cli_support import OPERATOR, current, needs, open_db


def register(sub: argparse._SubParsersAction) -> None:
    imp = sub.add_parser("import-mobile", help="impor bundel presensi mobile (ZIP: CSV/XLSX/JSON + foto)")
    imp.add_argument("bundle", type=Path, help="berkas ZIP bundel (format: docs/MOBILE_BUNDLE.md)")
    imp.add_argument("--map", action="append", default=[], metavar="ISIAN=KOLOM",
                     help="pemetaan kolom, mis. --map nip=NIP_PEGAWAI --map ts=Waktu (boleh berulang)")
    imp.add_argument("--inspect", action="store_true", help="hanya tampilkan kolom dan pemetaan otomatis")
    imp.add_argument("--skip-invalid", action="store_true", help="impor baris yang valid saja; sisanya dicatat ditolak")
    imp.add_argument("--no-check", action="store_true", help="jangan langsung jalankan pemeriksaan swafoto")
    imp.set_defaults(func=_import_mobile)
    needs(imp, lambda a: None if a.inspect else OPERATOR)  # --inspect only reads the ZIP


def _print_progress(done: int, total: int, message: str = "") -> None:
    if total and (done == total or done % 50 == 0):
        print(f"  {message} ({done}/{total})", file=sys.stderr)


def _import_mobile(args: argparse.Namespace) -> int:
    from services.mobile.bundle import FIELDS, BundleError
    from services.mobile.importer import MobileImportError, import_bundle, inspect_bundle

    mapping: dict[str, str] | None
    if args.inspect:
        try:
            bundle, mapping = inspect_bundle(args.bundle)
        except BundleError as exc:
            print(exc, file=sys.stderr)
            return 1
        print(f"Berkas data: {bundle.data_name}; {len(bundle.rows)} baris; {len(bundle.photos)} foto")
        print("Kolom: " + ", ".join(bundle.columns))
        for key, label, _ in FIELDS:
            print(f"  {key:12s} {label:22s} <- {mapping.get(key, '(tidak dipetakan)')}")
        return 0
    mapping = None
    if args.map:
        from services.mobile.bundle import detect_mapping, open_bundle

        try:
            mapping = detect_mapping(open_bundle(args.bundle).columns)
        except BundleError as exc:
            print(exc, file=sys.stderr)
            return 1
        for item in args.map:
            key, sep, col = item.partition("=")
            if not sep:
                print(f"--map '{item}': pakai bentuk ISIAN=KOLOM", file=sys.stderr)
                return 2
            mapping[key.strip()] = col.strip()
    db = open_db(args)
    try:
        result = import_bundle(db, args.bundle, mapping, username=current(args).username, skip_invalid=args.skip_invalid,
                               progress=_print_progress)
    except MobileImportError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"Impor {args.bundle.name}: {result.summary()}")
    for line in result.errors[:20]:
        print(f"  ditolak: {line}")
    if result.punch_ids and not args.no_check:
        from services.selfie.service import run_checks

        checks = run_checks(db, result.punch_ids, progress=_print_progress)
        print(f"Pemeriksaan swafoto: {checks.summary()}")
    return 0
