"""Audio files written at test time with PyAV's encoders (FFmpeg inside the ``av`` wheels), and the
signal they were made from, so decoded samples can be compared with their source.

Not a test module: imported by the decoding, library and bench code.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

#: extension -> (container format, encoder, sample rate, encoder options, lossless)
CODECS: dict[str, tuple[str, str, int, dict, bool]] = {
    ".m4a": ("ipod", "aac", 44100, {}, False),
    ".alac.m4a": ("ipod", "alac", 44100, {}, True),
    ".m4b": ("ipod", "aac", 44100, {}, False),
    ".aac": ("adts", "aac", 44100, {}, False),
    ".3gp": ("3gp", "aac", 44100, {}, False),
    ".caf": ("caf", "alac", 44100, {}, True),
    ".wma": ("asf", "wmav2", 44100, {}, False),
    ".ac3": ("ac3", "ac3", 44100, {}, False),
    ".eac3": ("eac3", "eac3", 44100, {}, False),
    ".mp2": ("mp2", "mp2", 44100, {}, False),
    ".wv": ("wv", "wavpack", 44100, {}, True),
    ".mka": ("matroska", "flac", 44100, {}, True),
    ".webm": ("webm", "libopus", 48000, {}, False),
    ".mp3": ("mp3", "libmp3lame", 44100, {}, False),
    ".opus": ("ogg", "libopus", 48000, {}, False),
    ".ogg": ("ogg", "vorbis", 44100, {"strict": "experimental"}, False),
    ".flac": ("flac", "flac", 44100, {}, True),
    ".wav": ("wav", "pcm_s16le", 44100, {}, True),
}

_FRAME = 1024
CODECS_LOSSLESS = {codec: lossless for _, codec, _, _, lossless in CODECS.values()}


def music_like(seconds: float, sr: int, seed: int = 0) -> np.ndarray:
    """A stereo (2, n) float32 signal with notes, harmonics and an envelope: codec-friendly but not a
    pure tone (a pure tone hides a wrong channel mix or a lost block)."""
    rng = np.random.default_rng(seed)
    n = int(round(seconds * sr))
    t = np.arange(n) / sr
    y = np.zeros(n)
    step = int(round(0.25 * sr))  # a note every 0.25 s
    tt = np.arange(step) / sr
    env = np.exp(-4 * tt) * np.minimum(1.0, tt * 200)
    for start in range(0, n, step):
        f0 = 110.0 * 2 ** (rng.integers(0, 24) / 12)
        k = min(step, n - start)
        y[start:start + k] = (env * sum(0.5 / h * np.sin(2 * np.pi * h * f0 * tt) for h in (1, 2, 3, 5)))[:k]
    y *= 0.4 / np.abs(y).max()
    right = np.roll(y, 37) * 0.7 + 0.1 * np.sin(2 * np.pi * 220 * t) * np.exp(-t)
    # on the 16-bit grid, so a lossless codec gives it back exactly
    return (np.round(np.stack([y, right]) * 32768) / 32768).astype(np.float32)


def encode(path: str | os.PathLike, stereo: np.ndarray, sr: int, fmt: str, codec: str,
           options: dict | None = None) -> Path:
    """Write ``stereo`` (2, n) float samples with PyAV's ``codec`` in container ``fmt``."""
    import av

    path = Path(path)
    with av.open(os.fsdecode(path) if _utf8(path) else open(os.fsencode(path), "wb"), "w",
                 format=fmt) as c:
        s = c.add_stream(codec, rate=sr, options=dict(options or {}))
        s.layout = "stereo"
        if codec in ("wmav2", "mp2", "ac3", "eac3"):
            s.codec_context.bit_rate = 192_000
        formats = [f.name for f in (s.codec_context.codec.audio_formats or ())]
        # 16-bit for the lossless encoders (the source is 16-bit exact), float for the others; never an
        # encoder's first format by default (WavPack's is 8-bit)
        for want in (("s16p", "s16", "fltp", "flt") if CODECS_LOSSLESS.get(codec) else ("fltp", "flt", "s16p",
                                                                                         "s16")):
            if not formats or want in formats:
                s.format = want
                break
        x = np.ascontiguousarray(stereo, dtype=np.float32)
        for i in range(0, x.shape[1], _FRAME):
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(x[:, i:i + _FRAME]), format="fltp",
                                               layout="stereo")
            frame.sample_rate = sr
            frame.pts = i
            for packet in s.encode(frame):
                c.mux(packet)
        for packet in s.encode(None):
            c.mux(packet)
    return path


def _utf8(path: Path) -> bool:
    try:
        str(path).encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def write_codec(path: str | os.PathLike, ext: str, seconds: float = 4.0,
                seed: int = 0) -> tuple[Path, np.ndarray, int]:
    """Encode the music-like signal as ``ext`` (a key of :data:`CODECS`); returns (path, mono source,
    rate)."""
    fmt, codec, sr, options, _ = CODECS[ext]
    x = music_like(seconds, sr, seed)
    encode(path, x, sr, fmt, codec, options)
    return Path(path), x.astype(np.float64).mean(axis=0), sr


def aligned_snr(decoded: np.ndarray, source: np.ndarray, max_lag: int = 4096) -> tuple[float, float, int]:
    """(SNR in dB at the best gain, correlation, lag) of ``decoded`` against ``source`` at the best lag
    (the codec's delay).

    The first and last 0.1 of the overlap are left out (encoder start-up and end padding)."""
    d = np.asarray(decoded, dtype=np.float64)
    s = np.asarray(source, dtype=np.float64)
    n = min(len(d), len(s)) - max_lag
    ref = s[max_lag // 2: max_lag // 2 + n - max_lag]
    best = (-np.inf, 0)
    for lag in range(-max_lag // 2, max_lag // 2 + 1):
        seg = d[max_lag // 2 + lag: max_lag // 2 + lag + len(ref)]
        if len(seg) < len(ref):
            continue
        c = float(np.dot(seg, ref))
        if c > best[0]:
            best = (c, lag)
    lag = best[1]
    seg = d[max_lag // 2 + lag: max_lag // 2 + lag + len(ref)]
    cut = len(ref) // 10
    a, b = seg[cut:-cut], ref[cut:-cut]
    # at the least-squares gain: LAME scales its input by 0.95 (libsndfile and FFmpeg decode it alike)
    a = a * (np.dot(a, b) / np.dot(a, a)) if np.dot(a, a) > 0 else a
    snr = 10 * np.log10(np.sum(b ** 2) / max(np.sum((a - b) ** 2), 1e-300))
    corr = float(np.corrcoef(a, b)[0, 1])
    return float(snr), corr, lag
