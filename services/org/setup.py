"""First start on an empty database: the OPD profile, its first administrator, calendar data."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.auth import audit
from services.auth.users import CurrentUser, create_user
from services.errors import BadInputError
from services.org.settings import TIMEZONES, OpdProfile
from services.policy.model import Policy, list_presets, load_policy
from services.store.db import clock_of
from services.store.models import OfficeLocation, Opd


class SetupError(BadInputError):
    pass


# Indonesia from Sabang to Merauke and Miangas to Rote, with a little room (degrees)
INDONESIA_LAT = (-11.0, 6.0)
INDONESIA_LON = (95.0, 141.0)
RADIUS_RANGE_M = (10.0, 2000.0)


def _in_indonesia(lat: float, lon: float) -> bool:
    return INDONESIA_LAT[0] <= lat <= INDONESIA_LAT[1] and INDONESIA_LON[0] <= lon <= INDONESIA_LON[1]


def validate_office(lat: float, lon: float, radius_m: float = 0.0, policy: Policy | None = None) -> None:
    """Refuse coordinates that cannot be an office in Indonesia, saying what is probably wrong.

    ``radius_m`` 0 means "the region's policy default"; otherwise it must be 10–2000 m and, with the
    region's ``policy``, not above its geofence radius unless the policy allows larger office radii.
    """
    if lat == 0 and lon == 0:
        raise SetupError("Koordinat kantor belum diisi (lintang 0, bujur 0 ada di Samudra Atlantik). Salin lintang "
                         "dan bujur gedung kantor dari aplikasi peta, mis. -2.538900 dan 112.952500.")
    if not _in_indonesia(lat, lon):
        hint = ""
        if _in_indonesia(lon, lat):
            hint = " Lintang dan bujur tampaknya tertukar: lintang (mis. -2.5) di kolom pertama, bujur (mis. 112.9) kedua."
        elif _in_indonesia(-lat, lon):
            hint = " Tanda minus lintang tampaknya salah: wilayah di selatan khatulistiwa memakai lintang negatif."
        elif not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise SetupError(f"Koordinat kantor tidak valid: lintang {lat:g} (harus -90..90), bujur {lon:g} "
                             "(harus -180..180).")
        raise SetupError(f"Koordinat kantor ({lat:.6f}, {lon:.6f}) berada di luar wilayah Indonesia (lintang "
                         f"{INDONESIA_LAT[0]:g} sampai {INDONESIA_LAT[1]:g}, bujur {INDONESIA_LON[0]:g} sampai "
                         f"{INDONESIA_LON[1]:g}).{hint}")
    if radius_m and not RADIUS_RANGE_M[0] <= radius_m <= RADIUS_RANGE_M[1]:
        raise SetupError(f"Radius kantor {radius_m:g} m tidak wajar: isi {RADIUS_RANGE_M[0]:g} sampai "
                         f"{RADIUS_RANGE_M[1]:g} meter (atau 0 untuk radius bawaan kebijakan daerah).")
    if policy is not None and radius_m:
        check_office_radius(radius_m, policy)


def check_office_radius(radius_m: float, policy: Policy) -> None:
    """The region's geofence radius is a maximum for every office location (unless the policy allows more)."""
    rules = policy.mobile
    if rules.office_radius_may_exceed or radius_m <= rules.geofence_radius_m:
        return
    source = policy.source_of("mobile.geofence_radius_m").text
    raise SetupError(f"Radius kantor {radius_m:g} m melebihi radius presensi daerah {rules.geofence_radius_m:g} m "
                     f"(kebijakan {policy.name}; sumber: {source}). Isi paling banyak "
                     f"{rules.geofence_radius_m:g} m, atau 0 untuk memakai radius daerah.")


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
    from services.calendar.seed import seed_calendar

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
    if office is not None:
        validate_office(office[1], office[2], office[3], policy)  # before anything is written
    opd = Opd(code=code, name=profile.name.strip(), region_name=profile.region_name.strip(), address=profile.address.strip(),
              city=profile.city.strip(), timezone=profile.timezone, policy_preset=profile.policy_preset)
    session.add(opd)
    session.flush()
    if office is not None:
        name, lat, lon, radius = office
        session.add(OfficeLocation(opd_id=opd.id, name=name.strip() or "Kantor Utama", lat=lat, lon=lon,
                                   radius_m=radius or policy.mobile.geofence_radius_m))
    create_user(session, admin_username.strip(), admin_full_name.strip() or "Administrator", admin_password, ["admin"])
    year = (today or clock_of(session).today()).year
    seed_calendar(session, [year, year + 1], username=admin_username)
    audit.record(session, admin_username, "opd.setup", "opd", opd.id, {"code": code, "name": opd.name,
                                                                      "policy": profile.policy_preset})
    return opd.id


def save_office_location(session: Session, opd_id: int, user: CurrentUser, name: str, lat: float, lon: float,
                         radius_m: float = 0.0, location_id: int | None = None) -> int:
    """Add (or change) an office location of the OPD, refusing a radius above the region's maximum."""
    from services.policy.model import policy_for_opd

    user.require("admin")
    validate_office(lat, lon, radius_m, policy_for_opd(session, opd_id))
    loc = session.get(OfficeLocation, location_id) if location_id is not None else None
    if location_id is not None and (loc is None or loc.opd_id != opd_id):
        raise SetupError(f"Lokasi kantor id {location_id} tidak ditemukan pada OPD ini.")
    if loc is None:
        loc = OfficeLocation(opd_id=opd_id, name="", lat=lat, lon=lon)
        session.add(loc)
    loc.name, loc.lat, loc.lon = name.strip() or "Kantor", lat, lon
    loc.radius_m = radius_m or policy_for_opd(session, opd_id).mobile.geofence_radius_m
    session.flush()
    audit.record(session, user.username, "office.save", "office_location", loc.id,
                 {"name": loc.name, "lat": lat, "lon": lon, "radius_m": radius_m})
    return loc.id
