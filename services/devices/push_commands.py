"""CLI: `push-server` (headless ADMS receiver), `push-list`, `push-accept`, `push-reject`, `push-command`."""

from __future__ import annotations

import argparse
import sys
import time

from services.auth.users import SYNC_ROLE
from services.cli_support import ADMIN, OPERATOR, STAFF, current, needs, open_db
from services.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    srv = sub.add_parser("push-server", help="penerima push (ADMS/iclock) untuk mesin yang mengirim sendiri datanya")
    srv.add_argument("--port", type=int, default=None, help="port HTTP (bawaan: setelan aplikasi, atau 8081; 0 = bebas)")
    srv.add_argument("--bind", default=None, help="alamat LAN komputer ini yang didengarkan (bawaan: setelan aplikasi)")
    srv.add_argument("--max-body", type=int, default=2 * 1024 * 1024, help="ukuran kiriman terbesar (bita)")
    srv.add_argument("--max-lines", type=int, default=20_000, help="baris terbanyak per kiriman")
    srv.add_argument("--pause-at", default=None, help=argparse.SUPPRESS)  # tests: "after-commit:2" stops there
    srv.set_defaults(func=_push_server)
    needs(srv, (*OPERATOR, SYNC_ROLE))  # a headless receiver stores punches: the sync account may run it

    ls = sub.add_parser("push-list", help="daftar mesin push (menunggu persetujuan / diterima / ditolak)")
    ls.set_defaults(func=_push_list)
    needs(ls, STAFF)

    acc = sub.add_parser("push-accept", help="terima nomor seri mesin push (peran administrator)")
    acc.add_argument("serial")
    acc.add_argument("--name", default="")
    acc.add_argument("--timezone", choices=("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"), default=None)
    acc.add_argument("--device", type=int, default=None, help="id perangkat tarik (pull) yang sama mesinnya")
    acc.set_defaults(func=_push_accept)
    needs(acc, ADMIN)

    rej = sub.add_parser("push-reject", help="tolak nomor seri mesin push (peran administrator)")
    rej.add_argument("serial")
    rej.add_argument("--reason", default="")
    rej.set_defaults(func=_push_reject)
    needs(rej, ADMIN)

    cmd = sub.add_parser("push-command", help="antrekan perintah untuk mesin push, mis. INFO atau CHECK")
    cmd.add_argument("serial")
    cmd.add_argument("command")
    cmd.set_defaults(func=_push_command)
    needs(cmd, OPERATOR)


def _pause_hook(spec: str | None):  # type: ignore[no-untyped-def]
    """Test seam: stop (sleep) at one crash point so a test can kill the process exactly there."""
    if not spec:
        return None
    phase, _sep, number = spec.partition(":")

    def hook(at: str, n: int) -> None:
        if at == phase and n == int(number or 1):
            print(f"JEDA {at} {n}", flush=True)
            time.sleep(3600)

    return hook


def _push_server(args: argparse.Namespace) -> int:
    from services.devices.push_admin import get_settings
    from services.devices.push_server import PushConfig, PushServer

    db = open_db(args)
    with db.session() as s:
        settings = get_settings(s)
    config = PushConfig(bind=args.bind or settings.bind, port=settings.port if args.port is None else args.port,
                        max_body=args.max_body, max_lines=args.max_lines, fault_hook=_pause_hook(args.pause_at))
    server = PushServer(db, config)

    def ready(srv: PushServer) -> None:
        print(f"Penerima push berjalan di {srv.url} (basis data {db.path}). Tekan Ctrl+C untuk berhenti.", flush=True)

    try:
        server.serve_forever(ready)
    except UserError as exc:
        print(f"GAGAL: {exc}", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    snap = server.stats.snapshot()
    print(f"Penerima push berhenti: {snap['stored']} rekaman baru, {snap['duplicates']} sudah ada, "
          f"{snap['refused']} permintaan ditolak.", flush=True)
    return 0


def _push_list(args: argparse.Namespace) -> int:
    from services.devices.push_admin import push_device_rows
    from services.devices.registry import describe_drift

    db = open_db(args)
    with db.session() as s:
        rows = push_device_rows(s)
    if not rows:
        print("Belum ada mesin push yang menghubungi penerima.")
    for r in rows:
        seen = r.last_seen_at.strftime("%d-%m-%Y %H:%M") if r.last_seen_at else "-"
        print(f"{r.serial} [{r.status_text}] {r.name or '-'} {r.timezone} dari {r.remote_addr or '-'} "
              f"terakhir {seen}, {r.records_stored} rekaman, jam {describe_drift(r.drift_seconds)}; {r.last_status}")
    return 0


def _run(args: argparse.Namespace, action) -> int:  # type: ignore[no-untyped-def]
    db = open_db(args)
    try:
        action(db, current(args))
    except UserError as exc:
        print(f"GAGAL: {exc}", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    return 0


def _push_accept(args: argparse.Namespace) -> int:
    from services.devices.push_admin import accept_serial

    def act(db, user):  # type: ignore[no-untyped-def]
        accept_serial(db, args.serial, user, name=args.name, timezone=args.timezone, device_id=args.device)
        print(f"Mesin {args.serial} diterima; kiriman berikutnya dari mesin akan disimpan.")

    return _run(args, act)


def _push_reject(args: argparse.Namespace) -> int:
    from services.devices.push_admin import reject_serial

    def act(db, user):  # type: ignore[no-untyped-def]
        reject_serial(db, args.serial, user, args.reason)
        print(f"Mesin {args.serial} ditolak.")

    return _run(args, act)


def _push_command(args: argparse.Namespace) -> int:
    from services.devices.push_admin import queue_command

    def act(db, user):  # type: ignore[no-untyped-def]
        q = queue_command(db, args.serial, args.command, user)
        print(f"Perintah #{q.command_id} diantrekan; mesin mengambilnya pada tanya-perintah berikutnya.")

    return _run(args, act)
