"""OPD profile and user administration used by the Settings screen."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.auth import audit
from services.auth.users import CurrentUser
from services.errors import BadInputError
from services.policy.model import PolicyError, list_presets, load_policy
from services.store.db import clock_of
from services.store.models import Opd, User

TIMEZONES = {"Asia/Jakarta": "WIB (UTC+7)", "Asia/Makassar": "WITA (UTC+8)", "Asia/Jayapura": "WIT (UTC+9)"}


@dataclass
class OpdProfile:
    code: str
    name: str
    region_name: str
    address: str
    city: str
    timezone: str
    policy_preset: str


def get_profile(session: Session, opd_id: int) -> OpdProfile:
    o = session.get(Opd, opd_id)
    assert o is not None
    return OpdProfile(o.code, o.name, o.region_name, o.address, o.city, o.timezone, o.policy_preset)


def save_profile(session: Session, opd_id: int, profile: OpdProfile, user: CurrentUser) -> None:
    user.require("admin")
    if not profile.name.strip():
        raise BadInputError("Nama OPD tidak boleh kosong.")
    if profile.timezone not in TIMEZONES:
        raise BadInputError(f"Zona waktu '{profile.timezone}' tidak dikenal.")
    if profile.policy_preset not in list_presets():
        raise PolicyError(f"Kebijakan '{profile.policy_preset}' tidak ada.")
    load_policy(profile.policy_preset)  # refuse a preset that does not load
    o = session.get(Opd, opd_id)
    assert o is not None
    before = get_profile(session, opd_id)
    changes = {k: (getattr(before, k), v) for k, v in vars(profile).items() if getattr(before, k) != v and k != "code"}
    for k, (_old, new) in changes.items():
        setattr(o, k, new)
    if changes:
        audit.record(session, user.username, "opd.update", "opd", opd_id, {k: list(v) for k, v in changes.items()})


def user_rows(session: Session) -> list[tuple[int, str, str, str, bool, dt.datetime | None]]:
    """(id, username, full name, roles, active, locked until — None when not locked now)."""
    now = clock_of(session).now()
    return [(u.id, u.username, u.full_name, u.roles, u.active,
             u.locked_until if u.locked_until is not None and u.locked_until > now else None)
            for u in session.execute(select(User).order_by(User.username)).scalars()]
