"""Scrolling spectrogram: one column per hop of audio, log-frequency rows, an ``ImageItem`` + colour map.

Columns are computed at fixed absolute sample positions (every ``hop`` samples), so the time axis is
exact whatever the display rate; a tick computes only the columns that became due. The image is a
preallocated uint8 buffer twice as wide as the view, each column written at ``i`` and ``i + width``, so
the visible window is always one contiguous slice (no ``np.roll``) and pyqtgraph only applies the
256-entry colour table.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ...core.spectral import frame_spectrum_db, get_window
from .spectrum_view import FLOOR_DB

__all__ = ["SpectrogramView", "log_rows"]

TOP_DB = 0.0
BOTTOM_DB = -100.0


def log_rows(samplerate: int, n_fft: int, n_rows: int, fmin: float = 30.0) -> tuple[np.ndarray, np.ndarray]:
    """Log-spaced row frequencies from ``fmin`` to Nyquist and the nearest rfft bin of each."""
    nyquist = samplerate / 2
    fmin = max(fmin, samplerate / n_fft)
    freqs = np.geomspace(fmin, nyquist, n_rows)
    bins = np.clip(np.round(freqs * n_fft / samplerate).astype(np.intp), 1, n_fft // 2)
    return freqs, bins


class SpectrogramView(QWidget):
    """A scrolling log-frequency spectrogram of a source with ``read(end, out)``.

    Parameters of :meth:`configure`: sample rate, FFT size, window, ``seconds`` shown, and
    ``lookahead`` seconds shown after the playhead (files: the future is known; microphone: 0).
    """

    def __init__(
        self, parent: QWidget | None = None, *, n_rows: int = 256, colormap: str = "inferno"
    ) -> None:
        super().__init__(parent)
        self.plot_widget = pg.PlotWidget(parent=self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot_widget)
        plot = self.plot_widget.getPlotItem()
        plot.setLabel("bottom", "Time (s; 0 = now)")
        plot.setLabel("left", "Frequency (Hz)")
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        self.image = pg.ImageItem(axisOrder="col-major")
        self.image.setLookupTable(pg.colormap.get(colormap).getLookupTable(nPts=256))
        plot.addItem(self.image)
        self.playhead = pg.InfiniteLine(pos=0, angle=90, pen=pg.mkPen((255, 255, 255, 150), width=1))
        plot.addItem(self.playhead)
        self.n_rows = int(n_rows)
        self.n_fft = 0
        self.columns_computed = 0

    def configure(
        self,
        samplerate: int,
        n_fft: int,
        window_name: str,
        *,
        seconds: float = 10.0,
        lookahead: float = 0.0,
        columns_per_second: float = 50.0,
    ) -> None:
        """Allocate buffers for these settings (the image is cleared; call :meth:`reset` to backfill)."""
        self.samplerate = int(samplerate)
        self.n_fft = int(n_fft)
        self.window = get_window(window_name, self.n_fft)
        self.frame = np.zeros(self.n_fft, dtype=np.float32)
        self.hop = max(int(round(self.samplerate / columns_per_second)), 1)
        self.width = max(int(round(seconds * self.samplerate / self.hop)), 2)
        self.look_cols = int(round(lookahead * self.samplerate / self.hop))
        self.row_freqs, self.row_bins = log_rows(self.samplerate, self.n_fft, self.n_rows)
        self.column = np.zeros(self.n_rows, dtype=np.float64)
        self.scaled = np.zeros(self.n_rows, dtype=np.float64)
        self.buffer = np.zeros((2 * self.width, self.n_rows), dtype=np.uint8)
        self._write = 0  # buffer column of the next write
        self._next_end = 0  # absolute sample position the next column ends at
        self._last_pos: int | None = None
        span = self.width * self.hop / self.samplerate
        look = self.look_cols * self.hop / self.samplerate
        y0, y1 = np.log10(self.row_freqs[0]), np.log10(self.row_freqs[-1])
        self.image.setRect(QRectF(look - span, y0, span, y1 - y0))
        plot = self.plot_widget.getPlotItem()
        plot.setXRange(look - span, look, padding=0)
        plot.setYRange(y0, y1, padding=0)
        ticks = [f for f in (50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000) if self.row_freqs[0] <= f
                 <= self.row_freqs[-1]]
        labels = [(np.log10(f), f"{f // 1000}k" if f >= 1000 else str(f)) for f in ticks]
        plot.getAxis("left").setTicks([labels])
        self.playhead.setVisible(self.look_cols > 0)
        self._show()

    def reset(self, source: Any, position: int) -> None:
        """Recompute the whole visible window ending at ``position`` (after a seek or a new source)."""
        if not self.n_fft:
            return
        self.buffer.fill(0)
        self._write = 0
        end = position + self.look_cols * self.hop
        first = (end // self.hop - self.width + 1) * self.hop
        self._next_end = first
        self._last_pos = position
        self._compute_until(source, end, max_columns=self.width)
        self._show()

    def advance(self, source: Any, position: int, max_columns: int = 16) -> int:
        """Add the columns that became due up to ``position``; returns how many were computed.

        At most ``max_columns`` per call, so a burst of audio (some sources deliver seconds at once)
        is drawn over the next ticks instead of stalling one. A jump backwards (seek) resets the view;
        falling behind by more than the whole view skips the columns nobody would see (drawn blank).
        """
        if not self.n_fft:
            return 0
        last = self._last_pos
        if last is None or position < last or position - last > self.width * self.hop:
            self.reset(source, position)
            return self.width
        self._last_pos = position
        end = position + self.look_cols * self.hop
        due = (end - self._next_end) // self.hop + 1
        if due <= 0:
            return 0
        for _ in range(due - self.width):
            self._push_blank()
        n = self._compute_until(source, end, max_columns=max_columns)
        self._show()
        return n

    def _compute_until(self, source: Any, end: int, max_columns: int) -> int:
        n = 0
        while self._next_end <= end and n < max_columns:
            source.read(self._next_end, self.frame)
            db = frame_spectrum_db(self.frame, self.window, floor_db=FLOOR_DB)
            np.take(db, self.row_bins, out=self.column)
            # dB -> 0..255 colour index, in place
            np.subtract(self.column, BOTTOM_DB, out=self.scaled)
            np.multiply(self.scaled, 255.0 / (TOP_DB - BOTTOM_DB), out=self.scaled)
            np.clip(self.scaled, 0, 255, out=self.scaled)
            self._push(self.scaled)
            self._next_end += self.hop
            n += 1
        self.columns_computed += n
        return n

    def _push(self, values: np.ndarray) -> None:
        w = self._write
        self.buffer[w] = values
        self.buffer[w + self.width] = values
        self._write = (w + 1) % self.width

    def _push_blank(self) -> None:
        w = self._write
        self.buffer[w] = 0
        self.buffer[w + self.width] = 0
        self._write = (w + 1) % self.width
        self._next_end += self.hop

    def _show(self) -> None:
        w = self._write
        self.image.setImage(self.buffer[w : w + self.width], autoLevels=False, levels=(0, 255))

    def newest_column_db(self) -> np.ndarray:
        """The newest column in dB (for tests and the benchmark)."""
        w = (self._write - 1) % self.width
        return self.buffer[w].astype(np.float64) * (TOP_DB - BOTTOM_DB) / 255.0 + BOTTOM_DB
