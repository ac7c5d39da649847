"""Sounds that are not music, made on the spot: the "not music" examples the default model learns from.

A genre model trained on music alone has to put every input into a genre, so it answers speech, birds or
a humming fridge with a confident genre. The default model therefore also learns a ``not music`` class
from sounds made here at build time (``genre-gui-cli train-default``), with no data set to download:

- speech: ``espeak-ng`` (a Debian package) reading sentences in several voices, speeds and pitches;
- noise: white, pink and brown, steady or in bursts;
- tones and hums: steady sines with harmonics (mains hum, a fridge), beeps;
- sweeps: linear and logarithmic chirps;
- nature-like: fast frequency-modulated whistles in short calls (birdsong), slow low moans with
  vibrato (whale song), a crackle of random clicks (rain, fire);
- silence and near-silence.

Every generator takes a NumPy ``Generator`` and returns float32 mono samples at ``sr``; the whole set is
reproducible from one seed.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .audio_io import load_audio
from .errors import AudioError

if TYPE_CHECKING:
    from .datasets import Dataset

__all__ = ["SENTENCES", "espeak_available", "generate", "speech", "KINDS", "nonmusic_dataset"]

#: sentences for the speech examples (any text works; these vary length, rhythm and phonemes)
SENTENCES = (
    "The quick brown fox jumps over the lazy dog near the bank of the river.",
    "Please remember to bring your passport and two forms of identification tomorrow morning.",
    "In the beginning the universe was created. This has made a lot of people very angry.",
    "Turn left at the next junction, then continue straight for about three hundred metres.",
    "Good evening, here is the news. The weather will be cloudy with occasional showers in the north.",
    "I think we should meet on Thursday afternoon to discuss the budget for next year.",
    "Water boils at one hundred degrees Celsius at sea level, but at a lower temperature on a mountain.",
    "Can you tell me where the nearest train station is? I seem to have lost my way.",
    "Chapter one. It was a bright cold day in April, and the clocks were striking thirteen.",
    "Thank you for calling. All of our operators are busy. Please stay on the line.",
    "Le chat dort sur le canapé pendant que la pluie tombe doucement sur la ville.",
    "Der Zug nach Berlin fährt heute mit zwanzig Minuten Verspätung ab.",
)
_VOICES = ("en", "en-us", "en+f3", "en+m3", "en-gb-x-rp", "en+f2", "fr", "de", "es", "it")


def espeak_available() -> bool:
    """Whether the ``espeak-ng`` program is on the PATH."""
    return shutil.which("espeak-ng") is not None


def speech(text: str, sr: int, voice: str = "en", words_per_minute: int = 160, pitch: int = 50) -> np.ndarray:
    """``text`` spoken by espeak-ng, as float32 mono samples at ``sr``.

    Raises
    ------
    AudioError
        When espeak-ng is missing or fails (the message says which).
    """
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise AudioError("espeak-ng is not installed (Debian: apt-get install espeak-ng)")
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "speech.wav"
        done = subprocess.run([exe, "-v", voice, "-s", str(words_per_minute), "-p", str(pitch),
                               "-w", str(wav), text], capture_output=True, timeout=60)
        if done.returncode != 0 or not wav.exists():
            raise AudioError(f"espeak-ng failed: {done.stderr.decode(errors='replace').strip()}")
        return load_audio(wav, sr)


def _coloured_noise(rng: np.random.Generator, n: int, exponent: float) -> np.ndarray:
    """Noise whose power falls as ``f ** -exponent`` (0 white, 1 pink, 2 brown)."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n)
    f[0] = f[1]
    spec *= f ** (-exponent / 2)
    y = np.fft.irfft(spec, n)
    return y / (np.abs(y).max() + 1e-12)


def _noise(rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    y = _coloured_noise(rng, n, rng.choice([0.0, 1.0, 2.0]))
    if rng.random() < 0.4:  # bursts: wind gusts, traffic passing
        env = np.repeat(rng.random(n // sr * 2 + 2) > 0.5, sr // 2)[:n]
        env = np.convolve(env.astype(float), np.hanning(sr // 10), "same")
        y = y * (env / (env.max() + 1e-12))
    return y


def _tone(rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    t = np.arange(n) / sr
    f0 = rng.choice([50.0, 60.0, 100.0, 120.0, 440.0, 1000.0]) * rng.uniform(0.95, 1.05)
    y = sum(rng.uniform(0.1, 1.0) / k * np.sin(2 * np.pi * k * f0 * t + rng.uniform(0, 6.28))
            for k in range(1, int(rng.integers(1, 6)) + 1))
    if rng.random() < 0.4:  # beeps: on and off
        period = rng.uniform(0.3, 1.5)
        y = y * ((t % period) < period * rng.uniform(0.2, 0.6))
    return np.asarray(y, dtype=np.float64)


def _sweep(rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    t = np.arange(n) / sr
    period = rng.uniform(0.5, n / sr)
    tt = t % period
    f0, f1 = rng.uniform(50, 500), rng.uniform(1000, min(8000, sr / 2 - 100))
    if rng.random() < 0.5:
        phase = 2 * np.pi * (f0 * tt + (f1 - f0) * tt ** 2 / (2 * period))
    else:
        k = (f1 / f0) ** (1 / period)
        phase = 2 * np.pi * f0 * (k ** tt - 1) / np.log(k)
    return np.sin(phase)


def _birdsong(rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    """Short, fast frequency-modulated whistles at 2-7 kHz, in calls separated by pauses."""
    y = np.zeros(n)
    pos = int(rng.uniform(0, 0.3) * sr)
    while pos < n:
        d = int(rng.uniform(0.04, 0.25) * sr)
        t = np.arange(d) / sr
        fc = rng.uniform(2000, min(7000, sr / 2 - 500))
        fm = rng.uniform(5, 60)
        inst = fc + rng.uniform(200, 1500) * np.sin(2 * np.pi * fm * t) + rng.uniform(-4000, 4000) * t
        chirp = np.sin(2 * np.pi * np.cumsum(inst) / sr) * np.hanning(d)
        y[pos:pos + d] += chirp[:n - pos]
        pos += d + int(rng.uniform(0.03, 0.2 if rng.random() < 0.7 else 1.5) * sr)
    return y + 0.01 * _coloured_noise(rng, n, 1.0)


def _whale(rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    """Slow moans and upsweeps at 80-1500 Hz with vibrato and harmonics, in a noisy sea."""
    y = np.zeros(n)
    pos = 0
    while pos < n:
        d = int(rng.uniform(1.0, 4.0) * sr)
        t = np.arange(d) / sr
        f_start, f_end = rng.uniform(80, 800), rng.uniform(80, 1500)
        inst = np.geomspace(f_start, f_end, d) * (1 + 0.03 * np.sin(2 * np.pi * rng.uniform(3, 8) * t))
        phase = 2 * np.pi * np.cumsum(inst) / sr
        call = sum(0.6 ** k * np.sin(k * phase) for k in range(1, 5)) * np.hanning(d)
        y[pos:pos + d] += call[:n - pos]
        pos += d + int(rng.uniform(0.2, 2.0) * sr)
    return y + rng.uniform(0.02, 0.2) * _coloured_noise(rng, n, 2.0)


def _clicks(rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    """Random clicks (rain on a window, a crackling fire, a Geiger counter)."""
    y = np.zeros(n)
    count = int(rng.uniform(5, 200) * n / sr)
    idx = rng.integers(0, n, count)
    y[idx] = rng.uniform(-1, 1, count)
    decay = np.exp(-np.arange(int(0.005 * sr)) / (0.001 * sr))
    return np.convolve(y, decay)[:n] + 0.02 * _coloured_noise(rng, n, 1.0)


def _silence(rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    level = rng.choice([0.0, 1e-5, 1e-3])
    return level * _coloured_noise(rng, n, rng.choice([0.0, 1.0]))


def _speech(rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    parts, total = [], 0
    voice = str(rng.choice(_VOICES))
    while total < n:
        text = str(rng.choice(SENTENCES))
        y = speech(text, sr, voice, int(rng.integers(120, 220)), int(rng.integers(20, 80)))
        pause = np.zeros(int(rng.uniform(0.1, 0.8) * sr))
        parts += [y, pause]
        total += len(y) + len(pause)
    y = np.concatenate(parts)[:n]
    if rng.random() < 0.3:  # a room: a little noise under the voice
        y = y + 0.02 * np.abs(y).max() * _coloured_noise(rng, n, 1.0)
    return y


#: name -> generator(rng, n_samples, sr)
KINDS: dict[str, Callable[[np.random.Generator, int, int], np.ndarray]] = {
    "speech": _speech, "noise": _noise, "tone": _tone, "sweep": _sweep, "birdsong": _birdsong,
    "whale": _whale, "clicks": _clicks, "silence": _silence,
}


def generate(kind: str, rng: np.random.Generator, seconds: float, sr: int) -> np.ndarray:
    """One example of ``kind`` (a key of ``KINDS``), ``seconds`` long, float32 in [-1, 1] at ``sr``.

    The level is random (quiet to loud) except for silence, so loudness alone does not tell music apart.
    """
    n = int(seconds * sr)
    y = np.asarray(KINDS[kind](rng, n, sr), dtype=np.float64)[:n]
    if len(y) < n:
        y = np.pad(y, (0, n - len(y)))
    peak = np.abs(y).max()
    if kind != "silence" and peak > 0:
        y = y / peak * rng.uniform(0.05, 0.9)
    return y.astype(np.float32)


def nonmusic_dataset(feature_set: str, n_per_kind: int, seconds: float = 12.0, seed: int = 0,
                     segment_seconds: float | None = 3.0, kinds: tuple[str, ...] | None = None,
                     progress: Callable[[int, int, str], None] | None = None) -> Dataset:
    """Features of generated non-music, labelled ``NOT_MUSIC``: ``n_per_kind`` examples of each kind.

    Rows are segments of ``segment_seconds`` (one row per example when ``None``); rows of one example
    share a group (``nonmusic.<kind>.<n>``), so grouped cross-validation never splits an example.
    """
    from .batch import split_segments
    from .datasets import Dataset
    from .features import get_feature_set
    from .pipeline import NOT_MUSIC

    fs = get_feature_set(feature_set)
    rng = np.random.default_rng(seed)
    rows, groups, sources = [], [], []
    names = tuple(kinds or KINDS)
    total = len(names) * n_per_kind
    for k, kind in enumerate(names):
        for i in range(n_per_kind):
            y = generate(kind, rng, seconds, fs.sample_rate)
            segs = split_segments(y, fs.sample_rate, segment_seconds) if segment_seconds else [y]
            for s in segs:
                rows.append(fs.extract(s, fs.sample_rate))
                groups.append(f"nonmusic.{kind}.{i:03d}")
                sources.append(f"generated {kind} #{i} (seed {seed})")
            if progress is not None:
                progress(k * n_per_kind + i + 1, total, kind)
    X = np.stack(rows)
    return Dataset(X=X, y=np.array([NOT_MUSIC] * len(rows)), groups=np.array(groups), classes=[NOT_MUSIC],
                   columns=list(fs.columns), sources=sources, name="generated non-music",
                   feature_set=fs.name)
