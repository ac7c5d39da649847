"""Live classification display: probability bars for every genre, the top genre with an exponentially
smoothed confidence (so the label does not flicker), and a strip of recent top genres with a time axis.

The headline and the bars show one set of numbers (:func:`shown_values`): the smoothed probabilities as
the headline states them (a genre's share of the genres, P(not music) for "not music"), so the headline's
percentage is always its bar's. Below the silence threshold the view says "no signal" instead of a genre.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from ...core.pipeline import DEFAULT_UNSURE_BELOW, NOT_MUSIC, answer, genre_ranking
from ...workers.live_classifier import NO_SIGNAL, SILENCE_DBFS

__all__ = ["ClassificationView", "ExponentialSmoother", "genre_colour", "shown_values", "percent",
           "HISTORY_SECONDS", "SMOOTHING_SECONDS"]

#: seconds of answers the history strip shows (right edge: the newest answer, "0 s")
HISTORY_SECONDS = 20.0
#: the smoother's memory: an answer older than this weighs less than 2 % (alpha 0.35 every 0.5 s)
SMOOTHING_SECONDS = 5.0
_NO_SIGNAL_COLOUR = QColor(128, 128, 128, 90)


def percent(value: float) -> str:
    """The one percentage format of the headline and the bars (``core.pipeline.headline``'s)."""
    return f"{value:.0%}".replace("%", " %")


def shown_values(probabilities: np.ndarray, classes: Sequence[str]) -> np.ndarray:
    """What the bars show for ``probabilities``: each genre's share of the genres and P(not music), the
    numbers :func:`core.pipeline.answer`'s headline states (its confidence is a share of the genres)."""
    p = np.asarray(probabilities, dtype=np.float64)
    names = [str(c) for c in classes]
    share = {str(c): v for c, v in genre_ranking(p, names)}
    return np.array([p[i] if n == NOT_MUSIC else share.get(n, 0.0) for i, n in enumerate(names)])


def genre_colour(index: int, count: int) -> QColor:
    """A distinct colour per class (pyqtgraph's hue wheel)."""
    return pg.intColor(index, hues=max(count, 1), values=1, maxValue=230, minValue=150)


class ExponentialSmoother:
    """``s <- alpha * p + (1 - alpha) * s``; restarts when the classes change.

    ``alpha = 0.35`` at 2 answers per second: a genre change takes ~2 s to win, a single odd answer
    moves the confidence by a third only, and an answer older than 5 s (10 answers) weighs
    ``0.65 ** 10`` = 1.3 %: the headline follows the last ~5 s (:data:`SMOOTHING_SECONDS`).
    """

    def __init__(self, alpha: float = 0.35) -> None:
        if not 0 < alpha <= 1:
            raise ValueError("alpha must be in (0, 1]")
        self.alpha = float(alpha)
        self.value: np.ndarray | None = None
        self.classes: tuple[str, ...] = ()

    def reset(self) -> None:
        self.value = None

    def update(self, probabilities: np.ndarray, classes: Sequence[str]) -> np.ndarray:
        p = np.asarray(probabilities, dtype=np.float64)
        classes = tuple(classes)
        if self.value is None or classes != self.classes or self.value.shape != p.shape:
            self.value = p.copy()
            self.classes = classes
        else:
            self.value *= 1.0 - self.alpha
            self.value += self.alpha * p
        return self.value


class _Bars(QWidget):
    """Horizontal bars, one per class, painted directly (repainted at most twice a second)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.classes: tuple[str, ...] = ()
        self.values = np.zeros(0)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(120)

    def set_values(self, classes: Sequence[str], values: np.ndarray) -> None:
        self.classes = tuple(classes)
        self.values = np.asarray(values, dtype=np.float64)
        self.update()

    def texts(self) -> list[str]:
        """The percentage written beside each bar; none before an answer or for "no signal"."""
        if not np.any(self.values):
            return [""] * len(self.values)
        return [percent(float(v)) for v in self.values]

    def sizeHint(self) -> QSize:
        return QSize(260, 22 * max(len(self.classes), 5))

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        n = len(self.classes)
        if n == 0:
            return
        row = self.height() / n
        label_w = min(110, self.width() // 3)
        pct_w = 46
        bar_w = max(self.width() - label_w - pct_w - 8, 10)
        top = int(np.argmax(self.values)) if self.values.size and np.max(self.values) > 0 else -1
        for i, (name, v, text) in enumerate(zip(self.classes, self.values, self.texts())):
            y = i * row
            font = painter.font()
            font.setBold(i == top)
            painter.setFont(font)
            painter.setPen(self.palette().windowText().color())
            painter.drawText(QRectF(0, y, label_w - 4, row), Qt.AlignmentFlag.AlignRight
                             | Qt.AlignmentFlag.AlignVCenter, name)
            painter.fillRect(QRectF(label_w, y + row * 0.2, bar_w, row * 0.6), QColor(128, 128, 128, 40))
            painter.fillRect(QRectF(label_w, y + row * 0.2, bar_w * float(np.clip(v, 0, 1)), row * 0.6),
                             genre_colour(i, n))
            painter.drawText(QRectF(label_w + bar_w + 4, y, pct_w, row), Qt.AlignmentFlag.AlignLeft
                             | Qt.AlignmentFlag.AlignVCenter, text)
        painter.end()


class _History(QWidget):
    """A strip of coloured cells, the top genre of each answer (grey: no signal), placed by time: the
    right edge is the newest answer ("0 s"), negative seconds into the past, as the spectrogram."""

    STRIP = 14  # pixels of the coloured strip; the time labels go under it

    def __init__(self, seconds: float = HISTORY_SECONDS, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.seconds = float(seconds)
        # (time in s, class index or -1 for no signal, class count); 4 answers/s is the fastest cadence
        self.items: deque[tuple[float, int, int]] = deque(maxlen=int(4 * self.seconds) + 1)
        self.cell_seconds = 0.5
        self.setMinimumHeight(self.STRIP + self.fontMetrics().height() + 5)
        self.setToolTip("Top genre of each recent answer; 0 s is the newest, on the right")

    def add(self, index: int, count: int, at: float | None = None) -> None:
        """Add an answer at time ``at`` (seconds, any origin; default: the cadence after the last)."""
        if at is None:
            at = self.items[-1][0] + self.cell_seconds if self.items else 0.0
        elif self.items and at > self.items[-1][0]:
            self.cell_seconds = min(max(at - self.items[-1][0], 0.1), 2.0)
        self.items.append((float(at), int(index), int(count)))
        self.update()

    def clear(self) -> None:
        self.items.clear()
        self.update()

    def tick_labels(self) -> list[tuple[float, str]]:
        """``(x in pixels, text)`` of the time labels: every 5 s from ``-seconds`` to ``0 s``."""
        w = self.width()
        step = 5.0 if self.seconds >= 10 else 1.0
        ticks = np.arange(-self.seconds, 0.0 + 1e-9, step)
        return [(w * (1.0 + t / self.seconds), f"{t:.0f} s" if t == 0 else f"{t:.0f}") for t in ticks]

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        w, strip = self.width(), self.STRIP
        painter.fillRect(QRectF(0, 0, w, strip), QColor(128, 128, 128, 25))
        if self.items:
            now = self.items[-1][0]
            previous = None
            for t, i, n in self.items:
                # a cell spans from the previous answer to this one (at most 2 s: a pause stays empty)
                span = self.cell_seconds if previous is None else min(max(t - previous, 0.0), 2.0)
                previous = t
                right = w * (1.0 - (now - t) / self.seconds)
                if right <= 0:
                    continue
                cell = max(w * span / self.seconds, 2.0)
                colour = _NO_SIGNAL_COLOUR if i < 0 else genre_colour(i, n)
                painter.fillRect(QRectF(right - cell, 0, cell, strip), colour)
        painter.setPen(self.palette().windowText().color())
        fm = self.fontMetrics()
        for x, text in self.tick_labels():
            tw = fm.horizontalAdvance(text)
            left = min(max(x - tw / 2, 0), w - tw)  # the end labels stay inside the widget
            painter.drawLine(int(min(x, w - 1)), strip, int(min(x, w - 1)), strip + 3)
            painter.drawText(QRectF(left, strip + 4, tw + 1, fm.height()), Qt.AlignmentFlag.AlignLeft, text)
        painter.end()


class ClassificationView(QWidget):
    """Shows live or whole-file predictions; says "no model" when there is nothing to classify with."""

    def __init__(self, parent: QWidget | None = None, *, alpha: float = 0.35,
                 history_seconds: float = HISTORY_SECONDS) -> None:
        super().__init__(parent)
        self.smoother = ExponentialSmoother(alpha)
        self.title = QLabel("No model")
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail = QLabel("Train a model or load one to classify what you hear.")
        self.detail.setWordWrap(True)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # every answer names the model that gave it (the same song can get another answer on Home from
        # another model)
        self.model_line = QLabel("")
        self.model_line.setWordWrap(True)
        self.model_line.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.model_line.setStyleSheet("QLabel { color: gray; }")
        self.bars = _Bars(self)
        # what the numbers are, since a genre bar next to "not music (90 %)" is not a probability
        self.bars_caption = QLabel("Genre bars: share among the genres; not music: its probability")
        self.bars_caption.setWordWrap(True)
        self.bars_caption.setStyleSheet("QLabel { color: gray; }")
        self.history = _History(history_seconds, self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.detail)
        layout.addWidget(self.model_line)
        layout.addWidget(self.bars, 1)
        layout.addWidget(self.bars_caption)
        layout.addWidget(QLabel("History of live answers (seconds; 0 = now)"))
        layout.addWidget(self.history)
        self.top_label = ""
        self.top_confidence = 0.0
        #: the model's threshold for "unsure" (set with the model; see core.pipeline.answer)
        self.unsure_below = DEFAULT_UNSURE_BELOW

    def show_no_model(self) -> None:
        self.reset()
        self.title.setText("No model")
        self.detail.setText("Train a model or load one to classify what you hear.")

    def show_waiting(self, text: str = "Listening…") -> None:
        self.reset()
        self.title.setText(text)
        self.detail.setText("")

    def set_classes(self, classes: Sequence[str]) -> None:
        self.bars.set_values(classes, np.zeros(len(classes)))

    def reset(self) -> None:
        self.smoother.reset()
        self.history.clear()
        self.top_label = ""
        self.top_confidence = 0.0
        self.bars.set_values(self.bars.classes, np.zeros(len(self.bars.classes)))

    def show_live(self, probabilities: np.ndarray, classes: Sequence[str], seconds: float,
                  at: float | None = None) -> None:
        """A live answer: the headline and the bars both show the smoothed probabilities."""
        smooth = self.smoother.update(probabilities, classes)
        self._show(smooth, classes)
        self.detail.setText(
            f"from the newest {seconds:.1f} s of audio, smoothed over ~{SMOOTHING_SECONDS:.0f} s")
        self.history.add(int(np.argmax(smooth)), len(classes), at)

    def show_no_signal(self, level_db: float, at: float | None = None, name: str = "") -> None:
        """The input is below the silence threshold: "no signal", no genre, a grey history cell."""
        self.smoother.reset()  # the next sound starts a fresh answer instead of mixing with the last
        self.top_label = NO_SIGNAL
        self.top_confidence = 0.0
        self.title.setText(NO_SIGNAL)
        level = "digital silence" if not np.isfinite(level_db) else f"input level {level_db:.0f} dBFS"
        prefix = f"{name}: " if name else ""
        self.detail.setText(f"{prefix}{level}, below {SILENCE_DBFS:.0f} dBFS: nothing to classify")
        self.bars.set_values(self.bars.classes, np.zeros(len(self.bars.classes)))
        if not name:
            self.history.add(-1, 1, at)

    def show_clip(
        self, probabilities: np.ndarray, classes: Sequence[str], name: str, n_segments: int
    ) -> None:
        """A whole-file answer (no smoothing: it is one answer)."""
        self.smoother.reset()
        self._show(np.asarray(probabilities, dtype=np.float64), classes)
        windows = "window" if n_segments == 1 else "windows"
        self.detail.setText(f"{name}: {n_segments} {windows} averaged")

    def _show(self, probabilities: np.ndarray, classes: Sequence[str]) -> None:
        """Headline and bars from the same numbers (see :func:`shown_values`)."""
        said = answer(probabilities, list(classes), self.unsure_below)
        self.top_label = "unsure" if said.unsure else str(said.label)
        self.top_confidence = float(said.confidence)
        self.title.setText(said.headline)
        self.bars.set_values(classes, shown_values(probabilities, classes))
