"""Live spectrum: dB against log-frequency, with peak hold, a marker at the maximum and a readout under
the cursor (frequency, nearest note, the spectrum's level there: "440 Hz  A4  -12 dB").

All buffers are allocated in :meth:`SpectrumView.configure`; a display tick only fills them and calls
``setData``. The DSP is :func:`genre_gui.core.spectral.frame_spectrum_db`, the same kernel the features use.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ...core.spectral import fft_frequencies, frame_spectrum_db, get_window

__all__ = ["SpectrumView", "FFT_SIZES", "WINDOWS", "FLOOR_DB", "peak_frequency", "note_name"]

FFT_SIZES = (1024, 2048, 4096, 8192)
#: picker label -> scipy window name
WINDOWS = {
    "Hann": "hann",
    "Hamming": "hamming",
    "Blackman": "blackman",
    "Blackman-Harris": "blackmanharris",
    "Flat top": "flattop",
    "Rectangular": "boxcar",
}
FLOOR_DB = -120.0


def peak_frequency(db: np.ndarray, freqs: np.ndarray, start: int = 1) -> tuple[float, float]:
    """Frequency and level of the spectrum's maximum (from bin ``start``), refined by a parabola
    through the three bins around it (exact for a Gaussian peak, within a fraction of a bin otherwise)."""
    k = start + int(np.argmax(db[start:]))
    if 0 < k < db.shape[0] - 1:
        a, b, c = db[k - 1], db[k], db[k + 1]
        denom = a - 2 * b + c
        shift = 0.5 * (a - c) / denom if denom < 0 else 0.0
        shift = min(max(shift, -0.5), 0.5)
        step = freqs[1] - freqs[0]
        return float(freqs[k] + shift * step), float(b - 0.25 * (a - c) * shift)
    return float(freqs[k]), float(db[k])


NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


def note_name(freq: float, a4: float = 440.0) -> str:
    """The nearest equal-tempered note (A4 = ``a4`` Hz, scientific pitch: C4 is middle C): ``"A4"``;
    ``""`` for no positive frequency."""
    if not freq > 0:
        return ""
    midi = int(round(69 + 12 * np.log2(freq / a4)))
    return f"{NOTE_NAMES[midi % 12]}{midi // 12 - 1}"


#: the label throttle's clock (a test freezes it: on a loaded machine, real time passes between frames)
_clock = time.monotonic


class SpectrumView(QWidget):
    """A pyqtgraph plot of the newest frame's spectrum.

    Call :meth:`configure` when the sample rate, FFT size or window changes, then :meth:`update_frame`
    from the display timer.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot_widget = pg.PlotWidget(parent=self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot_widget)
        plot = self.plot_widget.getPlotItem()
        # x is log10(Hz), computed once per configuration (not per frame), with ticks labelled in Hz
        plot.setLabel("bottom", "Frequency (Hz)")
        plot.setLabel("left", "Level", units="dBFS")
        # no grid: on a software-rendered display a translucent grid costs more to paint than both curves
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        plot.setYRange(FLOOR_DB, 0, padding=0.02)
        self.peak_curve = plot.plot(pen=pg.mkPen((255, 170, 60, 160), width=1))
        self.curve = plot.plot(pen=pg.mkPen((80, 170, 255), width=1))  # width 1: Qt's fast line path
        self.marker = pg.ScatterPlotItem(size=9, brush=pg.mkBrush(255, 80, 80), pen=None)
        plot.addItem(self.marker)
        self.marker_label = pg.TextItem(color=(255, 120, 120), anchor=(0.5, 1.3))
        plot.addItem(self.marker_label)
        # the cursor readout: a thin vertical line and its text, shown while the mouse is over the plot
        pen = pg.mkPen((220, 220, 220, 120), width=1)
        self.cursor_line = pg.InfiniteLine(angle=90, movable=False, pen=pen)
        self.cursor_line.setVisible(False)
        plot.addItem(self.cursor_line, ignoreBounds=True)
        self.readout = pg.TextItem(color=(235, 235, 235), fill=pg.mkBrush(0, 0, 0, 160), anchor=(0, 0))
        self.readout.setVisible(False)
        plot.addItem(self.readout, ignoreBounds=True)
        self.cursor_freq: float | None = None  # Hz under the mouse, None when it is elsewhere
        self.plot_widget.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.peak_hold = True
        self.samplerate = 0
        self.n_fft = 0
        self.window_name = "hann"
        self.peak_freq = float("nan")
        self.peak_db = float("nan")
        self.frames_drawn = 0
        self._label_at = 0.0  # monotonic time of the last marker text change

    def configure(self, samplerate: int, n_fft: int, window_name: str) -> None:
        """Allocate the frame, window and display arrays for these settings."""
        self.samplerate = int(samplerate)
        self.n_fft = int(n_fft)
        self.window_name = window_name
        self.window = get_window(window_name, self.n_fft)
        self.frame = np.zeros(self.n_fft, dtype=np.float32)
        self.freqs = fft_frequencies(self.samplerate, self.n_fft)
        self.db = np.full(self.freqs.shape[0], FLOOR_DB)
        self.peak = np.full(self.freqs.shape[0], FLOOR_DB)
        self._x = np.log10(self.freqs[1:])  # no DC bin on a log axis
        plot = self.plot_widget.getPlotItem()
        lo, hi = max(20.0, self.freqs[1]), self.samplerate / 2
        plot.setXRange(np.log10(lo), np.log10(hi), padding=0)
        major = [f for f in (20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000) if lo <= f <= hi]
        minor = [m * d for d in (10, 100, 1000, 10000) for m in range(2, 10) if lo <= m * d <= hi]
        plot.getAxis("bottom").setTicks([
            [(np.log10(f), f"{f // 1000}k" if f >= 1000 else str(f)) for f in major],
            [(np.log10(f), "") for f in minor],
        ])
        self.reset_peak()
        self.curve.setData(self._x, self.db[1:])

    # -- cursor readout ----------------------------------------------------------------------------
    def readout_text(self, freq: float) -> str:
        """``"440 Hz  A4  -12 dB"``: ``freq``, its nearest note and the shown spectrum's level at the
        nearest bin."""
        if not self.n_fft or not freq > 0:
            return ""
        k = int(np.clip(np.round(freq * self.n_fft / self.samplerate), 1, self.db.shape[0] - 1))
        hz = f"{freq:.1f}" if freq < 100 else f"{freq:.0f}"
        return f"{hz} Hz  {note_name(freq)}  {self.db[k]:.0f} dB"

    def show_cursor(self, freq: float | None) -> None:
        """Show the readout for ``freq`` Hz (None: hide it)."""
        self.cursor_freq = freq if freq is not None and self.n_fft else None
        if self.cursor_freq is None:
            self.cursor_line.setVisible(False)
            self.readout.setVisible(False)
            return
        x = float(np.log10(self.cursor_freq))
        self.cursor_line.setPos(x)
        self.cursor_line.setVisible(True)
        self._place_readout()
        self.readout.setVisible(True)

    def _place_readout(self) -> None:
        f = self.cursor_freq
        if f is None:
            return
        self.readout.setText(self.readout_text(f))
        vb = self.plot_widget.getPlotItem().getViewBox()
        (x0, x1), (_, y1) = vb.viewRange()
        x = float(np.log10(f))
        # at the top of the plot, on the right of the line; on its left near the right edge
        self.readout.setAnchor((1, 0) if x > x0 + 0.7 * (x1 - x0) else (0, 0))
        self.readout.setPos(x, y1)

    def _on_mouse_moved(self, pos: Any) -> None:
        vb = self.plot_widget.getPlotItem().getViewBox()
        if not self.n_fft or not vb.sceneBoundingRect().contains(pos):
            self.show_cursor(None)
            return
        self.show_cursor(float(10 ** vb.mapSceneToView(pos).x()))

    def leaveEvent(self, event: Any) -> None:
        self.show_cursor(None)
        super().leaveEvent(event)

    def set_peak_hold(self, on: bool) -> None:
        self.peak_hold = bool(on)
        self.reset_peak()

    def reset_peak(self) -> None:
        if self.n_fft:
            self.peak.fill(FLOOR_DB)
            if self.peak_hold:
                self.peak_curve.setData(self._x, self.peak[1:])
            else:
                self.peak_curve.clear()

    def update_frame(self, source: Any, end: int) -> None:
        """Draw the spectrum of the ``n_fft`` samples of ``source`` ending at absolute position ``end``."""
        if not self.n_fft:
            return
        source.read(end, self.frame)
        self.show_frame(self.frame)

    def show_frame(self, frame: np.ndarray) -> None:
        """Compute and draw the spectrum of one frame of ``n_fft`` samples."""
        self.db[:] = frame_spectrum_db(frame, self.window, floor_db=FLOOR_DB)
        self.curve.setData(self._x, self.db[1:])
        if self.peak_hold:
            np.maximum(self.peak, self.db, out=self.peak)
            self.peak_curve.setData(self._x, self.peak[1:])
        f, level = peak_frequency(self.db, self.freqs)
        self.peak_freq, self.peak_db = f, level
        if level > FLOOR_DB + 1:
            now = _clock()
            # text layout is costly and unreadable at 60 changes/s; the dot moves with its label so the
            # two never disagree
            if now - self._label_at > 0.1:
                self._label_at = now
                x = np.log10(max(f, self.freqs[1]))
                self.marker.setData([x], [level])
                self.marker_label.setText(f"{f:,.1f} Hz  {level:.0f} dB")
                # near the top of the plot the label goes under the dot, where it stays visible
                self.marker_label.setAnchor((0.5, -0.3) if level > -20.0 else (0.5, 1.3))
                self.marker_label.setPos(x, level)
                self._place_readout()  # the level under the cursor follows the sound, at the same pace
        else:
            self.marker.setData([], [])
            self.marker_label.setText("")
        self.frames_drawn += 1
