"""LiveSession (the live panel without its widgets) against the real PulseAudio virtual devices started
by scripts/with_pulse.sh: the microphone stream starts, the display timer hands out frames of it, the
classifier answers, and stopping and shutting down leave no stream or thread behind."""

import numpy as np
import pytest

from genre_gui.core.spectral import fft_frequencies, frame_spectrum_db, get_window

pytestmark = [pytest.mark.pulse, pytest.mark.timeout(60)]


class PitchPipeline:
    """'high' when the dominant frequency is above 1 kHz."""

    classes = ["low", "high"]
    feature_set = "stub"
    segment_seconds = 3.0

    def predict_proba_audio(self, y, sr):
        spec = np.abs(np.fft.rfft(y[-4096:]))
        f = np.argmax(spec) * sr / min(len(y), 4096)
        return np.array([0.2, 0.8]) if f > 1000 else np.array([0.9, 0.1])


def test_live_session_records_classifies_and_stops_the_virtual_microphone(qtbot, sine_source):
    from genre_gui.ui.live.live_session import LiveSession

    session = LiveSession(classifier_window=3.0)
    session.set_pipeline(PitchPipeline())
    frames, answers, errors = [], [], []
    session.frame.connect(lambda src, pos: frames.append((src, pos)))
    session.live_prediction.connect(answers.append)
    session.error.connect(errors.append)
    try:
        mic = session.start_microphone(None, 48000)
        assert mic is not None, errors
        assert session.recording and session.source is mic and session.display_timer.isActive()
        assert session.classifier.running
        # the display timer (GUI thread) reads what the audio callback copied into the ring buffer
        qtbot.waitUntil(lambda: len(frames) >= 20 and frames[-1][1] >= 48000, timeout=20000)
        assert all(src is mic for src, _ in frames)
        assert [p for _, p in frames] == sorted(p for _, p in frames)  # positions only move forward
        frame = np.empty(4096, np.float32)
        mic.read(mic.position, frame)
        db = frame_spectrum_db(frame, get_window("hann", 4096))
        peak = fft_frequencies(48000, 4096)[int(np.argmax(db))]
        assert abs(peak - sine_source) <= 48000 / 4096
        qtbot.waitUntil(lambda: len(answers) >= 2, timeout=30000)
        assert answers[-1].label == "low"  # 440 Hz
        assert mic.stats.input_overflows == 0 and errors == []

        session.stop_microphone()
        assert not mic.running and not session.recording
        assert not session.display_timer.isActive() and not session.classifier.running
        n = len(answers)
        qtbot.wait(700)  # a late answer after stop is dropped
        assert len(answers) == n
    finally:
        session.shutdown()
    assert not session.classifier._thread.isRunning()
    assert session.start_microphone(None, 48000) is None  # shut: nothing starts again
