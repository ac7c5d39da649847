"""Stream behaviour with a fake PortAudio: recording, playback control and every failure path."""

import numpy as np
import pytest
from fake_sounddevice import CallbackFlags, device

from genre_gui.audio.errors import (
    DeviceLostError,
    InvalidDeviceError,
    NoInputDeviceError,
    StreamOpenError,
)
from genre_gui.audio.streams import FilePlayer, MicStream


def test_mic_callback_fills_the_ring_and_counts_flags(fake_sd):
    mic = MicStream(blocksize=512)
    mic.start()
    stream = fake_sd.last_stream
    assert stream.kwargs["channels"] == 1 and stream.kwargs["device"] == 0
    fed = [stream.feed(512) for _ in range(4)]
    stream.feed(512, status=CallbackFlags(input_overflow=True))
    assert mic.stats.callbacks == 5 and mic.stats.frames == 2560
    assert mic.stats.input_overflows == 1
    out = np.empty(1024, np.float32)
    assert mic.read(mic.position - 512, out) == 1024
    np.testing.assert_array_equal(out, np.concatenate(fed[2:4]))
    assert 0 <= mic.stats.callback_cpu_share() < 1
    mic.check()
    mic.stop()
    mic.stop()  # idempotent
    assert stream.closed and not mic.running


def test_mic_lost_mid_stream_is_reported_once_and_closes(fake_sd):
    mic = MicStream()
    mic.start()
    stream = fake_sd.last_stream
    stream.feed()
    stream.lose()
    with pytest.raises(DeviceLostError, match="audio device was lost"):
        mic.check()
    assert stream.closed and not mic.running
    mic.check()  # no longer running: nothing more to report


def test_mic_inactive_stream_is_lost(fake_sd):
    mic = MicStream()
    mic.start()
    fake_sd.last_stream.active = False  # stopped without a finished callback
    with pytest.raises(DeviceLostError, match="no longer active"):
        mic.check()


def test_mic_stall_is_lost(fake_sd):
    mic = MicStream(stall_seconds=2.0)
    mic.start()
    fake_sd.last_stream.feed()
    mic.check(now=mic.stats.last_callback_at + 1.0)
    with pytest.raises(DeviceLostError, match="no audio arrived for 2 s"):
        mic.check(now=mic.stats.last_callback_at + 2.5)


def test_mic_our_own_stop_is_not_a_loss(fake_sd):
    mic = MicStream()
    mic.start()
    mic.stop()  # triggers the finished callback
    mic.check()


def test_stream_cannot_open_or_start(fake_sd):
    fake_sd.open_error = "Invalid sample rate"
    with pytest.raises(StreamOpenError, match="Could not open the microphone 'Fake mic' at 96000 Hz"):
        MicStream(samplerate=96000).start()
    fake_sd.open_error = None
    fake_sd.start_error = "Device unavailable"
    mic = MicStream()
    with pytest.raises(StreamOpenError, match="Device unavailable"):
        mic.start()
    assert not mic.running and fake_sd.last_stream.closed


def test_mic_device_errors(fake_sd):
    with pytest.raises(InvalidDeviceError):
        MicStream(device="No such mic").start()
    fake_sd.devices = [device("Speakers", inputs=0)]
    with pytest.raises(NoInputDeviceError):
        MicStream().start()


def make_player(fake_sd, n=10_000, sr=8000):
    y = (np.arange(n) % 100 / 100).astype(np.float32)
    return FilePlayer(y, sr, name="ramp.wav", blocksize=1000), y


def test_player_plays_pauses_seeks_and_ends(fake_sd):
    player, y = make_player(fake_sd)
    assert player.state == "stopped" and player.duration == 1.25
    player.play()
    stream = fake_sd.last_stream
    assert stream.kind == "output" and stream.samplerate == 8000
    np.testing.assert_array_equal(stream.feed(1000), y[:1000])
    np.testing.assert_array_equal(_latest(player.ring, 1000), y[:1000])
    assert player.state == "playing"
    player.seek(0.5)  # while playing: taken by the next callback
    assert player.position == 4000
    np.testing.assert_array_equal(stream.feed(1000), y[4000:5000])
    player.pause()
    assert player.state == "paused"
    paused_at = player.position
    assert 4000 <= paused_at <= 5000
    player.seek(1.0)
    assert player.position == 8000
    player.play()
    out = stream.feed(1000)
    np.testing.assert_array_equal(out, y[8000:9000])
    out = stream.feed(1000)  # past the end: the rest, then silence, then the stream ends
    np.testing.assert_array_equal(out[:1000], y[9000:])
    out = stream.feed(1000)
    assert np.all(out == 0)
    assert player.ended and player.state == "stopped"
    player.check()  # the end of the file is not a lost device
    player.play()  # starts over
    assert player.position == 0 and player.state == "playing"
    player.stop()
    assert player.position == 0 and player.state == "stopped"
    player.close()


def _latest(ring, n):
    out = np.empty(n, np.float32)
    ring.latest(out)
    return out


def test_player_read_window_around_the_playhead(fake_sd):
    player, y = make_player(fake_sd)
    out = np.empty(100, np.float32)
    assert player.read(50, out) == 50
    np.testing.assert_array_equal(out[50:], y[:50])
    assert np.all(out[:50] == 0)
    assert player.read(10_050, out) == 50
    np.testing.assert_array_equal(out[:50], y[-50:])


def test_player_lost_mid_stream(fake_sd):
    player, _ = make_player(fake_sd)
    player.play()
    fake_sd.last_stream.feed(1000)
    fake_sd.last_stream.lose()
    with pytest.raises(DeviceLostError):
        player.check()
    assert player.state == "stopped"


def test_a_device_refusing_the_files_rate_plays_it_resampled_to_48k(fake_sd):
    from scipy.signal import resample_poly

    player, y = make_player(fake_sd)  # 1.25 s at 8 kHz
    player.seek(0.5)
    fake_sd.refused_rates = {8000}
    player.play()
    stream = fake_sd.last_stream
    assert stream.kind == "output" and stream.samplerate == 48000 and player.samplerate == 48000
    assert player.samples.shape == (60_000,) and player.position_seconds == pytest.approx(0.5, abs=1e-3)
    # what reaches the device is the ramp from 0.5 s on, resampled (soxr vs SciPy's polyphase filter:
    # they differ only near the ramp's jumps)
    played = stream.feed(4800)
    ref = resample_poly(y.astype(np.float64), 6, 1)[24_000:28_800]
    assert np.median(np.abs(played - ref)) < 0.01
    assert len(fake_sd.streams) == 1  # the refused open made no stream


def test_player_open_failure_falls_back_to_48k_then_reports(fake_sd):
    player, _ = make_player(fake_sd)
    fake_sd.open_error = "Invalid sample rate"
    with pytest.raises(StreamOpenError, match="Could not open audio output for ramp.wav"):
        player.play()
    assert player.state == "stopped"


def test_player_from_file(fake_sd, tmp_path):
    import soundfile as sf

    path = tmp_path / "tone.wav"
    sf.write(path, np.sin(np.arange(8000) / 10).astype(np.float32), 16000)
    player = FilePlayer.from_file(path)
    assert player.samplerate == 16000 and player.samples.shape == (8000,) and player.name == "tone.wav"


def test_empty_player_is_refused(fake_sd):
    from genre_gui.audio.errors import LiveAudioError

    with pytest.raises(LiveAudioError, match="nothing to play"):
        FilePlayer(np.zeros(0), 8000, name="x")
