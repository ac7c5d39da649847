"""Every extension the app advertises (File > Open filters, folder scans) is a format this install
really reads: libsndfile's written here with libsndfile, FFmpeg's written with PyAV's encoders, each read
back with load_audio."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from genre_gui.core.audio_io import AUDIO_EXTENSIONS, FFMPEG_EXTENSIONS, SNDFILE_EXTENSIONS, load_audio
from tests.core.encoded_audio import CODECS, encode

#: what each advertised extension is, written out here rather than taken from the code
FORMATS = {
    ".wav": ("WAV", "PCM_16"), ".flac": ("FLAC", "PCM_16"), ".ogg": ("OGG", "VORBIS"),
    ".oga": ("OGG", "VORBIS"), ".opus": ("OGG", "OPUS"), ".mp3": ("MP3", "MPEG_LAYER_III"),
    ".aif": ("AIFF", "PCM_16"), ".aiff": ("AIFF", "PCM_16"), ".au": ("AU", "PCM_16"),
    ".snd": ("AU", "PCM_16"),
}
#: what FFmpeg (PyAV) adds: each written with PyAV's encoder (container, codec in encoded_audio.CODECS)
FFMPEG_FORMATS = {".m4a", ".m4b", ".aac", ".3gp", ".caf", ".wma", ".ac3", ".eac3", ".mp2", ".wv", ".mka",
                  ".webm"}


def test_the_advertised_extensions_are_the_formats_libsndfile_and_ffmpeg_have():
    assert set(AUDIO_EXTENSIONS) == set(FORMATS) | FFMPEG_FORMATS
    assert set(SNDFILE_EXTENSIONS) == set(FORMATS) and set(FFMPEG_EXTENSIONS) == FFMPEG_FORMATS
    assert len(AUDIO_EXTENSIONS) == len(set(AUDIO_EXTENSIONS))
    available = sf.available_formats()
    for ext, (fmt, subtype) in FORMATS.items():
        assert fmt in available, ext
        assert subtype in sf.available_subtypes(fmt), ext
        assert sf.check_format(fmt, subtype), ext


@pytest.mark.parametrize("ext", sorted(FORMATS))
def test_each_advertised_extension_reads_back(tmp_path, ext):
    fmt, subtype = FORMATS[ext]
    sr = 48000  # Opus only takes 8/12/16/24/48 kHz
    t = np.arange(2 * sr) / sr
    path = tmp_path / f"tone{ext}"
    sf.write(path, 0.5 * np.sin(2 * np.pi * 440 * t), sr, format=fmt, subtype=subtype)
    y = load_audio(path)  # 22050 Hz mono float32
    assert y.dtype == np.float32 and abs(len(y) - 2 * 22050) <= 0.06 * 22050  # mp3 and opus pad a little
    spec = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    assert abs(np.argmax(spec) * 22050 / len(y) - 440) < 2
    assert 0.3 < np.abs(y).max() < 0.7


@pytest.mark.parametrize("ext", sorted(FFMPEG_FORMATS))
def test_each_ffmpeg_extension_reads_back(tmp_path, ext):
    fmt, codec, sr, options, _ = CODECS[ext]
    t = np.arange(2 * sr) / sr
    tone = 0.5 * np.sin(2 * np.pi * 440 * t)
    path = encode(tmp_path / f"tone{ext}", np.stack([tone, tone]), sr, fmt, codec, options)
    y = load_audio(path)  # 22050 Hz mono float32
    # AAC pads up to 2048 samples at 44.1 kHz, WMA drops its last partial block
    assert y.dtype == np.float32 and abs(len(y) - 2 * 22050) <= 0.06 * 22050
    spec = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    assert abs(np.argmax(spec) * 22050 / len(y) - 440) < 2
    assert 0.3 < np.abs(y).max() < 0.7
