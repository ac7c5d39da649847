"""Real PortAudio streams against the PulseAudio virtual devices started by scripts/with_pulse.sh."""

import time

import numpy as np
import pytest

from genre_gui.audio.streams import FilePlayer, MicStream
from genre_gui.core.spectral import fft_frequencies, frame_spectrum_db, get_window

pytestmark = [pytest.mark.pulse, pytest.mark.timeout(60)]


def wait_for(predicate, timeout, step=0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


@pytest.mark.parametrize("n_fft", [1024, 4096])
def test_mic_records_the_sine_source_and_the_peak_is_440_hz(sine_source, n_fft):
    mic = MicStream(samplerate=48000)
    mic.start()
    try:
        assert wait_for(lambda: mic.position >= 48000, 10), "no audio arrived from the sine source"
        mic.check()
        frame = np.empty(n_fft, np.float32)
        assert mic.read(mic.position, frame) == n_fft
        db = frame_spectrum_db(frame, get_window("hann", n_fft))
        freqs = fft_frequencies(48000, n_fft)
        peak = freqs[int(np.argmax(db))]
        assert abs(peak - sine_source) <= 48000 / n_fft, f"peak at {peak:.1f} Hz"
        assert db.max() > -40, "the sine is far too quiet: not the sine source"
        assert mic.stats.callbacks > 10 and mic.stats.input_overflows == 0
    finally:
        mic.stop()


def test_file_player_into_vsink_is_recorded_by_the_mic(pulse, tmp_path):
    import soundfile as sf

    sr = 48000
    t = np.arange(sr * 2) / sr
    tone = (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    path = tmp_path / "tone1k.wav"
    sf.write(path, tone, sr)
    mic = MicStream(samplerate=sr)  # virtmic = what is played into vsink
    mic.start()  # open the input before playing into the sink
    player = FilePlayer.from_file(path)
    try:
        player.play()
        assert wait_for(lambda: player.position_seconds > 1.0, 10)
        assert player.state == "playing"
        player.check()
        mic.check()
        frame = np.empty(4096, np.float32)
        mic.read(mic.position, frame)
        db = frame_spectrum_db(frame, get_window("hann", 4096))
        peak = fft_frequencies(sr, 4096)[int(np.argmax(db))]
        assert abs(peak - 1000) <= sr / 4096
        assert wait_for(lambda: player.ended, 10)
        assert player.state == "stopped" and player.position == tone.shape[0]
        player.check()
    finally:
        player.close()
        mic.stop()
