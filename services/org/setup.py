"""First start on an empty database: the OPD profile, its first administrator, calendar data."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.auth import audit
from services.auth.users import create_user
from services.errors import BadInputError
from services.org.settings import TIMEZONES, OpdProfile
from services.policy.model import list_presets, load_policy
from services.store.db import clock_of
from services.store.models import OfficeLocation, Opd


class SetupError(BadInputError):
    pass


def needs_setup(session: Session) -> bool:
    return not session.execute(select(func.count(Opd.id))).scalar()


def initial_setup(
    session: Session,
    profile: OpdProfile,
    admin_username: str,
    admin_full_name: str,
    admin_password: str,
    office: tuple[str, float, float, float] | None = None,
    today: dt.date | None = None,
) -> int:
    """Create the OPD, its admin user, standard schedules and this/next year's holidays. Returns the OPD id."""
    from services.reconcile.demo import seed_calendar

    if not needs_setup(session):
        raise SetupError("Database ini sudah berisi OPD; penyiapan awal hanya untuk database kosong.")
    code = profile.code.strip().upper()
    if not code or not code.replace("_", "").isalnum():
        raise SetupError("Kode OPD wajib diisi (huruf/angka, mis. DISKOMINFO).")
    if not profile.name.strip():
        raise SetupError("Nama OPD wajib diisi.")
    if profile.timezone not in TIMEZONES:
        raise SetupError(f"Zona waktu '{profile.timezone}' tidak dikenal.")
    if profile.policy_preset not in list_presets():
        raise SetupError(f"Kebijakan '{profile.policy_preset}' tidak ada.")
    policy = load_policy(profile.policy_preset)
    opd = Opd(code=code, name=profile.name.strip(), region_name=profile.region_name.strip(), address=profile.address.strip(),
              city=profile.city.strip(), timezone=profile.timezone, policy_preset=profile.policy_preset)
    session.add(opd)
    session.flush()
    if office is not None:
        name, lat, lon, radius = office
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise SetupError("Koordinat kantor tidak valid (lintang -90..90, bujur -180..180).")
        session.add(OfficeLocation(opd_id=opd.id, name=name.strip() or "Kantor Utama", lat=lat, lon=lon,
                                   radius_m=radius or policy.mobile.geofence_radius_m))
    create_user(session, admin_username.strip(), admin_full_name.strip() or "Administrator", admin_password, ["admin"])
    year = (today or clock_of(session).today()).year
    seed_calendar(session, [year, year + 1], username=admin_username)
    audit.record(session, admin_username, "opd.setup", "opd", opd.id, {"code": code, "name": opd.name,
                                                                      "policy": profile.policy_preset})
    return opd.id
