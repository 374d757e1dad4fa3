"""CLI: `emulator`, `sync`, `import-usb`, `device-add`, `device-list`."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import sys
from pathlib import Path

from sqlalchemy import select

from services.auth.users import SYNC_ROLE
from services.cli_support import ADMIN, OPERATOR, STAFF, current, needs, open_db


def register(sub: argparse._SubParsersAction) -> None:
    emu = sub.add_parser("emulator", help="jalankan emulator mesin presensi ZK (untuk uji coba)")
    emu.add_argument("--users", type=int, default=50, help="jumlah pengguna acak (PIN 1..N)")
    emu.add_argument("--records", type=int, default=1000, help="jumlah rekaman kehadiran acak")
    emu.add_argument("--port", type=int, default=4370)
    emu.add_argument("--host", default="127.0.0.1")
    emu.add_argument("--serial", default="EMU0000000001")
    emu.add_argument("--comm-key", type=int, default=0)
    emu.add_argument("--user-size", type=int, choices=(28, 72), default=72)
    emu.add_argument("--record-size", type=int, choices=(8, 16, 40), default=40)
    emu.add_argument("--large-data", choices=("auto", "inline", "buffer"), default="auto")
    emu.add_argument("--drift", type=float, default=0.0, help="selisih jam mesin dalam detik (+ lebih cepat)")
    emu.add_argument("--utc-offset", type=int, default=7, help="zona waktu mesin (7 WIB, 8 WITA, 9 WIT)")
    emu.add_argument("--seed", type=int, default=1)
    emu.add_argument("--invalid-dates", type=int, default=0, help="tambahkan N rekaman bertanggal mustahil (30 Feb)")
    emu.add_argument("--drop-after-bytes", type=int, default=None, help="putuskan sambungan setelah N bita")
    emu.add_argument("--drop-count", type=int, default=1)
    emu.add_argument("--add-during-read", type=int, default=0, help="rekaman baru yang masuk saat data dibaca")
    from services.devices.push_emulator import add_push_arguments

    add_push_arguments(emu)  # --push URL: the emulator pushes (ADMS) instead of serving pulls
    emu.set_defaults(func=_emulator)
    needs(emu, None)

    sync = sub.add_parser("sync", help="tarik data kehadiran dari mesin presensi (untuk jadwal otomatis)")
    sync.add_argument("--device", type=int, action="append", help="id perangkat (boleh berulang); bawaan: semua aktif")
    sync.add_argument("--clear-log", action="store_true", help="kosongkan log mesin SETELAH data tersimpan (bawaan: tidak)")
    sync.add_argument("--drift-threshold", type=float, default=60.0, help="batas selisih jam (detik) yang dilaporkan")
    sync.add_argument("--timeout", type=float, default=10.0)
    sync.add_argument("--comm-key-file", type=Path, default=None,
                      help="berkas comm key (hanya dapat dibaca pemiliknya) bila keyring sistem tidak ada")
    sync.add_argument("--scheduled", action="store_true", help="dijalankan oleh jadwal sistem (dicatat sebagai terjadwal)")
    sync.add_argument("--parallel", type=int, default=4, help="jumlah mesin yang dibaca bersamaan")
    sync.set_defaults(func=_sync)
    # the scheduled account may only pull; clearing a device's log is an operator's decision
    needs(sync, lambda a: OPERATOR if a.clear_log else (*OPERATOR, SYNC_ROLE))

    usb = sub.add_parser("import-usb", help="impor berkas <id>_attlog.dat dari flashdisk")
    usb.add_argument("files", nargs="+", type=Path)
    usb.add_argument("--device", type=int, default=None, help="id perangkat asal berkas (agar tidak dobel)")
    usb.set_defaults(func=_import_usb)
    needs(usb, OPERATOR)

    add = sub.add_parser("device-add", help="daftarkan mesin presensi")
    add.add_argument("--name", required=True)
    add.add_argument("--ip", required=True)
    add.add_argument("--port", type=int, default=4370)
    add.add_argument("--protocol", choices=("tcp", "udp"), default="tcp")
    add.add_argument("--timezone", default="Asia/Jakarta", choices=("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"))
    add.add_argument("--ask-comm-key", action="store_true",
                     help="tanyakan comm key di terminal; disimpan di keyring sistem bila ada")
    add.add_argument("--comm-key-file", type=Path, default=None,
                     help="baca comm key dari berkas (hanya dapat dibaca pemiliknya), bukan dari terminal")
    add.set_defaults(func=_device_add)
    needs(add, ADMIN)

    edit = sub.add_parser("device-edit", help="ubah alamat/port/zona waktu mesin presensi")
    edit.add_argument("device_id", type=int)
    edit.add_argument("--name")
    edit.add_argument("--ip")
    edit.add_argument("--port", type=int)
    edit.add_argument("--protocol", choices=("tcp", "udp"))
    edit.add_argument("--timezone", choices=("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"))
    edit.set_defaults(func=_device_edit)
    needs(edit, ADMIN)

    ls = sub.add_parser("device-list", help="daftar mesin presensi")
    ls.set_defaults(func=_device_list)
    needs(ls, STAFF)

    from services.devices import more_commands

    more_commands.register(sub)


def _device_edit(args: argparse.Namespace) -> int:
    from services.devices.registry import DeviceInput, update_device
    from services.store.models import Device

    db = open_db(args)
    try:
        with db.transaction() as s:
            d = s.get(Device, args.device_id)
            if d is None:
                print(f"Perangkat {args.device_id} tidak ditemukan.", file=sys.stderr)
                return 1
            data = DeviceInput(name=args.name or d.name, ip=args.ip or d.ip, port=args.port or d.port,
                               protocol=args.protocol or d.protocol, timezone=args.timezone or d.timezone,
                               location_id=d.location_id, comm_key=None)
            d = update_device(s, args.device_id, data, current(args).username)
            print(f"Perangkat {d.id} ({d.name}) sekarang {d.ip}:{d.port} {d.protocol.upper()} {d.timezone}.")
        return 0
    except ValueError as exc:
        print(f"GAGAL: {exc}", file=sys.stderr)
        return 1
    finally:
        db.dispose()


def _emulator(args: argparse.Namespace) -> int:
    from services.devices.emulator import DeviceState, Emulator, Faults

    state = DeviceState(serial=args.serial, comm_key=args.comm_key, user_size=args.user_size,
                        record_size=args.record_size, large_data_mode=args.large_data,
                        clock_offset=dt.timedelta(seconds=args.drift), utc_offset_hours=args.utc_offset,
                        faults=Faults(drop_after_bytes=args.drop_after_bytes, drop_count=args.drop_count,
                                      add_during_read=args.add_during_read))
    state.generate(args.users, args.records, seed=args.seed)
    for i in range(args.invalid_dates):
        state.add_invalid_date_record(state.users[i % len(state.users)].user_id if state.users else "1")
    if args.push:
        from services.devices.push_emulator import run_push

        return run_push(args, state)
    emu = Emulator(state, host=args.host, port=args.port).start()
    print(f"Emulator ZK berjalan di {args.host}:{emu.port} (TCP dan UDP), seri {args.serial}, "
          f"{len(state.users)} pengguna, {len(state.records)} rekaman. Tekan Ctrl+C untuk berhenti.", flush=True)
    emu.serve_forever()
    return 0


def _progress(done: int, total: int, message: str = "") -> None:
    if os.environ.get("PRESENSI_QUIET") or not sys.stderr.isatty():
        return  # scheduled runs log only the final summary
    pct = f"{100 * done // total:3d}% " if total else ""
    print(f"\r{pct}{message[:100]:<100}", end="", file=sys.stderr, flush=True)


def _sync(args: argparse.Namespace) -> int:
    from services.devices.more_commands import typed_keys
    from services.devices.sync import sync_all

    db = open_db(args)
    keys, missing = typed_keys(db, args.device, args.comm_key_file)
    results = sync_all(db, username=current(args).username, clear_log=args.clear_log, drift_threshold_s=args.drift_threshold,
                       timeout=args.timeout, device_ids=args.device, comm_keys=keys,
                       trigger="scheduled" if args.scheduled else "manual", parallel=args.parallel,
                       progress=_progress)
    print(file=sys.stderr)
    if not results:
        print("Belum ada perangkat aktif yang terdaftar." if not args.device else "Perangkat tidak ditemukan.")
        return 1
    for r in results:
        if r.device_id in missing and r.error:
            r.error = missing[r.device_id]
        print(r.summary())
        for e in r.errors[:20]:
            print("   -", e)
    return 1 if any(r.error for r in results) else 0


def _import_usb(args: argparse.Namespace) -> int:
    from services.devices.usb_import import import_usb_attlog

    db = open_db(args)
    failed = False
    for f in args.files:
        try:
            r = import_usb_attlog(db, f, device_id=args.device, username=current(args).username)
        except ValueError as exc:
            print(f"GAGAL: {exc}", file=sys.stderr)
            failed = True
            continue
        print(r.summary())
        for e in r.errors:
            print("   -", e)
    return 1 if failed else 0


def _device_add(args: argparse.Namespace) -> int:
    from services.devices.keys import read_comm_key_file
    from services.devices.registry import DeviceInput, add_device
    from services.secrets import SecretStoreUnavailable, keyring_status
    from services.store.models import Opd

    key = None
    if args.comm_key_file is not None:
        found = read_comm_key_file(args.comm_key_file)
        value = found.get(args.name, found.get("*"))
        if value is None:
            print(f"GAGAL: berkas {args.comm_key_file} tidak memuat kunci untuk '{args.name}' atau kunci umum.",
                  file=sys.stderr)
            return 1
        key = str(value)
    elif args.ask_comm_key:
        if not sys.stdin.isatty():
            print("GAGAL: --ask-comm-key butuh terminal; pakai --comm-key-file F untuk jadwal otomatis.", file=sys.stderr)
            return 1
        key = getpass.getpass("Comm key: ").strip()
    db = open_db(args)
    try:
        with db.transaction() as s:
            opd_id = s.execute(select(Opd.id).limit(1)).scalar()
            if opd_id is None:
                print("Data OPD belum ada.", file=sys.stderr)
                return 1
            d = add_device(s, opd_id, DeviceInput(args.name, args.ip, args.port, args.protocol, args.timezone,
                                                  comm_key=key), current(args).username)
            print(f"Perangkat #{d.id} '{d.name}' terdaftar ({d.ip}:{d.port}).")
            if key and key != "0":
                stored, why = keyring_status()
                if stored:
                    print("Comm key disimpan di keyring sistem.")
                else:
                    print(f"Comm key TIDAK disimpan: {why} Saat `sync`, kunci ditanyakan di terminal atau dibaca dari "
                          "--comm-key-file F (berkas yang hanya dapat dibaca pemiliknya).")
    except (ValueError, SecretStoreUnavailable) as exc:
        print(f"GAGAL: {exc}", file=sys.stderr)
        return 1
    return 0


def _device_list(args: argparse.Namespace) -> int:
    from services.devices.registry import describe_drift, list_devices

    db = open_db(args)
    with db.session() as s:
        for d in list_devices(s):
            last = d.last_sync_at.strftime("%d-%m-%Y %H:%M") if d.last_sync_at else "belum pernah"
            print(f"#{d.id} {d.name} {d.ip}:{d.port}/{d.protocol} seri={d.serial or '-'} "
                  f"sinkron={last} jam={describe_drift(d.last_drift_seconds)} {d.last_sync_status}")
    return 0
