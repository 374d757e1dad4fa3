"""Screen registry: (key, title in the navigation, module, class).

Every view class is ``View(ctx: AppContext, parent: QWidget | None = None)`` and may
define ``refresh()`` (called each time the screen is shown). A screen whose module
cannot be imported is replaced by a notice instead of breaking the app.
"""

from __future__ import annotations

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
