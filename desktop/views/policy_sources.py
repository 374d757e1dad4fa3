"""Where each value of a regional policy comes from: a table with the unverified values marked and counted."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout, QWidget

from desktop.models.row_table import RowTableModel
from desktop.widgets import dialog_buttons, make_table
from services.policy.model import Policy, SedangSubstitute, Tier
from services.policy.sources import ValueSource

UNVERIFIED_COLOUR = "#ffe3b3"

VALUE_LABELS: dict[str, str] = {
    "attendance.grace_minutes": "Toleransi terlambat (menit)",
    "attendance.tl_tiers": "Tingkat terlambat (TL)",
    "attendance.psw_tiers": "Tingkat pulang cepat (PSW)",
    "attendance.no_checkin_tier": "Tidak absen masuk dihitung",
    "attendance.no_checkout_tier": "Tidak absen pulang dihitung",
    "attendance.absent_pct": "Tidak masuk tanpa keterangan (% per hari)",
    "attendance.apel_miss_pct": "Tidak apel (% per kejadian)",
    "attendance.apel_weekdays": "Hari apel",
    "attendance.apel_time": "Jam apel",
    "attendance.ceremony_time": "Jam upacara hari besar",
    "attendance.ceremony_miss_pct": "Tidak ikut upacara (% per kejadian)",
    "attendance.checkin_window_before_min": "Jendela absen masuk sebelum jam masuk (menit)",
    "attendance.checkout_window_after_min": "Jendela absen pulang sesudah jam pulang (menit)",
    "attendance.cap_pct": "Batas potongan per bulan (%)",
    "tpp.deduction_base": "Dasar potongan TPP",
    "tpp.components": "Komponen TPP",
    "tpp.manipulation": "Manipulasi presensi",
    "mobile.geofence_radius_m": "Radius presensi HP (m)",
    "mobile.geofence_edge": "Tepat di batas radius",
    "mobile.office_radius_may_exceed": "Lokasi kantor boleh beradius lebih besar",
    "mobile.late_upload_deadline_day": "Batas unggah rekaman luring (tanggal bulan berikutnya)",
    "mobile.selfie_required": "Swafoto wajib",
    "mobile.late_upload_consequence": "Rekaman diunggah melewati batas",
    "mobile.min_app_version": "Versi aplikasi HP minimum",
    "mobile.min_app_version_from": "Versi minimum berlaku sejak",
    "discipline.hours_per_day": "Jam terlambat/pulang cepat = 1 hari",
    "discipline.sedang_mode": "Hukuman sedang",
    "discipline.consecutive_days_berat": "Hari kerja berturut-turut = berat",
    "discipline.pppk_berat_ends_contract": "PPPK: berat memutus perjanjian",
    "discipline.sedang_substitutes": "Pengganti hukuman sedang",
    "discipline.long_holiday_min_days": "Libur panjang = hari libur berturut-turut minimal",
    "selfie.match_max_distance": "Ambang kemiripan wajah",
    "selfie.exif_time_max_minutes": "Selisih jam EXIF (menit)",
    "selfie.exif_gps_max_m": "Selisih GPS EXIF (m)",
    "schedule.start": "Jam masuk",
    "schedule.end": "Jam pulang Senin-Kamis",
    "schedule.friday_end": "Jam pulang Jumat",
    "schedule.timezone": "Zona waktu",
    "schedule.flexible_start_minutes": "Jam masuk fleksibel (menit)",
    "schedule.flexible_start_until": "Terlambat dihitung sesudah",
    "schedule.makeup_at_end": "Waktu terlewat diganti di akhir hari",
    "schedule.ramadan_auto": "Jam kerja Ramadan otomatis dari kalender",
    "schedule.ramadan_schedule": "Jadwal yang dipakai pada tanggal Ramadan",
}
_DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
_WORDS = {"inclusive": "lolos (jarak <= radius)", "exclusive": "gagal (lolos hanya jarak < radius)", "tpp": "seluruh TPP",
          "penundaan": "pengganti (PP 94 Pasal 42)", "potongan_tpp": "potongan tunjangan 25 %",
          "kehadiran_nol": "komponen kehadiran 0 sebulan", "alpa": "hari itu dihitung alpa", "none": "tidak ada",
          "tidak_sah": "tidak sah (hari itu TK kecuali ada surat)", "sah": "tetap sah (hanya ditandai)"}


def value_text(path: str, value: Any) -> str:
    """A policy value as Umpeg staff read it."""
    if value is None or value == {} or value == () or value == "":
        return "—"
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, dt.time):
        return f"{value:%H.%M}"
    if path == "attendance.apel_weekdays":
        return ", ".join(_DAYS[d] for d in value if 0 <= d < 7)
    if isinstance(value, tuple) and value and isinstance(value[0], Tier):
        return "; ".join(f"{t.code} {t.from_minute}-{t.to_minute if t.to_minute is not None else '…'} mnt "
                         f"{t.pct:g} %".replace(".", ",") for t in value)
    if isinstance(value, tuple) and value and isinstance(value[0], SedangSubstitute):
        return "; ".join(f"{s.from_days}-{s.to_days} hari: {s.sanction}" for s in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {v:g} %" for k, v in value.items())
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return _WORDS.get(str(value), str(value))


def unverified_summary(policy: Policy) -> str:
    n, total = len(policy.unverified()), len(policy.value_sources)
    if not n:
        return f"Semua {total} nilai kebijakan bersumber naskah."
    return f"⚠ {n} dari {total} nilai kebijakan belum bersumber naskah daerah (asumsi, periksa Perkada)."


def sources_model() -> RowTableModel:
    return RowTableModel(
        [
            ("Status", lambda v: "bersumber" if v.verified else "⚠ asumsi"),
            ("Nilai", lambda v: VALUE_LABELS.get(v.path, v.path)),
            ("Isi", lambda v: value_text(v.path, v.value)),
            ("Sumber", lambda v: v.text),
            ("Dari preset", lambda v: v.origin),
        ],
        background=lambda v, _c: None if v.verified else UNVERIFIED_COLOUR,
    )


def ordered_sources(policy: Policy) -> list[ValueSource]:
    """Unverified values first (what needs checking against the Perkada), then the rest in file order."""
    values = list(policy.value_sources.values())
    return [v for v in values if not v.verified] + [v for v in values if v.verified]


class PolicySourcesDialog(QDialog):
    def __init__(self, policy: Policy, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Sumber nilai kebijakan — {policy.name}")
        self.resize(1100, 600)
        self.summary = QLabel(unverified_summary(policy))
        self.summary.setWordWrap(True)
        self.model = sources_model()
        self.model.set_rows(ordered_sources(policy))
        table = make_table(self.model, stretch=3)
        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addWidget(table, 1)
        buttons = dialog_buttons(self, "Tutup")
        lay.addWidget(buttons)
