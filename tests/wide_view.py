"""A screen far larger than a laptop, for tests/test_screen_fit.py (a view class importable by the registry)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class WideView(QWidget):
    def __init__(self, ctx: object, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("Layar yang sangat lebar"))
        self.setMinimumSize(2400, 1400)
