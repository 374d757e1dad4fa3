"""A small offline map: office circles (geofence radius) and mobile punches, with a scale bar.

Nothing is downloaded: positions are projected to metres around the first office
(services/mobile/mapdata.py) and drawn on a plain background. Points inside the radius are green,
outside red; a point far beyond the view is drawn as a red triangle at the edge, so one punch from
another town does not shrink the office circle to a dot.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from services.mobile.mapdata import LocalProjection, MapData, MapOffice, MapPoint, nice_scale

INSIDE = QColor("#2e7d32")
OUTSIDE = QColor("#c62828")
CIRCLE_FILL = QColor(47, 102, 144, 45)
CIRCLE_LINE = QColor("#2f6690")
BACKGROUND = QColor("#f3f1ec")
GRID = QColor("#e2ded5")
MARGIN = 18  # px around the content
FAR_FACTOR = 6.0  # points beyond this many radii of the nearest view edge are clamped to the edge


class MapView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data = MapData((), ())
        self.drawn_points = 0  # points painted by the last paintEvent (tests read it)
        self.clamped_points = 0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 160)
        self._proj: LocalProjection | None = None
        self._scale = 1.0  # px per metre
        self._centre = (0.0, 0.0)  # metres at the widget centre
        self._half = (1.0, 1.0)  # half extent in metres
        self.scale_label = ""  # what the scale bar says after the last paint ("50 m")
        self.scale_pixels = 0.0

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(360, 300)

    def set_data(self, data: MapData) -> None:
        self.data = data
        self._fit()
        self.update()

    def set_offices(self, offices: list[MapOffice] | tuple[MapOffice, ...]) -> None:
        self.set_data(MapData(tuple(offices), self.data.points, self.data.without_position, self.data.title))

    # ------------------------------------------------------------ geometry
    def _fit(self) -> None:
        """Centre and half-extent (metres) showing every office circle and the points near them."""
        anchor = self.data.offices[0] if self.data.offices else (self.data.points[0] if self.data.points else None)
        if anchor is None:
            self._proj = None
            return
        self._proj = LocalProjection(anchor.lat, anchor.lon)
        xs: list[float] = []
        ys: list[float] = []
        reach = 0.0
        for o in self.data.offices:
            x, y = self._proj.to_xy(o.lat, o.lon)
            xs += [x - o.radius_m, x + o.radius_m]
            ys += [y - o.radius_m, y + o.radius_m]
            reach = max(reach, o.radius_m)
        limit = max(reach * FAR_FACTOR, 300.0) if self.data.offices else float("inf")
        for p in self.data.points:
            x, y = self._proj.to_xy(p.lat, p.lon)
            if not self.data.offices or max(abs(x), abs(y)) <= limit:
                xs.append(x)
                ys.append(y)
        if not xs:
            xs, ys = [-50.0, 50.0], [-50.0, 50.0]
        half_x = max((max(xs) - min(xs)) / 2, 25.0) * 1.1
        half_y = max((max(ys) - min(ys)) / 2, 25.0) * 1.1
        self._centre = ((max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2)
        self._half = (half_x, half_y)

    def _update_scale(self) -> None:
        w = max(1.0, self.width() - 2 * MARGIN)
        h = max(1.0, self.height() - 2 * MARGIN - 24)  # room for the legend at the bottom
        self._scale = min(w / (2 * self._half[0]), h / (2 * self._half[1]))

    def to_pixel(self, lat: float, lon: float) -> QPointF:
        """Widget coordinates of a position (unclamped)."""
        if self._proj is None:
            return QPointF(self.width() / 2, self.height() / 2)
        self._update_scale()
        x, y = self._proj.to_xy(lat, lon)
        cx = self.width() / 2 + (x - self._centre[0]) * self._scale
        cy = (self.height() - 24) / 2 - (y - self._centre[1]) * self._scale
        return QPointF(cx, cy)

    def metres_per_pixel(self) -> float:
        self._update_scale()
        return 1.0 / self._scale if self._scale else 0.0

    # -------------------------------------------------------------- paint
    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), BACKGROUND)
        self.drawn_points = self.clamped_points = 0
        if self._proj is None:
            p.setPen(QColor("#5b6b7c"))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Belum ada koordinat untuk ditampilkan.")
            p.end()
            return
        self._update_scale()
        self._draw_grid(p)
        for office in self.data.offices:
            self._draw_office(p, office)
        for point in self.data.points:
            self._draw_point(p, point)
        self._draw_scale(p)
        self._draw_north(p)
        self._draw_legend(p)
        p.end()

    def _draw_grid(self, p: QPainter) -> None:
        step_m, _label = nice_scale(max(self._half) / 2)
        step = step_m * self._scale
        if step < 12:
            return
        p.setPen(QPen(GRID, 1))
        origin = self.to_pixel(self._proj.lat0, self._proj.lon0) if self._proj else QPointF()
        x = origin.x() % step
        while x < self.width():
            p.drawLine(QPointF(x, 0), QPointF(x, self.height() - 24))
            x += step
        y = origin.y() % step
        while y < self.height() - 24:
            p.drawLine(QPointF(0, y), QPointF(self.width(), y))
            y += step

    def _draw_office(self, p: QPainter, office: MapOffice) -> None:
        c = self.to_pixel(office.lat, office.lon)
        r = office.radius_m * self._scale
        p.setPen(QPen(CIRCLE_LINE, 2))
        p.setBrush(CIRCLE_FILL)
        p.drawEllipse(c, r, r)
        p.setPen(QPen(CIRCLE_LINE, 2))
        p.drawLine(QPointF(c.x() - 6, c.y()), QPointF(c.x() + 6, c.y()))
        p.drawLine(QPointF(c.x(), c.y() - 6), QPointF(c.x(), c.y() + 6))
        font = QFont(self.font())
        font.setBold(True)
        p.setFont(font)
        label = f"{office.name} ({office.radius_m:g} m)"
        width = p.fontMetrics().horizontalAdvance(label)
        x = c.x() + 8 if c.x() + 8 + width <= self.width() - 4 else max(4.0, c.x() - 8 - width)
        p.drawText(QPointF(x, c.y() - 8), label)
        p.setFont(self.font())

    def _draw_point(self, p: QPainter, point: MapPoint) -> None:
        pos = self.to_pixel(point.lat, point.lon)
        colour = INSIDE if point.inside else OUTSIDE
        area = QRectF(MARGIN / 2, MARGIN / 2, self.width() - MARGIN, self.height() - 24 - MARGIN)
        p.setPen(QPen(Qt.GlobalColor.white, 1.5))
        p.setBrush(colour)
        if area.contains(pos):
            p.drawEllipse(pos, 5, 5)
        else:  # far away: a triangle on the edge, pointing towards it
            x = min(max(pos.x(), area.left()), area.right())
            y = min(max(pos.y(), area.top()), area.bottom())
            p.drawPolygon(QPolygonF([QPointF(x, y - 7), QPointF(x - 6, y + 5), QPointF(x + 6, y + 5)]))
            self.clamped_points += 1
        self.drawn_points += 1

    def _draw_scale(self, p: QPainter) -> None:
        length_m, label = nice_scale(0.3 * (self.width() - 2 * MARGIN) / self._scale)
        px = length_m * self._scale
        x0, y0 = MARGIN, self.height() - 24 - MARGIN / 2
        p.setPen(QPen(QColor("#222222"), 2))
        p.drawLine(QPointF(x0, y0), QPointF(x0 + px, y0))
        for x in (x0, x0 + px):
            p.drawLine(QPointF(x, y0 - 5), QPointF(x, y0 + 1))
        p.drawText(QPointF(x0 + 4, y0 - 6), label)
        self.scale_label = label
        self.scale_pixels = px

    def _draw_north(self, p: QPainter) -> None:
        x, y = self.width() - MARGIN - 6, MARGIN + 4
        p.setPen(QPen(QColor("#222222"), 1.5))
        p.setBrush(QColor("#222222"))
        p.drawPolygon(QPolygonF([QPointF(x, y), QPointF(x - 5, y + 12), QPointF(x + 5, y + 12)]))
        p.drawText(QPointF(x - 4, y + 26), "U")

    def _draw_legend(self, p: QPainter) -> None:
        y = self.height() - 8
        x = float(MARGIN)
        items = [(INSIDE, f"di dalam radius: {self.data.inside}"), (OUTSIDE, f"di luar radius: {self.data.outside}")]
        if not self.data.points:
            items = [(CIRCLE_LINE, "lingkaran = radius kantor")]
        for colour, text in items:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(colour)
            p.drawEllipse(QPointF(x + 5, y - 4), 5, 5)
            p.setPen(QColor("#222222"))
            p.drawText(QPointF(x + 14, y), text)
            x += 24 + p.fontMetrics().horizontalAdvance(text)
