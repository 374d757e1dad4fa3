"""Helpers for the demo mode: a live emulated device and its registration."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy.orm import Session

from services.clock import Clock, system_clock
from services.devices.emulator import DeviceState, Emulator
from services.devices.registry import DeviceInput, add_device
from services.store.models import Device


def start_demo_device(
    users: Iterable[tuple[str, str]],
    punches: Iterable[tuple[str, dt.datetime, int]],
    *,
    serial: str = "DEMO0000000001",
    comm_key: int = 0,
    record_size: int = 40,
    user_size: int = 72,
    clock_offset_s: float = 0.0,
    utc_offset_hours: int = 7,
    clock: Clock | None = None,
) -> Emulator:
    """Start an emulator on 127.0.0.1 (free port) in background threads.

    users: (pin, name) pairs; punches: (pin, local datetime, state 0 in / 1 out / 255 none).
    The result has .port, .state (DeviceState, e.g. to add punches live) and .stop().
    """
    state = DeviceState(serial=serial, device_name="Mesin Presensi Demo", comm_key=comm_key, record_size=record_size,
                        user_size=user_size, clock_offset=dt.timedelta(seconds=clock_offset_s),
                        utc_offset_hours=utc_offset_hours, clock=clock or system_clock())
    for pin, name in users:
        state.add_user(str(pin), name)
    for pin, ts, punch_state in sorted(punches, key=lambda x: x[1]):
        state.add_punch(str(pin), ts, state=punch_state)
    return Emulator(state, host="127.0.0.1", port=0).start()


def register_demo_device(
    session: Session,
    opd_id: int,
    port: int,
    *,
    name: str = "Mesin Presensi Lobi (demo)",
    timezone: str = "Asia/Jakarta",
    location_id: int | None = None,
    comm_key: int = 0,
    username: str = "system",
) -> Device:
    """Register the emulator as a device (comm key, when given, goes to keyring like any device's)."""
    return add_device(
        session,
        opd_id,
        DeviceInput(name=name, ip="127.0.0.1", port=port, protocol="tcp", timezone=timezone,
                    location_id=location_id, comm_key=str(comm_key) if comm_key else None),
        username,
    )
