"""The spectrum view's maximum marker: its dot and its label always name the same peak."""

import numpy as np

from genre_gui.ui.live.spectrum_view import SpectrumView


def _tone(freq: float, sr: int, n: int) -> np.ndarray:
    return (0.5 * np.sin(2 * np.pi * freq * np.arange(n) / sr)).astype(np.float32)


def test_marker_dot_and_label_agree_when_the_peak_moves(qtbot, monkeypatch):
    from genre_gui.ui.live import spectrum_view

    # a frozen clock: the five frames below fall within the label's 0.1 s throttle however busy the
    # machine is (with the real clock a loaded CI machine let the label follow the 1.5x tone)
    monkeypatch.setattr(spectrum_view, "_clock", lambda: 1000.0)
    view = SpectrumView()
    qtbot.addWidget(view)
    sr, n_fft = 48000, 4096
    view.configure(sr, n_fft, "hann")
    for freq in (440.0, 3000.0, 185.0):
        view._label_at = 0.0  # as if the label's throttle interval has passed
        view.show_frame(_tone(freq, sr, n_fft))
        for _ in range(5):  # frames within the throttle interval must not move the dot away
            view.show_frame(_tone(freq * 1.5, sr, n_fft))
        xs, _ = view.marker.getData()
        label_hz = float(view.marker_label.toPlainText().split(" Hz")[0].replace(",", ""))
        assert abs(10 ** xs[0] - label_hz) < 0.1
        assert abs(label_hz - freq) < sr / n_fft  # within one bin of the tone


def test_marker_label_stays_inside_the_plot_for_loud_peaks(qtbot):
    view = SpectrumView()
    qtbot.addWidget(view)
    view.configure(48000, 4096, "hann")
    view._label_at = 0.0
    view.show_frame(_tone(1000.0, 48000, 4096) * 2)  # a full-scale sine: 0 dBFS, at the plot's top edge
    assert view.marker_label.anchor.y() < 0  # drawn below the dot
    view._label_at = 0.0
    view.show_frame(_tone(1000.0, 48000, 4096) * 0.01)  # -40 dB: above the dot
    assert view.marker_label.anchor.y() > 0
