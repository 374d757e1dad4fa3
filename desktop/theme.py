"""A calm, readable look for long working days (large-ish fonts, clear focus)."""

STYLE = """
QWidget { font-size: 10pt; }
QMainWindow, QDialog { background: #f5f7fa; }
QListWidget#nav { background: #1f3b57; color: #e8eef5; border: none; font-size: 10.5pt; padding-top: 6px; }
QListWidget#nav::item { padding: 9px 14px; }
QListWidget#nav::item:selected { background: #2f6690; color: white; border-left: 4px solid #f2c14e; }
QLabel#title { font-size: 15pt; font-weight: 600; color: #1f3b57; }
QLabel#subtitle { color: #5b6b7c; }
QFrame#card { background: white; border: 1px solid #dde3ea; border-radius: 8px; }
QLabel#cardValue { font-size: 20pt; font-weight: 600; color: #1f3b57; }
QLabel#cardLabel { color: #5b6b7c; }
QPushButton { padding: 5px 12px; border-radius: 4px; border: 1px solid #b8c4d0; background: white; }
QPushButton:hover { background: #eaf1f8; }
QPushButton#primary { background: #2f6690; color: white; border: 1px solid #2f6690; font-weight: 600; }
QPushButton#primary:disabled { background: #9fb6c9; border-color: #9fb6c9; }
QTableView { background: white; gridline-color: #e3e8ee; selection-background-color: #cfe3f5; selection-color: black; }
QHeaderView::section { background: #e9eef3; padding: 4px; border: none; border-right: 1px solid #d5dde5; font-weight: 600; }
QLabel#error { color: #b3261e; }
QLabel#ok { color: #1e7b34; }
"""


def apply(app) -> None:  # type: ignore[no-untyped-def]
    from desktop.i18n import install

    app.setStyle("Fusion")
    app.setStyleSheet(STYLE)
    install(app)
