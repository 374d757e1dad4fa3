"""Indonesian text for Qt's own standard buttons and dialogs.

PySide6 ships no Indonesian Qt catalogue (qtbase_id.qm), so Yes/No/Cancel in
message boxes would stay English; this small translator covers Qt's standard
button texts for non-technical staff.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QTranslator

STANDARD_TEXTS = {
    "&Yes": "&Ya",
    "Yes": "Ya",
    "&No": "&Tidak",
    "No": "Tidak",
    "Yes to &All": "Ya untuk &semua",
    "N&o to All": "T&idak untuk semua",
    "OK": "OK",
    "&OK": "&OK",
    "Cancel": "Batal",
    "&Cancel": "&Batal",
    "Close": "Tutup",
    "&Close": "&Tutup",
    "Save": "Simpan",
    "&Save": "&Simpan",
    "Save All": "Simpan semua",
    "Open": "Buka",
    "&Open": "&Buka",
    "Discard": "Buang",
    "Don't Save": "Jangan simpan",
    "Apply": "Terapkan",
    "Reset": "Atur ulang",
    "Restore Defaults": "Kembalikan bawaan",
    "Help": "Bantuan",
    "Abort": "Hentikan",
    "Retry": "Coba lagi",
    "Ignore": "Abaikan",
    "Show Details...": "Tampilkan rincian…",
    "Hide Details...": "Sembunyikan rincian…",
    "&Undo": "&Urungkan",
    "&Redo": "&Ulangi",
    "Cu&t": "Po&tong",
    "&Copy": "&Salin",
    "&Paste": "&Tempel",
    "Delete": "Hapus",
    "Select All": "Pilih semua",
}
CONTEXTS = {"QPlatformTheme", "QDialogButtonBox", "QMessageBox", "QWidgetTextControl", "QLineEdit", "QFileDialog"}


class IndonesianQtTranslator(QTranslator):
    def translate(self, context: str, source: str, disambiguation: str | None = None,
                  n: int = -1) -> str | None:
        # None (a null QString) means "not translated here": Qt then keeps its own text. An empty string would
        # be taken as the translation itself and blank every other Qt text (QPageSize("A4") became invalid).
        if context in CONTEXTS:
            return STANDARD_TEXTS.get(source)
        return None

    def isEmpty(self) -> bool:  # noqa: N802 - Qt override
        return False


_installed: IndonesianQtTranslator | None = None


def install(app: QCoreApplication) -> None:
    global _installed
    if _installed is None:
        _installed = IndonesianQtTranslator(app)
        app.installTranslator(_installed)
