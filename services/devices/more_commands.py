"""CLI: `device-status`, `device-users`, `device-upload`, `device-copy`, `quarantine`, `schedule-sync`.

Registered by services.devices.commands (no separate entry in COMMAND_MODULES).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sqlalchemy import select

from services.cli_support import ADMIN, OPERATOR, STAFF, CliError, current, needs, open_db
from services.store.db import Database


def register(sub: argparse._SubParsersAction) -> None:
    st = sub.add_parser("device-status", help="diagnosa mesin: terhubung, seri/firmware, rekaman, selisih jam, galat")
    st.add_argument("--device", type=int, action="append", help="id perangkat (boleh berulang); bawaan: semua")
    st.add_argument("--timeout", type=float, default=5.0)
    st.add_argument("--comm-key-file", type=Path, default=None)
    st.set_defaults(func=_status)
    needs(st, STAFF)

    us = sub.add_parser("device-users", help="daftar pengguna (PIN, nama, hak akses) yang tersimpan di mesin")
    us.add_argument("device", type=int)
    us.add_argument("--comm-key-file", type=Path, default=None)
    us.set_defaults(func=_users)
    needs(us, STAFF)

    up = sub.add_parser("device-upload", help="kirim pegawai (PIN, nama) ke mesin")
    up.add_argument("device", type=int)
    up.add_argument("--nip", action="append", help="NIP pegawai (boleh berulang)")
    up.add_argument("--all", action="store_true", help="semua pegawai OPD yang punya PIN")
    up.add_argument("--layout", type=int, choices=(28, 72), default=None, help="format pengguna untuk mesin kosong")
    up.add_argument("--comm-key-file", type=Path, default=None)
    up.set_defaults(func=_upload)
    needs(up, ADMIN)

    cp = sub.add_parser("device-copy", help="salin pengguna dan sidik jari dari satu mesin ke mesin lain")
    cp.add_argument("--from", dest="source", type=int, required=True)
    cp.add_argument("--to", dest="target", type=int, required=True)
    cp.add_argument("--pin", action="append", help="hanya PIN ini (boleh berulang); bawaan: semua")
    cp.add_argument("--comm-key-file", type=Path, default=None)
    cp.set_defaults(func=_copy)
    needs(cp, ADMIN)

    q = sub.add_parser("quarantine", help="rekaman yang dikarantina (waktu mustahil/di masa depan, PIN tidak valid)")
    q.add_argument("--all", action="store_true", help="termasuk yang sudah diputuskan")
    q.add_argument("--accept", type=int, nargs="+", metavar="ID", help="terima sebagai rekaman kehadiran")
    q.add_argument("--dismiss", type=int, nargs="+", metavar="ID", help="tolak")
    q.add_argument("--note", default="", help="alasan keputusan (dicatat di log audit)")
    q.set_defaults(func=_quarantine)
    needs(q, lambda a: OPERATOR if (a.accept or a.dismiss) else STAFF)

    sc = sub.add_parser("schedule-sync", help="pasang/hapus sinkron terjadwal (Task Scheduler / systemd timer)")
    group = sc.add_mutually_exclusive_group(required=True)
    group.add_argument("--every", type=int, metavar="MENIT", help="tarik data setiap N menit (15, 30, 60, 120, 240)")
    group.add_argument("--remove", action="store_true")
    group.add_argument("--status", action="store_true", help="tampilkan sinkron terjadwal terakhir")
    sc.add_argument("--comm-key-file", type=Path, default=None)
    sc.add_argument("--sync-password-file", type=Path, default=None,
                    help="berkas kata sandi akun sinkron (bawaan: sinkron.password di samping database)")
    sc.set_defaults(func=_schedule)
    needs(sc, lambda a: STAFF if a.status else ADMIN)


def typed_keys(db: Database, device_ids: list[int] | None, key_file: Path | None
               ) -> tuple[dict[int, int], dict[int, str]]:
    """Keys for devices whose comm key is in no keyring: from the file, else asked on the terminal.

    Returns (keys, {device id: message} for devices that still have none).
    """
    from services.devices.keys import ask_on_terminal, key_for, needs_typed_key, read_comm_key_file
    from services.store.models import Device

    from_file = read_comm_key_file(key_file) if key_file is not None else {}
    keys: dict[int, int] = {}
    missing: dict[int, str] = {}
    with db.session() as s:
        q = select(Device).order_by(Device.name)
        q = q.where(Device.id.in_(device_ids)) if device_ids else q.where(Device.enabled.is_(True))
        devices = [d for d in s.execute(q).scalars() if needs_typed_key(d)]
    for d in devices:
        key = key_for(d, from_file)
        if key is None and key_file is None:
            key = ask_on_terminal(d)
        if key is None:
            missing[d.id] = (f"Kunci komunikasi mesin '{d.name}' tidak tersimpan (tidak ada keyring) dan tidak "
                             + (f"ada di {key_file}." if key_file else "ada terminal untuk menanyakannya; jalankan "
                                "dengan --comm-key-file F (berkas yang hanya dapat dibaca pemiliknya)."))
        else:
            keys[d.id] = key
    return keys, missing


def _status(args: argparse.Namespace) -> int:
    from services.devices.diagnostics import diagnose_all

    db = open_db(args)
    keys, _missing = typed_keys(db, args.device, args.comm_key_file)
    results = diagnose_all(db, device_ids=args.device, timeout=args.timeout, comm_keys=keys)
    if not results:
        print("Belum ada perangkat yang terdaftar.")
        return 1
    for r in results:
        print("\n".join(r.lines()))
    return 0 if all(r.reachable for r in results) else 1


def _one_key(db: Database, device_id: int, key_file: Path | None) -> int | None:
    keys, missing = typed_keys(db, [device_id], key_file)
    if device_id in missing:
        raise CliError(missing[device_id])
    return keys.get(device_id)


def _users(args: argparse.Namespace) -> int:
    from services.devices.users import read_device_users

    db = open_db(args)
    users = read_device_users(db, args.device, comm_key=_one_key(db, args.device, args.comm_key_file))
    for u in users:
        role = "admin" if u.privilege == 14 else "pengguna"
        print(f"{u.user_id:>10}  {u.name:<24}  {role}  (slot {u.uid})")
    print(f"{len(users)} pengguna di mesin.")
    return 0


def _upload(args: argparse.Namespace) -> int:
    from services.devices.users import upload_employees
    from services.store.models import Employee, EmployeePin

    db = open_db(args)
    with db.session() as s:
        q = select(Employee.id)
        if args.all:
            q = q.join(EmployeePin, EmployeePin.employee_id == Employee.id).distinct()
        elif args.nip:
            q = q.where(Employee.nip.in_(args.nip))
        else:
            raise CliError("Sebutkan --nip NIP (boleh berulang) atau --all.")
        ids = [i for (i,) in s.execute(q)]
    if not ids:
        raise CliError("Tidak ada pegawai yang cocok.")
    r = upload_employees(db, args.device, ids, current(args).username, user_size=args.layout,
                         comm_key=_one_key(db, args.device, args.comm_key_file))
    print(r.summary())
    for line in r.skipped + r.errors:
        print("   -", line)
    return 1 if r.errors else 0


def _copy(args: argparse.Namespace) -> int:
    from services.devices.users import copy_users

    db = open_db(args)
    keys, missing = typed_keys(db, [args.source, args.target], args.comm_key_file)
    if missing:
        raise CliError(" ".join(missing.values()))
    r = copy_users(db, args.source, args.target, current(args).username, pins=args.pin, comm_keys=keys)
    print(r.summary())
    for line in r.errors:
        print("   -", line)
    return 1 if r.errors else 0


def _quarantine(args: argparse.Namespace) -> int:
    from services.devices.quarantine import accept, dismiss, list_quarantine
    from services.store.writer import write_transaction

    db = open_db(args)
    if args.accept or args.dismiss:
        with write_transaction(db) as s:
            if args.accept:
                n = accept(s, args.accept, current(args).username, db.clock.now(), args.note)
                print(f"{len(args.accept)} rekaman diterima; {n} rekaman kehadiran ditambahkan.")
            if args.dismiss:
                dismiss(s, args.dismiss, current(args).username, db.clock.now(), args.note)
                print(f"{len(args.dismiss)} rekaman ditolak.")
        return 0
    with db.session() as s:
        rows = list_quarantine(s, None if args.all else "pending")
    for r in rows:
        action = "dapat diterima/ditolak" if r.reviewable else "hanya dapat ditolak"
        print(f"#{r.id} [{r.status}] {r.serial} PIN {r.pin} {r.ts_text}: {r.detail} ({action})")
    print(f"{len(rows)} rekaman{' menunggu pemeriksaan' if not args.all else ''}.")
    return 0


def _schedule(args: argparse.Namespace) -> int:
    from services.devices import schedule
    from services.paths import default_db_path

    if args.status:
        db = open_db(args)
        with db.session() as s:
            run = schedule.last_scheduled_run(s)
        print("Belum pernah ada sinkron terjadwal." if run is None else
              f"Sinkron terjadwal terakhir: {run.started_at:%d-%m-%Y %H:%M}, {run.devices} mesin, {run.new} rekaman "
              f"baru, {run.rejected} dikarantina.")
        return 0
    if args.remove:
        print(schedule.remove().message)
        return 0
    from services.auth.users import SYNC_ACCOUNT, provision_sync_account
    from services.secrets import write_owner_only_file
    from services.store.writer import write_transaction

    location: Path | str = args.db or default_db_path()  # a file, or a postgresql:// URL (several PCs)
    if isinstance(location, Path):
        location = location.resolve()
        if not location.exists():
            raise CliError(f"Database tidak ditemukan: {location}")
    db = open_db(args)
    try:
        with write_transaction(db) as s:  # the scheduled run logs in as its own pull-only account
            password = provision_sync_account(s, current(args))
        beside_db = db.path.with_name("sinkron.password")  # the stored-files folder on PostgreSQL
    finally:
        db.dispose()
    password_file = write_owner_only_file((args.sync_password_file or beside_db).resolve(), password)
    result = schedule.install(location, args.every, comm_key_file=args.comm_key_file.resolve()
                              if args.comm_key_file else None, login=(SYNC_ACCOUNT, password_file))
    print(f"Akun '{SYNC_ACCOUNT}' (hanya menarik data mesin) masuk dengan kata sandi di {password_file} "
          "(hanya dapat dibaca akun ini).")
    print(result.message)
    for f in result.files:
        print("   ", f)
    return 0 if result.activated else 1

