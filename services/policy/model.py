"""Regional attendance/TPP policy: a TOML file, loaded into frozen dataclasses.

Presets live in services/policy/presets/<name>.toml; each value carries its source in the
[sources.<table>] tables (services/policy/sources.py: values without a document are marked
"asumsi, periksa Perkada"). A region's own file may start from a preset with
``base = "<preset>"`` and override only what differs, but it must state the TPP deduction
base itself (``[tpp] deduction_base``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from services.errors import BadInputError
from services.policy.schedule_rules import ScheduleRules, schedule_from_dict
from services.policy.sources import (
    ASSUMPTION_MARK,
    Layer,
    ValueSource,
    attribute,
    flatten_sources,
    flatten_values,
    unknown_source_keys,
)

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
    ceremony_time: dt.time | None = None  # upacara hari besar (calendar "upacara" days); None = apel_time
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


TPP_WHOLE = "tpp"  # deduction base: percentages of the whole TPP


@dataclass(frozen=True)
class TppRules:
    """How deductions reach rupiah: the base the percentages apply to, stated by every preset.

    ``deduction_base`` is ``"tpp"`` (percentages of the whole TPP, Permentan 68/2012 template) or the
    name of a component in ``components`` (e.g. "kehadiran" of a 40/60 kehadiran/kinerja split).
    There is no silent default: a preset without it does not load.
    """

    deduction_base: str
    components: dict[str, float] = field(default_factory=dict)  # name -> percent of TPP (sum 100) or empty
    manipulation: str = "alpa"  # kehadiran_nol / alpa / none

    def base_share_pct(self) -> float:
        return 100.0 if self.deduction_base == TPP_WHOLE else self.components[self.deduction_base]

    def base_label(self) -> str:
        if self.deduction_base == TPP_WHOLE:
            return "seluruh TPP"
        return f"komponen {self.deduction_base} ({self.base_share_pct():g} % dari TPP)".replace(".", ",")


@dataclass(frozen=True)
class MobileRules:
    geofence_radius_m: float = 100.0  # the region's radius: default for an office and its maximum
    geofence_edge: str = "inclusive"  # inclusive: distance <= radius passes; exclusive: distance < radius passes
    office_radius_may_exceed: bool = False  # may an office location have a larger radius than the region's?
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


LATE_UPLOAD_CONSEQUENCES = ("tidak_sah", "sah")


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
class SelfieRules:
    """Selfie checks (docs/SELFIE_MODEL.md): face-match threshold and EXIF manipulation signals."""

    match_max_distance: float = 0.62  # face-embedding distance below this = same person
    exif_time_max_minutes: float = 15.0  # EXIF capture time further than this from the punch time: flag
    exif_gps_max_m: float = 500.0  # EXIF GPS further than this from the reported GPS: flag


@dataclass(frozen=True)
class SedangSubstitute:
    """One sedang day band and the sanction proposed instead of the 25 % tunjangan cut (PP 94 Pasal 42)."""

    from_days: int
    to_days: int
    replaces: str  # the sanction of PP 94/2021 it stands in for
    sanction: str  # the substitute, worded as a proposal to the PPK
    legal_basis: str  # the article to cite in every proposal
    confirmed: bool  # is the pairing of this band with this substitute confirmed by a public source?

    def covers(self, days: int) -> bool:
        return self.from_days <= days <= self.to_days


@dataclass(frozen=True)
class DisciplineRules:
    hours_per_day: float = 7.5  # late + early minutes add up; this many hours = 1 day absent
    sedang_mode: str = "penundaan"  # penundaan (PP 94 Pasal 42) / potongan_tpp
    consecutive_days_berat: int = 10
    pppk_berat_ends_contract: bool = True
    sedang_substitutes: tuple[SedangSubstitute, ...] = ()
    long_holiday_min_days: int = 3  # "libur panjang": at least this many consecutive non-working days

    def substitute_for(self, days: int) -> SedangSubstitute | None:
        """The substitute for a sedang total of ``days`` when ``sedang_mode`` is "penundaan", else None."""
        if self.sedang_mode != "penundaan":
            return None
        return next((s for s in self.sedang_substitutes if s.covers(days)), None)


@dataclass(frozen=True)
class Policy:
    preset: str
    name: str
    attendance: AttendanceRules
    tpp: TppRules
    mobile: MobileRules
    discipline: DisciplineRules
    value_sources: dict[str, ValueSource]  # "table.key" -> where the value comes from
    selfie: SelfieRules = field(default_factory=SelfieRules)
    schedule: ScheduleRules = field(default_factory=ScheduleRules)

    @property
    def sources(self) -> dict[str, str]:
        return {k: v.text for k, v in self.value_sources.items()}

    def source_of(self, path: str) -> ValueSource:
        try:
            return self.value_sources[path]
        except KeyError:
            raise PolicyError(f"kebijakan '{self.preset}': nilai '{path}' tidak dikenal") from None

    def unverified(self) -> list[ValueSource]:
        """Values without a cited document (the settings screen marks and counts them)."""
        return [v for v in self.value_sources.values() if not v.verified]


VALUE_TABLES: dict[str, type] = {"attendance": AttendanceRules, "tpp": TppRules, "mobile": MobileRules,
                                 "discipline": DisciplineRules, "selfie": SelfieRules, "schedule": ScheduleRules}
VALUE_PATHS: tuple[str, ...] = tuple(f"{t}.{f.name}" for t, cls in VALUE_TABLES.items() for f in fields(cls))


def _tiers(raw: list[dict[str, Any]], where: str) -> tuple[Tier, ...]:
    tiers = []
    for i, t in enumerate(raw):
        try:
            tiers.append(Tier(code=str(t["code"]), from_minute=int(t["from"]), to_minute=None if t.get("to") is None else int(t["to"]), pct=float(t["pct"])))
        except (KeyError, TypeError, ValueError) as exc:
            raise PolicyError(f"{where}[{i}]: tingkat tidak lengkap/tidak valid ({exc})") from None
    return tuple(sorted(tiers, key=lambda t: t.from_minute))


def _substitutes(raw: list[dict[str, Any]], where: str) -> tuple[SedangSubstitute, ...]:
    out = []
    for i, item in enumerate(raw):
        try:
            out.append(SedangSubstitute(from_days=int(item["from"]), to_days=int(item["to"]),
                                        replaces=str(item["replaces"]), sanction=str(item["sanction"]),
                                        legal_basis=str(item["legal_basis"]), confirmed=bool(item["confirmed"])))
        except (KeyError, TypeError, ValueError) as exc:
            raise PolicyError(f"{where}[{i}]: pengganti hukuman sedang tidak lengkap (from, to, replaces, sanction, "
                              f"legal_basis, confirmed): {exc}") from None
    return tuple(sorted(out, key=lambda s: s.from_days))


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _read_layers(path: Path, seen: tuple[Path, ...] = ()) -> list[tuple[str, dict[str, Any]]]:
    """The preset chain of ``path``: [(stem, data)], root base first, ``path`` itself last."""
    if path in seen:
        raise PolicyError(f"{path.name}: 'base' melingkar")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PolicyError(f"Berkas kebijakan tidak ditemukan: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{path.name}: TOML tidak valid: {exc}") from None
    base = data.pop("base", None)
    _base_alias(data)
    chain = _read_layers(PRESETS_DIR / f"{base}.toml", seen + (path,)) if base else []
    return chain + [(path.stem, data)]


def _base_alias(data: dict[str, Any]) -> None:
    """``[tpp] base = "tpp"`` (and its ``[sources.tpp] base``) is accepted for ``deduction_base``.

    The top-level ``base`` names the preset a file starts from; inside [tpp] it is the deduction base.
    """
    for table in (data.get("tpp"), (data.get("sources") or {}).get("tpp")):
        if isinstance(table, dict) and "base" in table:
            if "deduction_base" in table:
                raise PolicyError("[tpp]: tulis dasar potongan sekali saja (base atau deduction_base)")
            table["deduction_base"] = table.pop("base")


def _time(value: str, where: str) -> dt.time:
    """"07:30" or the Indonesian "07.30"."""
    text = value.strip()
    if "." in text and ":" not in text:
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


def _attendance(a: dict[str, Any]) -> AttendanceRules:
    return AttendanceRules(
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


def _tpp(t: dict[str, Any], preset: str) -> TppRules:
    base = t.get("deduction_base", t.get("base"))
    if base is None or not str(base).strip():
        raise PolicyError(
            f"kebijakan '{preset}': [tpp] deduction_base wajib dinyatakan: \"tpp\" (persentase dari seluruh TPP) "
            f"atau nama komponen (mis. \"kehadiran\" dengan [tpp] components = {{ kehadiran = 40, kinerja = 60 }}), "
            f"beserta sumbernya di [sources.tpp]")
    base = TPP_WHOLE if str(base) == "total" else str(base)  # "total": the older spelling of the whole TPP
    return TppRules(deduction_base=base,
                    components={str(k): float(v) for k, v in t.get("components", {}).items()},
                    manipulation=str(t.get("manipulation", "alpa")))


def _mobile(m: dict[str, Any]) -> MobileRules:
    return MobileRules(
        geofence_radius_m=float(m.get("geofence_radius_m", 100.0)),
        geofence_edge=str(m.get("geofence_edge", "inclusive")),
        office_radius_may_exceed=bool(m.get("office_radius_may_exceed", False)),
        late_upload_deadline_day=int(m.get("late_upload_deadline_day", 10)),
        late_upload_consequence=str(m.get("late_upload_consequence", "tidak_sah")),
        selfie_required=bool(m.get("selfie_required", True)),
        min_app_version=str(m.get("min_app_version", "")).strip(),
        min_app_version_from=_opt_date(m.get("min_app_version_from"), "mobile.min_app_version_from"),
    )


def _discipline(d: dict[str, Any]) -> DisciplineRules:
    return DisciplineRules(
        hours_per_day=float(d.get("hours_per_day", 7.5)),
        sedang_mode=str(d.get("sedang_mode", "penundaan")),
        consecutive_days_berat=int(d.get("consecutive_days_berat", 10)),
        pppk_berat_ends_contract=bool(d.get("pppk_berat_ends_contract", True)),
        sedang_substitutes=_substitutes(d.get("sedang_substitutes", []), "discipline.sedang_substitutes"),
        long_holiday_min_days=int(d.get("long_holiday_min_days", 3)),
    )


def _check(policy: Policy) -> None:
    preset, tpp, selfie, mobile = policy.preset, policy.tpp, policy.selfie, policy.mobile
    if not 0.2 <= selfie.match_max_distance <= 1.0:
        raise PolicyError(f"kebijakan '{preset}': selfie.match_max_distance {selfie.match_max_distance} di luar 0,2..1,0 "
                          "(jarak wajah; lihat docs/SELFIE_MODEL.md)")
    if selfie.exif_time_max_minutes <= 0 or selfie.exif_gps_max_m <= 0:
        raise PolicyError(f"kebijakan '{preset}': selfie.exif_time_max_minutes dan selfie.exif_gps_max_m harus > 0")
    if tpp.components and abs(sum(tpp.components.values()) - 100.0) > 0.01:
        raise PolicyError(f"kebijakan '{preset}': komponen TPP harus berjumlah 100%")
    if tpp.deduction_base != TPP_WHOLE and tpp.deduction_base not in tpp.components:
        raise PolicyError(f"kebijakan '{preset}': tpp.deduction_base '{tpp.deduction_base}' bukan \"tpp\" dan bukan "
                          f"komponen TPP; nyatakan porsinya di [tpp] components")
    if tpp.manipulation not in ("kehadiran_nol", "alpa", "none"):
        raise PolicyError(f"kebijakan '{preset}': tpp.manipulation harus 'kehadiran_nol', 'alpa' atau 'none'")
    if tpp.manipulation == "kehadiran_nol" and "kehadiran" not in tpp.components:
        raise PolicyError(f"kebijakan '{preset}': tpp.manipulation 'kehadiran_nol' memerlukan komponen 'kehadiran' "
                          f"di [tpp] components")
    if policy.discipline.sedang_mode not in ("penundaan", "potongan_tpp"):
        raise PolicyError(f"kebijakan '{preset}': discipline.sedang_mode harus 'penundaan' atau 'potongan_tpp'")
    if mobile.geofence_edge not in ("inclusive", "exclusive"):
        raise PolicyError(f"kebijakan '{preset}': mobile.geofence_edge harus 'inclusive' (jarak <= radius lolos) atau "
                          f"'exclusive' (jarak < radius lolos)")
    if mobile.late_upload_consequence not in LATE_UPLOAD_CONSEQUENCES:
        raise PolicyError(f"kebijakan '{preset}': mobile.late_upload_consequence harus salah satu dari "
                          f"{', '.join(LATE_UPLOAD_CONSEQUENCES)}")
    if policy.discipline.long_holiday_min_days < 2:
        raise PolicyError(f"kebijakan '{preset}': discipline.long_holiday_min_days minimal 2")
    if mobile.geofence_radius_m <= 0:
        raise PolicyError(f"kebijakan '{preset}': mobile.geofence_radius_m harus lebih dari 0")


def policy_from_dict(data: dict[str, Any], preset: str, layers: list[Layer] | None = None) -> Policy:
    """Build a Policy from merged TOML data; ``layers`` (the preset chain) attribute each value's source."""
    try:
        attendance = _attendance(data.get("attendance", {}))
        tpp = _tpp(data.get("tpp", {}), preset)
        mobile = _mobile(data.get("mobile", {}))
        discipline = _discipline(data.get("discipline", {}))
        f = data.get("selfie", {})
        selfie = SelfieRules(
            match_max_distance=float(f.get("match_max_distance", 0.62)),
            exif_time_max_minutes=float(f.get("exif_time_max_minutes", 15.0)),
            exif_gps_max_m=float(f.get("exif_gps_max_m", 500.0)),
        )
        schedule = schedule_from_dict(data.get("schedule", {}))
        if layers is None:
            layers = [Layer(preset, flatten_values(data, VALUE_TABLES), flatten_sources(data.get("sources"), preset))]
    except (TypeError, ValueError) as exc:
        raise PolicyError(f"kebijakan '{preset}': nilai tidak valid ({exc})") from None
    policy = Policy(
        preset=preset,
        name=str(data.get("meta", {}).get("name", preset)),
        attendance=attendance, tpp=tpp, mobile=mobile, discipline=discipline, selfie=selfie, schedule=schedule,
        value_sources={},
    )
    effective = {path: getattr(getattr(policy, path.split(".")[0]), path.split(".")[1]) for path in VALUE_PATHS}
    policy.value_sources.update(attribute(layers, VALUE_PATHS, effective))
    _check(policy)
    return policy


def _layers(chain: list[tuple[str, dict[str, Any]]]) -> list[Layer]:
    out = []
    for name, data in chain:
        try:
            out.append(Layer(name, flatten_values(data, VALUE_TABLES), flatten_sources(data.get("sources"), name)))
        except ValueError as exc:
            raise PolicyError(str(exc)) from None
        unknown = unknown_source_keys(out[-1], set(VALUE_PATHS))
        if unknown:
            raise PolicyError(f"{name}.toml: sumber untuk nilai yang tidak dikenal: {', '.join(unknown)}")
    return out


def load_policy(name_or_path: str | Path) -> Policy:
    """Load a preset by name ("kotawaringin_timur") or a region's own TOML file by path.

    The loaded file itself must state the TPP deduction base and its source: inheriting the base
    from another preset silently is how a "0,5 % of TPP" rule used to become 0,2 %.
    """
    p = Path(name_or_path)
    if p.suffix != ".toml":
        p = PRESETS_DIR / f"{name_or_path}.toml"
    chain = _read_layers(p)
    layers = _layers(chain)
    leaf = layers[-1]
    if "tpp.deduction_base" not in leaf.values:
        raise PolicyError(f"{p.name}: [tpp] deduction_base wajib dinyatakan di berkas ini (\"tpp\" = seluruh TPP, "
                          f"atau nama komponen beserta porsinya), tidak diwarisi diam-diam dari preset dasar")
    if not leaf.sources.get("tpp.deduction_base", "").strip():
        raise PolicyError(f"{p.name}: sumber dasar potongan wajib ditulis di [sources.tpp] deduction_base (naskah "
                          f"Perkada, atau \"{ASSUMPTION_MARK}\" bila belum diketahui)")
    merged: dict[str, Any] = {}
    for _name, data in chain:
        merged = _merge(merged, data)
    return policy_from_dict(merged, preset=p.stem, layers=layers)


def list_presets() -> list[str]:
    return sorted(p.stem for p in PRESETS_DIR.glob("*.toml"))


def policy_for_opd(session, opd_id: int) -> Policy:  # type: ignore[no-untyped-def]
    """The OPD's regional policy (Opd.policy_preset: a preset name or a path to the region's own TOML)."""
    from services.store.models import Opd

    opd = session.get(Opd, opd_id)
    if opd is None:
        raise PolicyError(f"OPD id {opd_id} tidak ditemukan.")
    return load_policy(opd.policy_preset or "default")
