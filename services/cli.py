"""`presensi-opd` command line.

Each domain package contributes its sub-commands through a ``register(subparsers)``
function in the modules listed in COMMAND_MODULES; a handler takes the parsed
args and returns an exit code. Every sub-command declares what it needs
(``services.cli_support.needs``); ``main`` logs the user in before running one that
needs a role, and refuses one that declared nothing.

Start-up stays light: COMMANDS names every sub-command with its module and help line, so
``presensi-opd --help`` and the parser of the command being run import no command module but
that one (importing all of them pulled in SQLAlchemy, reportlab, pyHanko, ...: 0.6 s before any
work). tests/test_cli_registry.py checks COMMANDS against what the modules register.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from services.clock import Clock
from services.paths import default_db_path

COMMAND_MODULES = [
    "services.demo.build",
    "services.devices.commands",
    "services.devices.push_commands",
    "services.mobile.commands",
    "services.reconcile.commands",
    "services.selfie.commands",
    "services.policy.commands",
    "services.reports.commands",
    "services.reports.card_commands",
    "services.signing.commands",
    "services.central.commands",
    "services.store.commands",  # db-init, db-migrate, backup, restore
    "services.auth.commands",  # audit-verify, user-unlock
    "services.demo.mobile_commands",  # mobile-demo-bundle (demo/test only)
    "services.demo.signing_commands",  # esign-emulator, make-test-cert (demo/test only)
]

# (command, module that registers it, help line), in the order of COMMAND_MODULES
COMMANDS: tuple[tuple[str, str, str], ...] = (
    # services.demo.build
    ('demo', 'services.demo.build',
     'buat OPD demo (±300 pegawai, 3 bulan data, emulator mesin) lalu buka aplikasi'),
    # services.devices.commands
    ('emulator', 'services.devices.commands',
     'jalankan emulator mesin presensi ZK (untuk uji coba)'),
    ('sync', 'services.devices.commands',
     'tarik data kehadiran dari mesin presensi (untuk jadwal otomatis)'),
    ('import-usb', 'services.devices.commands',
     'impor berkas <id>_attlog.dat dari flashdisk'),
    ('device-add', 'services.devices.commands',
     'daftarkan mesin presensi'),
    ('device-edit', 'services.devices.commands',
     'ubah alamat/port/zona waktu mesin presensi'),
    ('device-list', 'services.devices.commands',
     'daftar mesin presensi'),
    ('device-status', 'services.devices.commands',
     'diagnosa mesin: terhubung, seri/firmware, rekaman, selisih jam, galat'),
    ('device-users', 'services.devices.commands',
     'daftar pengguna (PIN, nama, hak akses) yang tersimpan di mesin'),
    ('device-upload', 'services.devices.commands',
     'kirim pegawai (PIN, nama) ke mesin'),
    ('device-copy', 'services.devices.commands',
     'salin pengguna dan sidik jari dari satu mesin ke mesin lain'),
    ('quarantine', 'services.devices.commands',
     'rekaman yang dikarantina (waktu mustahil/di masa depan, PIN tidak valid)'),
    ('schedule-sync', 'services.devices.commands',
     'pasang/hapus sinkron terjadwal (Task Scheduler / systemd timer)'),
    # services.devices.push_commands
    ('push-server', 'services.devices.push_commands',
     'penerima push (ADMS/iclock) untuk mesin yang mengirim sendiri datanya'),
    ('push-list', 'services.devices.push_commands',
     'daftar mesin push (menunggu persetujuan / diterima / ditolak)'),
    ('push-accept', 'services.devices.push_commands',
     'terima nomor seri mesin push (peran administrator)'),
    ('push-reject', 'services.devices.push_commands',
     'tolak nomor seri mesin push (peran administrator)'),
    ('push-command', 'services.devices.push_commands',
     'antrekan perintah untuk mesin push, mis. INFO atau CHECK'),
    # services.mobile.commands
    ('import-mobile', 'services.mobile.commands',
     'impor bundel presensi mobile (ZIP: CSV/XLSX/JSON + foto)'),
    # services.reconcile.commands
    ('reconcile', 'services.reconcile.commands',
     'hitung ulang status harian sebulan; kunci / buka kunci periode'),
    ('bolos-libur-panjang', 'services.reconcile.commands',
     'pegawai tanpa keterangan (TK) pada hari kerja pertama usai libur panjang / cuti bersama'),
    ('kalender', 'services.reconcile.commands',
     'isi jadwal standar dan hari libur nasional + cuti bersama'),
    # services.selfie.commands
    ('selfie-check', 'services.selfie.commands',
     'jalankan pemeriksaan swafoto (wajah, buram, gelap, foto dipakai ulang)'),
    ('selfie-queue', 'services.selfie.commands',
     'daftar antrean verifikasi swafoto'),
    ('selfie-verdict', 'services.selfie.commands',
     'putuskan satu swafoto: setujui / tolak / manipulasi (peran atasan)'),
    ('selfie-reference', 'services.selfie.commands',
     'tambahkan foto referensi (tampak depan) seorang pegawai'),
    ('selfie-compare', 'services.selfie.commands',
     'bandingkan wajah dua foto (referensi dan swafoto) dengan model yang sama seperti pemeriksaan impor'),
    # services.policy.commands
    ('tpp', 'services.policy.commands',
     'tabel potongan TPP per bulan (dan ekspor Excel)'),
    ('disiplin', 'services.policy.commands',
     'rekap disiplin PP 94/2021 per tahun'),
    ('notices', 'services.policy.commands',
     'surat panggilan, teguran dan BAP'),
    # services.reports.commands
    ('report', 'services.reports.commands',
     'buat PDF laporan rekap kehadiran bulanan (periode harus sudah dikunci)'),
    # services.reports.card_commands
    ('kartu', 'services.reports.card_commands',
     'kartu presensi bulanan satu pegawai (PDF)'),
    # services.signing.commands
    ('sign', 'services.signing.commands',
     'tandatangani laporan bulanan (PAdES): sertifikat .p12 atau server esign BSrE'),
    ('sign-export', 'services.signing.commands',
     'ekspor PDF laporan yang dibekukan untuk ditandatangani di aplikasi lain'),
    ('sign-import', 'services.signing.commands',
     'impor PDF yang ditandatangani di BeSign/Panter/Srikandi'),
    ('sign-resolve', 'services.signing.commands',
     'nyatakan hasil pemeriksaan tanda tangan berstatus tidak diketahui'),
    ('signing-settings', 'services.signing.commands',
     '(admin) server esign, TSA, akar tepercaya, tingkat PAdES'),
    # services.central.commands
    ('submit', 'services.central.commands',
     'kirim laporan bertanda tangan ke server pusat BKPSDM (lewat antrean/outbox)'),
    ('verify', 'services.central.commands',
     'periksa hash dan tanda tangan laporan (berkas lokal atau kiriman di pusat)'),
    ('central-init', 'services.central.commands',
     '(admin BKPSDM) siapkan/migrasikan basis data pusat dan akun OPD'),
    ('central-status', 'services.central.commands',
     '(BKPSDM) siapa sudah mengirim laporan periode ini, tepat waktu?'),
    ('central-review', 'services.central.commands',
     '(BKPSDM) terima atau kembalikan kiriman terbaru satu OPD'),
    ('bpkad-export', 'services.central.commands',
     '(BKPSDM) tabel TPP seluruh OPD (Excel) untuk BPKAD dari kiriman'),
    # services.store.commands
    ('db-init', 'services.store.commands',
     'siapkan database OPD PostgreSQL baru (beberapa PC): migrasi + admin pertama'),
    ('db-migrate', 'services.store.commands',
     'pindahkan database OPD SQLite ini ke PostgreSQL (beberapa PC)'),
    ('backup', 'services.store.commands',
     'cadangkan database OPD (SQLite: salinan daring; PostgreSQL: pg_dump -Fc)'),
    ('restore', 'services.store.commands',
     'pulihkan database OPD dari berkas cadangan'),
    # services.auth.commands
    ('audit-verify', 'services.auth.commands',
     'periksa log audit: kunci rantai, sambungan, dan jangkar (PDF/pusat)'),
    ('user-unlock', 'services.auth.commands',
     '(admin) buka kunci akun yang terkunci karena salah kata sandi'),
    # services.demo.mobile_commands
    ('mobile-demo-bundle', 'services.demo.mobile_commands',
     'buat bundel mobile contoh untuk uji coba'),
    # services.demo.signing_commands
    ('esign-emulator', 'services.demo.signing_commands',
     'emulator server esign BSrE (v1 dan v2) + TSA/CRL/OCSP demo, untuk demo/uji'),
    ('make-test-cert', 'services.demo.signing_commands',
     'buat CA uji + sertifikat penanda tangan .p12 (hanya demo/uji)'),
)
GLOBAL_VALUE_OPTIONS = frozenset({"--db", "--user", "--pengguna", "--password-file"})  # options taking a value


def add_global_login_args(p: argparse.ArgumentParser) -> None:
    """services.cli_support.add_login_args without importing it (it pulls in the database layer);
    tests/test_cli_registry.py checks the two stay the same."""
    p.add_argument("--user", "--pengguna", dest="user", default=argparse.SUPPRESS,
                   help="nama pengguna Anda (kata sandinya ditanyakan, atau --password-file)")
    p.add_argument("--password-file", type=Path, default=argparse.SUPPRESS,
                   help="berkas berisi kata sandi (baris pertama), hanya dapat dibaca pemiliknya (chmod 600)")


def db_location(value: str) -> Path | str:
    """argparse type of --db: a postgresql:// address stays text, anything else is a SQLite file path.

    (Spelled here, not imported from services.store: building the parser must not load SQLAlchemy.)"""
    return value if value.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")) else Path(value)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; only the module of ``command`` (None = none, "*" = every one) is imported.

    Other commands get a placeholder sub-parser with their help line, enough for the command list.
    """
    parser = argparse.ArgumentParser(prog="presensi-opd", description="Presensi OPD — rekap kehadiran, TPP dan disiplin")
    parser.add_argument("--db", type=db_location, default=None,
                        help=f"berkas database SQLite atau alamat postgresql://pengguna@host/db "
                             f"(bawaan: profil PC ini, atau {default_db_path()})")
    parser.add_argument("-v", "--verbose", action="store_true")
    add_global_login_args(parser)  # also accepted before the sub-command
    sub = parser.add_subparsers(dest="command", metavar="PERINTAH")
    gui = sub.add_parser("gui", help="buka aplikasi")
    gui.set_defaults(func=_run_gui, needs="public")  # the app has its own login dialog (cli_support.PUBLIC)
    module_of = {cmd: module for cmd, module, _help in COMMANDS}
    wanted = set(COMMAND_MODULES) if command == "*" else {module_of[command]} if command in module_of else set()
    registered: set[str] = set()
    for cmd, module, help_text in COMMANDS:
        if module in wanted:
            if module not in registered:
                importlib.import_module(module).register(sub)
                registered.add(module)
        else:
            sub.add_parser(cmd, help=help_text, add_help=False)
    return parser


def _command_in(argv: list[str]) -> str | None:
    """The sub-command named in ``argv`` (the first word that is not a global option or its value)."""
    known = {cmd for cmd, _m, _h in COMMANDS}
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word in GLOBAL_VALUE_OPTIONS:
            skip = True
        elif word.startswith("-"):
            continue
        else:
            return word if word in known else None
    return None


# The desktop layer installs its launcher here (services never import Qt/desktop).
GuiLauncher = Callable[["Path | str", "Clock | None"], int]
_gui_launcher: GuiLauncher | None = None


def open_gui(db_path: Path | str, clock: Clock | None = None) -> int:
    """Open the app on ``db_path``; ``clock`` None = the system clock in the OPD's zone."""
    from services.store.location import check_database_location

    check_database_location(db_path)  # an SQLite file on a network share is refused before anything opens it
    if _gui_launcher is None:
        print("Antarmuka grafis tidak tersedia pada instalasi ini.", file=sys.stderr)
        return 2
    return _gui_launcher(db_path, clock)


def _run_gui(args: argparse.Namespace) -> int:
    from services.store.profile import resolve_location

    return open_gui(resolve_location(args.db))


def main(argv: list[str] | None = None, gui_launcher: GuiLauncher | None = None, clock: Clock | None = None) -> int:
    """Run one command. ``clock`` (tests) replaces the system clock of every database the command opens."""
    global _gui_launcher
    if gui_launcher is not None:
        _gui_launcher = gui_launcher
    words = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_command_in(words))
    args = parser.parse_args(words)
    args.clock = clock
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    if not getattr(args, "func", None):
        args.func, args.command, args.needs = _run_gui, "gui", "public"
    from services.cli_support import cli_login, required_roles
    from services.errors import UserError

    try:
        roles = required_roles(args)
        if roles is not None:
            args.current_user = cli_login(args, roles)
            args.user = args.current_user.username
        return int(args.func(args) or 0)
    except UserError as exc:  # an expected refusal: its message says what to do; anything else is a traceback
        print(f"Gagal: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Dibatalkan.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
