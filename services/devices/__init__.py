"""Fingerprint devices (ZKTeco protocol as pyzk 0.9 speaks it; push/ADMS in push_*.py).

- protocol.py        frames, checksum, comm key, time codec, user/record/template layouts
- fastparse.py       vectorised attendance-log decode (numpy), quarantine of implausible records
- plausible.py       classify_timestamp(ts, clock, tolerance): the one rule for implausible times (mobile too)
- emulator_state.py  what an emulated device holds + its fault knobs (Faults)
- emulator.py        protocol-faithful emulator (TCP+UDP, one write per reply frame); `presensi-opd emulator`
- client.py          our client (checksums verified, UDP reply ids matched, chunk re-reads, Indonesian errors)
- registry.py        device CRUD, comm key in keyring, connection test, clock drift + correction on request
- keys.py            comm keys without a keyring: owner-only key files, terminal prompt
- sync.py            read (threads) → decode + store (one writer) → optional clear; `presensi-opd sync`
- punches.py         bulk INSERT … ON CONFLICT DO NOTHING (SQLite/PostgreSQL), quarantine, store_punches()
- pins.py            unmapped PINs, PIN → employee mapping
- users.py           device user list, name/NIP suggestions, upload employees, copy users + templates
- quarantine.py      review of quarantined records (accept / dismiss)
- diagnostics.py     per-device diagnostics; `presensi-opd device-status`
- schedule.py        Task Scheduler / systemd user timer for scheduled `sync`
- usb_layout.py, usb_import.py  USB/text export layouts and import; `presensi-opd import-usb`

The demo device (a running emulator registered in the database) is services/demo/device.py.
"""
