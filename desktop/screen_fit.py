"""Keep top-level windows inside the screen they are on (a 1366×768 office laptop included).

``fit_to_screen(window)`` shrinks and moves a window so its frame (title bar and borders included)
lies inside ``QScreen.availableGeometry()`` (the screen minus task bars). ``ScreenFitter`` keeps
doing it: when the window is shown, when it moves to another screen, when that screen's geometry
changes, and after any resize (a layout whose minimum size grew would otherwise push the window past
the screen edge, as the Perangkat screen once did: 1320 px on a 1366 px laptop opened at 1280).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, QSize, QTimer
from PySide6.QtGui import QScreen
from PySide6.QtWidgets import QWidget


def frame_extra(window: QWidget) -> QSize:
    """Width/height the window manager adds around the client area (0×0 before the first show)."""
    frame, geo = window.frameGeometry(), window.geometry()
    return QSize(max(0, frame.width() - geo.width()), max(0, frame.height() - geo.height()))


def available_rect(window: QWidget) -> QRect:
    screen: QScreen | None = window.screen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1366, 768)


def fit_size(window: QWidget, wanted: QSize) -> QSize:
    """``wanted`` limited to what fits on the window's screen, frame included."""
    avail, extra = available_rect(window), frame_extra(window)
    return QSize(min(wanted.width(), avail.width() - extra.width()),
                 min(wanted.height(), avail.height() - extra.height()))


def fit_to_screen(window: QWidget) -> bool:
    """Shrink/move ``window`` so its frame is inside the available screen area; True when it changed."""
    if window.isMaximized() or window.isFullScreen():
        return False
    avail, extra = available_rect(window), frame_extra(window)
    geo = window.geometry()
    size = fit_size(window, geo.size())
    changed = False
    if size != geo.size():
        window.resize(size)
        changed = True
    frame_w, frame_h = size.width() + extra.width(), size.height() + extra.height()
    frame = window.frameGeometry()
    x = min(max(frame.x(), avail.x()), avail.x() + avail.width() - frame_w)
    y = min(max(frame.y(), avail.y()), avail.y() + avail.height() - frame_h)
    if (x, y) != (frame.x(), frame.y()):
        window.move(x, y)  # move() places the frame's top-left corner
        changed = True
    return changed


class ScreenFitter(QObject):
    """Event filter that re-fits its window after shows, resizes, moves and screen changes."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        self._screen: QScreen | None = None
        # a timer owned by this object (a child of the window) dies with the window: no call after deletion
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._fit)
        window.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if obj is self.window and event.type() in (QEvent.Type.Show, QEvent.Type.Resize, QEvent.Type.Move,
                                                   QEvent.Type.ScreenChangeInternal, QEvent.Type.LayoutRequest):
            self.schedule()
        return False

    def schedule(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def _fit(self) -> None:
        self._follow_screen()
        if self.window.isVisible():
            fit_to_screen(self.window)

    def _follow_screen(self) -> None:
        screen = self.window.screen()
        if screen is self._screen:
            return
        if self._screen is not None:
            try:
                self._screen.availableGeometryChanged.disconnect(self._on_geometry)
            except (RuntimeError, TypeError):
                pass
        self._screen = screen
        if screen is not None:
            screen.availableGeometryChanged.connect(self._on_geometry)

    def _on_geometry(self, _rect: QRect) -> None:
        self.schedule()
