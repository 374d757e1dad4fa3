"""Screen registry: (key, title in the navigation, module, class).

Every view class is ``View(ctx: AppContext, parent: QWidget | None = None)`` and may
define ``refresh()`` (called each time the screen is shown). A screen whose module
cannot be imported is replaced by a notice instead of breaking the app.
"""

from __future__ import annotations

from services.auth.users import CurrentUser

SCREENS: list[tuple[str, str, str, str]] = [
    ("dasbor", "Dasbor", "desktop.views.dashboard", "DashboardView"),
    ("pegawai", "Pegawai", "desktop.views.employees", "EmployeesView"),
    ("perangkat", "Perangkat", "desktop.views.devices", "DevicesView"),
    ("mobile", "Impor Mobile", "desktop.views.mobile_import", "MobileImportView"),
    ("jadwal", "Jadwal & Hari Libur", "desktop.views.calendar", "CalendarView"),
    ("surat", "Surat Cuti & Tugas", "desktop.views.letters", "LettersView"),
    ("rekonsiliasi", "Rekonsiliasi", "desktop.views.reconcile", "ReconcileView"),
    ("swafoto", "Verifikasi Swafoto", "desktop.views.selfie", "SelfieQueueView"),
    ("tpp", "TPP & Disiplin", "desktop.views.tpp", "TppView"),
    ("laporan", "Laporan Bulanan", "desktop.views.reports", "ReportsView"),
    ("bkpsdm", "Kiriman OPD (BKPSDM)", "desktop.views.bkpsdm", "BkpsdmView"),
    ("pengaturan", "Pengaturan", "desktop.views.settings", "SettingsView"),
]

# Who uses each screen: the navigation, the Ctrl+1..9 menu, the Ctrl+K finder and ctx.go() show a screen
# only to these roles (an administrator sees every screen). This is what the user sees; what a user may
# *change* is enforced again in services/ whatever the screen shows. The atasan (verifier) only decides
# his team's selfies; the Kepala OPD (signer) locks months, reads TPP and signs reports.
SCREEN_ROLES: dict[str, frozenset[str]] = {
    "dasbor": frozenset({"operator", "signer"}),
    "pegawai": frozenset({"operator"}),
    "perangkat": frozenset({"operator"}),
    "mobile": frozenset({"operator"}),
    "jadwal": frozenset({"operator"}),
    "surat": frozenset({"operator"}),
    "rekonsiliasi": frozenset({"operator", "signer"}),
    "swafoto": frozenset({"verifier"}),
    "tpp": frozenset({"operator", "signer"}),
    "laporan": frozenset({"operator", "signer"}),
    "bkpsdm": frozenset({"bkpsdm"}),
    "pengaturan": frozenset({"admin"}),
}


def may_open(user: CurrentUser, key: str) -> bool:
    """Whether ``user`` sees screen ``key`` (a screen missing from SCREEN_ROLES: administrators only)."""
    return "admin" in user.roles or bool(SCREEN_ROLES.get(key, frozenset()) & user.roles)
