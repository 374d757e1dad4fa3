"""Fingerprint devices (ZKTeco protocol as pyzk 0.9 speaks it).

- protocol.py   frames, checksum, comm key, time codec, user/record layouts, linear parsers
- emulator.py   protocol-faithful device emulator (TCP+UDP) with fault knobs; `presensi-opd emulator`
- client.py     our sync client (frame-exact reads, clean timeouts, Indonesian errors)
- registry.py   device CRUD, comm key in keyring, connection test, clock drift + correction on request
- sync.py       per-device sync: disable → read → one transaction → optional clear → enable; `presensi-opd sync`
- usb_import.py `<id>_attlog.dat` import (good lines imported, bad lines listed); `presensi-opd import-usb`
- punches.py    INSERT OR IGNORE storage on (source_serial, pin, ts), PIN → employee mapping

The demo device (a running emulator registered in the database) is services/demo/device.py.
"""
