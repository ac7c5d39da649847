"""Input level meter: RMS and sample peak in dBFS of the newest audio, with a held peak.

The panel calls :meth:`LevelMeter.measure` from its display tick; the meter reads the newest
:data:`METER_SECONDS` of the source into a preallocated buffer (a few thousand samples: cheap) and
repaints. The silence threshold of the classifier is marked on the scale, so "no signal" can be seen
coming.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from ...workers.live_classifier import SILENCE_DBFS, peak_dbfs, rms_dbfs

__all__ = ["LevelMeter", "METER_SECONDS", "METER_FLOOR_DB", "PEAK_HOLD_SECONDS"]

#: audio integrated per reading: 100 ms, between a VU meter's 300 ms (too slow to show a drum hit) and a
#: single 5-ms block (a flickering number nobody can read)
METER_SECONDS = 0.1
#: the left end of the scale (and what digital silence shows)
METER_FLOOR_DB = -90.0
#: the held peak stays this long before it follows the signal down
PEAK_HOLD_SECONDS = 1.5

#: the meter's clock (tests freeze it)
_clock = time.monotonic


def fmt_db(value: float) -> str:
    """``-23.4`` or ``-inf`` (digital silence)."""
    return f"{value:.1f}" if math.isfinite(value) else "-inf"


class LevelMeter(QWidget):
    """A horizontal dBFS meter: the RMS level as a bar, the sample peak as a line, the held peak as a
    tick, and the numbers as text on the right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rms_db = float("-inf")
        self.peak_db = float("-inf")
        self.hold_db = float("-inf")
        self._hold_at = 0.0
        self._buffer = np.zeros(0, dtype=np.float32)
        self._fonts_changed()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(220)
        self.setMinimumHeight(self.sizeHint().height())
        self.setToolTip(
            "Input level over the last 0.1 s (dBFS: 0 is full scale; a full-scale sine is -3 dB RMS). "
            f"Bar: RMS; line: sample peak; tick: peak held {PEAK_HOLD_SECONDS:.1f} s. "
            f"The mark at {SILENCE_DBFS:.0f} dBFS is the silence threshold: below it nothing is classified.")

    def sizeHint(self) -> QSize:
        return QSize(360, self.fontMetrics().height() + self._small_metrics.height() + 2)

    def _fonts_changed(self) -> None:
        """The scale's smaller font, its metrics and the width of the widest text: made once per font,
        not at every repaint (the meter repaints with every display frame)."""
        font = QFont(self.font())
        font.setPointSizeF(max(font.pointSizeF() * 0.75, 6.0))
        self._small, self._small_metrics = font, QFontMetrics(font)
        self._text_w = self.fontMetrics().horizontalAdvance("-100.0 dBFS RMS  peak -100.0") + 8

    def changeEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.FontChange:
            self._fonts_changed()
        super().changeEvent(event)

    def text(self) -> str:
        """What the meter writes: ``"-23.4 dBFS RMS  peak -20.1"``."""
        return f"{fmt_db(self.rms_db)} dBFS RMS  peak {fmt_db(self.hold_db)}"

    def reset(self) -> None:
        """Forget the levels and the held peak (a new source)."""
        self.rms_db = self.peak_db = self.hold_db = float("-inf")
        self._hold_at = 0.0
        self.update()

    def measure(self, source: Any, end: int, samplerate: int) -> None:
        """Read the :data:`METER_SECONDS` of ``source`` ending at ``end`` and show their level."""
        n = max(int(METER_SECONDS * samplerate), 1)
        if self._buffer.shape[0] != n:
            self._buffer = np.zeros(n, dtype=np.float32)
        source.read(end, self._buffer)
        self.set_levels(rms_dbfs(self._buffer), peak_dbfs(self._buffer))

    def set_levels(self, rms_db: float, peak_db: float) -> None:
        self.rms_db, self.peak_db = float(rms_db), float(peak_db)
        now = _clock()
        if not self.peak_db < self.hold_db or now - self._hold_at > PEAK_HOLD_SECONDS:
            self.hold_db, self._hold_at = self.peak_db, now
        self.update()

    def _x(self, db: float, width: float) -> float:
        if not math.isfinite(db):
            return 0.0
        return width * min(max((db - METER_FLOOR_DB) / -METER_FLOOR_DB, 0.0), 1.0)

    def paintEvent(self, event: Any) -> None:
        painter = QPainter(self)
        text, text_w = self.text(), self._text_w
        w, h = max(self.width() - text_w, 20), self.height()
        small, sfm = self._small, self._small_metrics
        bar = max(h - sfm.height(), 6)  # the bar on top, the dB scale under it
        painter.fillRect(QRectF(0, 1, w, bar - 1), QColor(128, 128, 128, 40))
        x = self._x(self.rms_db, w)
        # green up to -18 dBFS (a healthy level), yellow to -6, red above: where clipping is near
        colour = QColor(60, 180, 75) if self.rms_db < -18 else (
            QColor(230, 190, 40) if self.rms_db < -6 else QColor(220, 60, 50))
        painter.fillRect(QRectF(0, 1, x, bar - 1), colour)
        painter.fillRect(QRectF(self._x(self.peak_db, w) - 1, 1, 2, bar - 1), QColor(40, 120, 50))
        if math.isfinite(self.hold_db):
            painter.fillRect(QRectF(self._x(self.hold_db, w) - 1, 0, 3, bar), QColor(220, 60, 50))
        pen = self.palette().windowText().color()
        painter.setPen(pen)
        xs = self._x(SILENCE_DBFS, w)
        painter.drawLine(int(xs), 0, int(xs), bar)  # the silence threshold
        painter.setFont(small)
        for db in (-80, -60, -40, -20, -10, 0):
            xt = self._x(db, w)
            label = str(db)
            lw = sfm.horizontalAdvance(label)
            painter.drawText(QRectF(min(max(xt - lw / 2, 0), w - lw), bar, lw + 1, sfm.height()),
                             Qt.AlignmentFlag.AlignLeft, label)
        painter.setFont(self.font())
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(QRectF(w + 6, 0, text_w, h), align, text)
        painter.end()
