"""Regional attendance/TPP policy: a TOML file, loaded into frozen dataclasses.

Presets live in services/policy/presets/<name>.toml; each value should carry its
source in the [sources] table. A region's own file may start from a preset with
``base = "<preset>"`` and override only what differs.
"""

from __future__ import annotations

import calendar
import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.errors import BadInputError

PRESETS_DIR = Path(__file__).with_name("presets")


class PolicyError(BadInputError):
    pass


@dataclass(frozen=True)
class Tier:
    code: str  # TL1 / PSW3 / ...
    from_minute: int  # inclusive
    to_minute: int | None  # inclusive, None = open-ended
    pct: float  # deduction percent per occurrence

    def contains(self, minutes: int) -> bool:
        return minutes >= self.from_minute and (self.to_minute is None or minutes <= self.to_minute)


@dataclass(frozen=True)
class AttendanceRules:
    grace_minutes: int = 0
    tl_tiers: tuple[Tier, ...] = ()
    psw_tiers: tuple[Tier, ...] = ()
    no_checkin_tier: str = "TL4"  # a working day with punches but no check-in counts as this tier
    no_checkout_tier: str = "PSW4"
    absent_pct: float = 4.0  # TK: percent per day
    apel_miss_pct: float = 0.0
    apel_weekdays: tuple[int, ...] = (0,)  # Monday
    apel_time: dt.time = dt.time(7, 30)  # a check-in within this minute or earlier counts as attending apel
    ceremony_time: dt.time | None = None  # upacara hari besar; None = apel_time
    ceremony_miss_pct: float | None = None  # a missed upacara; None = apel_miss_pct
    checkin_window_before_min: int = 180  # punches this long before the start count as check-in
    checkout_window_after_min: int = 360
    cap_pct: float = 100.0

    def tier_for(self, tiers: tuple[Tier, ...], minutes: int) -> Tier | None:
        if minutes <= self.grace_minutes:
            return None
        for t in tiers:
            if t.contains(minutes):
                return t
        return None

    def tier_by_code(self, code: str) -> Tier | None:
        for t in self.tl_tiers + self.psw_tiers:
            if t.code == code:
                return t
        return None


@dataclass(frozen=True)
class TppRules:
    components: dict[str, float] = field(default_factory=lambda: {"kehadiran": 40.0, "kinerja": 60.0})
    deduction_base: str = "kehadiran"  # deductions apply to this component, or "total"
    manipulation: str = "kehadiran_nol"  # kehadiran_nol / alpa / none


LATE_UPLOAD_CONSEQUENCES = ("tidak_sah", "sah")


@dataclass(frozen=True)
class MobileRules:
    geofence_radius_m: float = 100.0
    late_upload_deadline_day: int = 10  # offline records accepted until this day of the next month
    # a record uploaded after the deadline: "tidak_sah" = not valid attendance (the day is TK unless a
    # letter covers it), "sah" = still counts (only flagged)
    late_upload_consequence: str = "tidak_sah"
    selfie_required: bool = True
    min_app_version: str = ""  # "" = no minimum; records of an older app version are no record
    min_app_version_from: dt.date | None = None  # the minimum applies to records from this date on

    def upload_deadline(self, ts: dt.datetime) -> dt.datetime:
        """Last moment a record of ``ts``'s month may arrive: day N of the next month, 23:59:59."""
        year, month = (ts.year + 1, 1) if ts.month == 12 else (ts.year, ts.month + 1)
        day = min(max(1, self.late_upload_deadline_day), calendar.monthrange(year, month)[1])
        return dt.datetime(year, month, day, 23, 59, 59)

    def app_version_too_old(self, version: str | None, day: dt.date) -> bool:
        """True when a minimum applies on ``day`` and ``version`` is below it (None/"" = not reported: not judged)."""
        if not self.min_app_version or not version or (self.min_app_version_from and day < self.min_app_version_from):
            return False
        return version_key(version) < version_key(self.min_app_version)


def version_key(version: str) -> tuple[int, ...]:
    """"3.10.2" -> (3, 10, 2): numeric parts compare as numbers ("3.10" > "3.9"); a suffix ("-beta") is ignored."""
    parts = []
    for piece in version.strip().lstrip("vV").split("."):
        digits = ""
        for ch in piece:
            if not ch.isdigit():
                break
            digits += ch
        parts.append(int(digits) if digits else 0)
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


@dataclass(frozen=True)
class ScheduleRules:
    """[schedule]: jam masuk fleksibel and automatic Ramadan hours (a schedule's own values win)."""

    flexible_start_until: dt.time | None = None  # on time until this clock time (PMK 221/2021: 09.00)
    flexible_start_minutes: int | None = None  # or: this many minutes after each day's start
    ramadan_auto: bool = True  # Ramadan dates of the calendar switch fixed schedules to Ramadan hours
    ramadan_schedule: str = "RAMADAN"  # code of the schedule whose hours apply on Ramadan dates

    def flex_minutes_for(self, start: dt.time) -> int:
        """Flexible minutes for a day starting at ``start`` (0 = none)."""
        if self.flexible_start_minutes is not None:
            return max(0, self.flexible_start_minutes)
        if self.flexible_start_until is None:
            return 0
        until = self.flexible_start_until.hour * 60 + self.flexible_start_until.minute
        return max(0, until - (start.hour * 60 + start.minute))


@dataclass(frozen=True)
class SelfieRules:
    """Selfie checks (docs/SELFIE_MODEL.md): face-match threshold and EXIF manipulation signals."""

    match_max_distance: float = 0.62  # face-embedding distance below this = same person
    exif_time_max_minutes: float = 15.0  # EXIF capture time further than this from the punch time: flag
    exif_gps_max_m: float = 500.0  # EXIF GPS further than this from the reported GPS: flag


@dataclass(frozen=True)
class DisciplineRules:
    hours_per_day: float = 7.5  # late + early minutes add up; this many hours = 1 day absent
    sedang_mode: str = "penundaan"  # penundaan (PP 94 Pasal 42) / potongan_tpp
    consecutive_days_berat: int = 10
    pppk_berat_ends_contract: bool = True
    long_holiday_min_days: int = 3  # "libur panjang": at least this many consecutive non-working days


@dataclass(frozen=True)
class Policy:
    preset: str
    name: str
    attendance: AttendanceRules
    tpp: TppRules
    mobile: MobileRules
    discipline: DisciplineRules
    sources: dict[str, str]
    selfie: SelfieRules = field(default_factory=SelfieRules)
    schedule: ScheduleRules = field(default_factory=ScheduleRules)


def _tiers(raw: list[dict[str, Any]], where: str) -> tuple[Tier, ...]:
    tiers = []
    for i, t in enumerate(raw):
        try:
            tiers.append(Tier(code=str(t["code"]), from_minute=int(t["from"]), to_minute=None if t.get("to") is None else int(t["to"]), pct=float(t["pct"])))
        except (KeyError, TypeError, ValueError) as exc:
            raise PolicyError(f"{where}[{i}]: tingkat tidak lengkap/tidak valid ({exc})") from None
    return tuple(sorted(tiers, key=lambda t: t.from_minute))


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _read(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    if path in seen:
        raise PolicyError(f"{path.name}: 'base' melingkar")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PolicyError(f"Berkas kebijakan tidak ditemukan: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{path.name}: TOML tidak valid: {exc}") from None
    base = data.pop("base", None)
    if base:
        data = _merge(_read(PRESETS_DIR / f"{base}.toml", seen + (path,)), data)
    return data


def _time(value: str, where: str) -> dt.time:
    """"07:30" or the Indonesian "07.30"."""
    text = value.strip()
    if len(text) in (4, 5) and "." in text and ":" not in text:
        text = text.replace(".", ":")
    try:
        return dt.time.fromisoformat(text.zfill(5) if len(text) == 4 else text)
    except ValueError:
        raise PolicyError(f"{where}: jam '{value}' tidak valid (format HH:MM)") from None


def _opt_time(value: Any, where: str) -> dt.time | None:
    return None if value in (None, "") else _time(str(value), where)


def _opt_date(value: Any, where: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise PolicyError(f"{where}: tanggal '{value}' tidak valid (format YYYY-MM-DD)") from None


def _schedule_rules(sc: dict[str, Any]) -> ScheduleRules:
    minutes = sc.get("flexible_start_minutes")
    return ScheduleRules(
        flexible_start_until=_opt_time(sc.get("flexible_start_until"), "schedule.flexible_start_until"),
        flexible_start_minutes=None if minutes in (None, "") else int(minutes),
        ramadan_auto=bool(sc.get("ramadan_auto", True)),
        ramadan_schedule=str(sc.get("ramadan_schedule", "RAMADAN")),
    )


def policy_from_dict(data: dict[str, Any], preset: str) -> Policy:
    a = data.get("attendance", {})
    t = data.get("tpp", {})
    m = data.get("mobile", {})
    d = data.get("discipline", {})
    f = data.get("selfie", {})
    try:
        attendance = AttendanceRules(
            grace_minutes=int(a.get("grace_minutes", 0)),
            tl_tiers=_tiers(a.get("tl_tiers", []), "attendance.tl_tiers"),
            psw_tiers=_tiers(a.get("psw_tiers", []), "attendance.psw_tiers"),
            no_checkin_tier=str(a.get("no_checkin_tier", "TL4")),
            no_checkout_tier=str(a.get("no_checkout_tier", "PSW4")),
            absent_pct=float(a.get("absent_pct", 4.0)),
            apel_miss_pct=float(a.get("apel_miss_pct", 0.0)),
            apel_weekdays=tuple(int(x) for x in a.get("apel_weekdays", [0])),
            apel_time=_time(str(a.get("apel_time", "07:30")), "attendance.apel_time"),
            ceremony_time=_opt_time(a.get("ceremony_time"), "attendance.ceremony_time"),
            ceremony_miss_pct=None if a.get("ceremony_miss_pct") is None else float(a["ceremony_miss_pct"]),
            checkin_window_before_min=int(a.get("checkin_window_before_min", 180)),
            checkout_window_after_min=int(a.get("checkout_window_after_min", 360)),
            cap_pct=float(a.get("cap_pct", 100.0)),
        )
        tpp = TppRules(
            components={str(k): float(v) for k, v in t.get("components", {"kehadiran": 40, "kinerja": 60}).items()},
            deduction_base=str(t.get("deduction_base", "kehadiran")),
            manipulation=str(t.get("manipulation", "kehadiran_nol")),
        )
        mobile = MobileRules(
            geofence_radius_m=float(m.get("geofence_radius_m", 100.0)),
            late_upload_deadline_day=int(m.get("late_upload_deadline_day", 10)),
            late_upload_consequence=str(m.get("late_upload_consequence", "tidak_sah")),
            selfie_required=bool(m.get("selfie_required", True)),
            min_app_version=str(m.get("min_app_version", "")).strip(),
            min_app_version_from=_opt_date(m.get("min_app_version_from"), "mobile.min_app_version_from"),
        )
        discipline = DisciplineRules(
            hours_per_day=float(d.get("hours_per_day", 7.5)),
            sedang_mode=str(d.get("sedang_mode", "penundaan")),
            consecutive_days_berat=int(d.get("consecutive_days_berat", 10)),
            pppk_berat_ends_contract=bool(d.get("pppk_berat_ends_contract", True)),
            long_holiday_min_days=int(d.get("long_holiday_min_days", 3)),
        )
        schedule = _schedule_rules(data.get("schedule", {}))
        selfie = SelfieRules(
            match_max_distance=float(f.get("match_max_distance", 0.62)),
            exif_time_max_minutes=float(f.get("exif_time_max_minutes", 15.0)),
            exif_gps_max_m=float(f.get("exif_gps_max_m", 500.0)),
        )
    except (TypeError, ValueError) as exc:
        raise PolicyError(f"kebijakan '{preset}': nilai tidak valid ({exc})") from None
    if not 0.2 <= selfie.match_max_distance <= 1.0:
        raise PolicyError(f"kebijakan '{preset}': selfie.match_max_distance {selfie.match_max_distance} di luar 0,2..1,0 "
                          "(jarak wajah; lihat docs/SELFIE_MODEL.md)")
    if selfie.exif_time_max_minutes <= 0 or selfie.exif_gps_max_m <= 0:
        raise PolicyError(f"kebijakan '{preset}': selfie.exif_time_max_minutes dan selfie.exif_gps_max_m harus > 0")
    if abs(sum(tpp.components.values()) - 100.0) > 0.01:
        raise PolicyError(f"kebijakan '{preset}': komponen TPP harus berjumlah 100%")
    if tpp.deduction_base not in tpp.components and tpp.deduction_base != "total":
        raise PolicyError(f"kebijakan '{preset}': tpp.deduction_base '{tpp.deduction_base}' bukan komponen TPP")
    if mobile.late_upload_consequence not in LATE_UPLOAD_CONSEQUENCES:
        raise PolicyError(f"kebijakan '{preset}': mobile.late_upload_consequence harus salah satu dari "
                          f"{', '.join(LATE_UPLOAD_CONSEQUENCES)}")
    if discipline.long_holiday_min_days < 2:
        raise PolicyError(f"kebijakan '{preset}': discipline.long_holiday_min_days minimal 2")
    if discipline.sedang_mode not in ("penundaan", "potongan_tpp"):
        raise PolicyError(f"kebijakan '{preset}': discipline.sedang_mode harus 'penundaan' atau 'potongan_tpp'")
    return Policy(
        preset=preset,
        name=str(data.get("meta", {}).get("name", preset)),
        attendance=attendance,
        tpp=tpp,
        mobile=mobile,
        discipline=discipline,
        selfie=selfie,
        schedule=schedule,
        sources={str(k): str(v) for k, v in data.get("sources", {}).items()},
    )


def load_policy(name_or_path: str | Path) -> Policy:
    """Load a preset by name ("kotawaringin_timur") or a region's own TOML file by path."""
    p = Path(name_or_path)
    if p.suffix != ".toml":
        p = PRESETS_DIR / f"{name_or_path}.toml"
    return policy_from_dict(_read(p), preset=p.stem)


def list_presets() -> list[str]:
    return sorted(p.stem for p in PRESETS_DIR.glob("*.toml"))


def policy_for_opd(session, opd_id: int) -> Policy:  # type: ignore[no-untyped-def]
    """The OPD's regional policy (Opd.policy_preset: a preset name or a path to the region's own TOML)."""
    from services.store.models import Opd

    opd = session.get(Opd, opd_id)
    if opd is None:
        raise PolicyError(f"OPD id {opd_id} tidak ditemukan.")
    return load_policy(opd.policy_preset or "default")
