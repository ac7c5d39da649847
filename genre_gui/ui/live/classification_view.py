"""Live classification display: probability bars for every genre, the top genre with an exponentially
smoothed confidence (so the label does not flicker), and a strip of recent top genres."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from ...core.pipeline import DEFAULT_UNSURE_BELOW, answer

__all__ = ["ClassificationView", "ExponentialSmoother", "genre_colour"]


def genre_colour(index: int, count: int) -> QColor:
    """A distinct colour per class (pyqtgraph's hue wheel)."""
    return pg.intColor(index, hues=max(count, 1), values=1, maxValue=230, minValue=150)


class ExponentialSmoother:
    """``s <- alpha * p + (1 - alpha) * s``; restarts when the classes change.

    ``alpha = 0.35`` at 2 answers per second: a genre change takes ~2 s to win, a single odd answer
    moves the confidence by a third only.
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
        top = int(np.argmax(self.values)) if self.values.size else -1
        for i, (name, v) in enumerate(zip(self.classes, self.values)):
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
                             | Qt.AlignmentFlag.AlignVCenter, f"{100 * v:.0f}%")
        painter.end()


class _History(QWidget):
    """A strip of coloured cells: the top genre of each recent answer, newest on the right."""

    def __init__(self, length: int = 40, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.items: deque[tuple[int, int]] = deque(maxlen=length)  # (class index, class count)
        self.length = length
        self.setFixedHeight(16)
        self.setToolTip("Recent top genres (newest on the right)")

    def add(self, index: int, count: int) -> None:
        self.items.append((index, count))
        self.update()

    def clear(self) -> None:
        self.items.clear()
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        cell = self.width() / self.length
        x0 = self.width() - cell * len(self.items)
        for k, (i, n) in enumerate(self.items):
            painter.fillRect(QRectF(x0 + k * cell, 0, cell - 1, self.height()), genre_colour(i, n))
        painter.end()


class ClassificationView(QWidget):
    """Shows live or whole-file predictions; says "no model" when there is nothing to classify with."""

    def __init__(self, parent: QWidget | None = None, *, alpha: float = 0.35, history: int = 40) -> None:
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
        self.bars = _Bars(self)
        self.history = _History(history, self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.detail)
        layout.addWidget(self.bars, 1)
        layout.addWidget(QLabel("History"))
        layout.addWidget(self.history)
        self.top_label = ""
        self.top_confidence = 0.0
        #: the model's threshold for "unsure" (set with the model; see core.pipeline.answer)
        self.unsure_below = DEFAULT_UNSURE_BELOW

    def _headline(self, probabilities: np.ndarray, classes: Sequence[str]) -> str:
        """The answer in the words the song table and the CLI use ("not music (97 %)", "unsure ...")."""
        said = answer(probabilities, list(classes), self.unsure_below)
        self.top_label = "unsure" if said.unsure else str(said.label)
        return said.headline

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

    def show_live(self, probabilities: np.ndarray, classes: Sequence[str], seconds: float) -> None:
        """A live answer: bars show the raw probabilities; the title the smoothed top genre."""
        smooth = self.smoother.update(probabilities, classes)
        self.top_confidence = float(np.max(smooth))
        self.title.setText(self._headline(smooth, classes))
        self.detail.setText(f"from the last {seconds:.1f} s of audio")
        self.bars.set_values(classes, probabilities)
        self.history.add(int(np.argmax(probabilities)), len(classes))

    def show_clip(
        self, probabilities: np.ndarray, classes: Sequence[str], name: str, n_segments: int
    ) -> None:
        """A whole-file answer (no smoothing: it is one answer)."""
        self.smoother.reset()
        self.top_confidence = float(np.max(probabilities))
        self.title.setText(self._headline(probabilities, classes))
        windows = "window" if n_segments == 1 else "windows"
        self.detail.setText(f"{name}: {n_segments} {windows} averaged")
        self.bars.set_values(classes, probabilities)
