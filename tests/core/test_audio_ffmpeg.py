"""FFmpeg (PyAV) decoding behind load_audio, and load_excerpts: decoded samples against the signal the
files were encoded from (written here with PyAV's encoders), and the load_audio contract on bad files.

Bars: measured once on this machine (PyAV 18.1, FFmpeg 7) and set 10x looser: an SNR 10 dB below what was
measured (10x the error power), 1 - correlation 10x what was measured. Lossless codecs give the 16-bit
source back exactly.
"""

from __future__ import annotations

import os
import shutil
import time

import numpy as np
import pytest
import soundfile as sf

from genre_gui.core import audio_io
from genre_gui.core.audio_io import AudioError, AudioInfo, audio_info, load_audio, load_excerpts, resample
from tests.core.encoded_audio import CODECS, aligned_snr, encode, music_like, write_codec

#: ext -> (measured SNR dB, measured 1 - correlation) of the decoded mono against the source mono, at
#: the best lag and the least-squares gain (LAME scales by 0.95); None: lossless, compared exactly
MEASURED = {
    ".m4a": (34.0, 2.0e-4), ".m4b": (34.0, 2.0e-4), ".aac": (34.0, 2.0e-4), ".3gp": (34.0, 2.0e-4),
    ".wma": (44.2, 1.9e-5), ".ac3": (57.9, 8.1e-7), ".eac3": (57.2, 9.5e-7), ".mp2": (37.6, 8.7e-5),
    ".webm": (30.8, 4.1e-4), ".mp3": (47.4, 9.1e-6), ".opus": (30.8, 4.1e-4), ".ogg": (30.6, 4.4e-4),
    ".alac.m4a": None, ".caf": None, ".wv": None, ".mka": None, ".flac": None, ".wav": None,
}
#: what libsndfile reads itself (the others go to FFmpeg)
SNDFILE = {".mp2", ".mp3", ".opus", ".ogg", ".flac", ".wav"}


def test_every_codec_is_measured():
    assert set(MEASURED) == set(CODECS)


@pytest.mark.parametrize("ext", sorted(CODECS))
def test_decoded_samples_match_the_source(tmp_path, ext):
    path, source, sr = write_codec(tmp_path / f"music{ext}", ext)
    info = audio_info(path)
    assert isinstance(info, AudioInfo) == (ext not in SNDFILE), type(info)
    assert info.samplerate == sr
    y = load_audio(path, sr=None)
    assert y.dtype == np.float32 and y.ndim == 1 and np.all(np.isfinite(y))
    if MEASURED[ext] is None:  # lossless: the 16-bit source, channels averaged as load_audio averages them
        np.testing.assert_array_equal(y, source.astype(np.float32))
        return
    snr, corr, lag = aligned_snr(y, source)
    measured_snr, measured_1mr = MEASURED[ext]
    assert snr >= measured_snr - 10, (ext, snr)
    assert 1 - corr <= 10 * measured_1mr, (ext, 1 - corr)
    assert abs(lag) <= 2048  # the codec's delay (priming samples, trimmed by MP4 edit lists)
    assert abs(len(y) - len(source)) <= 2048 + 1024


def test_ffmpeg_path_resamples_through_soxr(tmp_path):
    path, source, sr = write_codec(tmp_path / "music.m4a", ".m4a")
    y = load_audio(path, sr=22050)
    ref = resample(source, sr, 22050)
    snr, corr, _ = aligned_snr(y, ref, max_lag=2048)
    assert snr >= 34.0 - 10 and 1 - corr <= 10 * 2.0e-4  # measured 34.0 dB, 2.0e-4: as at 44.1 kHz


def test_non_utf8_file_name_decodes_the_same(tmp_path):
    path, _, _ = write_codec(tmp_path / "music.m4a", ".m4a")
    odd = os.fsdecode(os.fsencode(str(tmp_path)) + b"/caf\xe9 \xff.m4a")  # Latin-1 bytes: not UTF-8
    shutil.copy(path, odd)
    assert os.fsencode(odd).endswith(b"\xe9 \xff.m4a")
    np.testing.assert_array_equal(load_audio(odd), load_audio(path))


def test_renamed_non_audio_is_named_with_the_reason(tmp_path):
    for name in ("notes.m4a", "notes.wma"):
        p = tmp_path / name
        p.write_text("these are not audio samples\n" * 50)
        with pytest.raises(AudioError) as err:
            load_audio(p)
        msg = str(err.value)
        # FFmpeg's reason: libsndfile's ("Format not recognised") says nothing about an .m4a
        assert msg == f"{p}: not a readable audio file (Invalid data found when processing input)", msg


def test_zero_byte_m4a(tmp_path):
    p = tmp_path / "empty.m4a"
    p.touch()
    with pytest.raises(AudioError, match="empty"):
        load_audio(p)


def test_truncated_aac_is_an_error_or_the_part_that_is_there(tmp_path):
    """An .m4a cut in half loses its index (the moov atom, written last): a named error. A raw ADTS .aac
    cut in half decodes to its first half. Never NaN, never a crash."""
    m4a, _, _ = write_codec(tmp_path / "whole.m4a", ".m4a")
    cut = tmp_path / "cut.m4a"
    cut.write_bytes(m4a.read_bytes()[: m4a.stat().st_size // 2])
    with pytest.raises(AudioError) as err:
        load_audio(cut)
    assert str(err.value).startswith(f"{cut}: ")
    adts, source, sr = write_codec(tmp_path / "whole.aac", ".aac")
    half = tmp_path / "half.aac"
    half.write_bytes(adts.read_bytes()[: adts.stat().st_size // 2])
    y = load_audio(half, sr=None)
    assert np.all(np.isfinite(y)) and 0.3 * len(source) < len(y) < 0.7 * len(source)


def _long(tmp_path, ext, seconds=100.0):
    return write_codec(tmp_path / f"long{ext}", ext, seconds=seconds, seed=3)


def test_excerpts_of_a_long_flac_are_the_source_windows(tmp_path):
    path, source, sr = _long(tmp_path, ".flac")
    windows = load_excerpts(path, sr=None)
    assert len(windows) == 3
    n = int(10 * sr)
    for q, w in zip((0.25, 0.5, 0.75), windows):
        start = int(round((q * 100.0 - 5.0) * sr))
        np.testing.assert_array_equal(w, source[start:start + n].astype(np.float32))


def test_excerpts_of_a_long_m4a_are_reached_by_seeking(tmp_path, monkeypatch):
    path, source, sr = _long(tmp_path, ".m4a")
    decoded = []
    frames = audio_io._av_frames

    def counting(*args):
        for t, mono in frames(*args):
            decoded.append(len(mono))
            yield t, mono

    monkeypatch.setattr(audio_io, "_av_frames", counting)
    windows = load_excerpts(path, sr=None)
    assert len(windows) == 3 and all(len(w) == 10 * sr for w in windows)
    # 30 s of the 100 s, plus at most a frame or so of pre-roll per seek: not the whole file
    assert sum(decoded) < 0.4 * len(source), sum(decoded)
    for q, w in zip((0.25, 0.5, 0.75), windows):
        start = int(round((q * 100.0 - 5.0) * sr))
        snr, corr, lag = aligned_snr(w, source[start:start + 10 * sr], max_lag=2048)
        assert abs(lag) <= 1 and snr >= 34.0 - 10, (q, lag, snr)  # measured: lag 0, 34 dB (as whole)


def test_short_tracks_are_read_whole_as_load_audio_reads_them(tmp_path):
    path, _, _ = write_codec(tmp_path / "short.m4a", ".m4a", seconds=20.0)
    (whole,) = load_excerpts(path, sr=16000)
    np.testing.assert_array_equal(whole, load_audio(path, sr=16000))


@pytest.mark.slow
def test_a_three_hour_file(tmp_path):
    """load_audio refuses it (over 20 minutes); load_excerpts reads its three windows in about the time
    of a 3-minute file."""
    sr = 8000
    path = tmp_path / "three_hours.flac"
    t = np.arange(60 * sr) / sr
    minute = (0.3 * np.sin(2 * np.pi * 300 * t)).astype(np.float32)
    with sf.SoundFile(path, "w", sr, 1, format="FLAC", subtype="PCM_16") as f:
        for _ in range(180):
            f.write(minute)
    with pytest.raises(AudioError, match="too long"):
        load_audio(path)
    short = tmp_path / "three_minutes.flac"
    sf.write(short, np.tile(minute, 3), sr, format="FLAC", subtype="PCM_16")
    t0 = time.perf_counter()
    load_excerpts(short, sr=22050)
    t_short = time.perf_counter() - t0
    t0 = time.perf_counter()
    windows = load_excerpts(path, sr=22050)
    t_long = time.perf_counter() - t0
    assert len(windows) == 3 and all(len(w) == 10 * 22050 for w in windows)
    assert t_long < 5 * t_short + 1.0, (t_long, t_short)  # decoding it all would take ~60x longer


def test_excerpt_windows_are_finite_float32_at_the_rate_asked(tmp_path):
    path, _, _ = _long(tmp_path, ".wma", seconds=70.0)
    windows = load_excerpts(path, sr=16000)
    assert len(windows) == 3
    for w in windows:
        assert w.dtype == np.float32 and len(w) == 160000 and np.all(np.isfinite(w))


def test_encode_helper_writes_what_it_says(tmp_path):
    # the fixtures' own check: an AAC .m4a is really AAC in an MP4 container
    x = music_like(1.0, 44100)
    p = encode(tmp_path / "x.m4a", x, 44100, "ipod", "aac")
    info = audio_info(p)
    assert info.subtype == "aac" and "mp4" in info.format
