"""Global tempo estimate, as ``librosa.feature.tempo`` (0.11) with its defaults."""

from __future__ import annotations

import numpy as np

from .. import spectral

START_BPM = 120.0
STD_BPM = 1.0
AC_SIZE = 8.0
MAX_TEMPO = 320.0
_BLOCK_FRAMES = 4096


def _scipy_fft():
    """SciPy's FFT module, imported on first use: it costs ~0.1 s, which the app's start-up should not pay
    (the Library panel reads the feature-set registry while the window is built)."""
    import scipy.fft

    return scipy.fft


def onset_strength(mel_db_spec: np.ndarray, n_fft: int, hop_length: int) -> np.ndarray:
    """Spectral flux onset envelope of a dB mel spectrogram (``librosa.onset.onset_strength``).

    Mean over bands of the positive first difference in time, shifted right by ``1 + n_fft // (2 hop)``
    frames to undo the centring delay, and cut to the spectrogram's frame count.
    """
    n_frames = mel_db_spec.shape[1]
    flux = np.maximum(0.0, mel_db_spec[:, 1:] - mel_db_spec[:, :-1])
    env = np.mean(flux, axis=0)
    pad = 1 + n_fft // (2 * hop_length)
    env = np.concatenate([np.zeros(pad, dtype=env.dtype), env])
    return env[:n_frames]


def tempogram_mean(onset_env: np.ndarray, win_length: int) -> np.ndarray:
    """Time-average of the autocorrelation tempogram (each frame scaled to max 1), shape (win_length,)."""
    n = len(onset_env)
    half = win_length // 2
    padded = np.pad(onset_env, (half, half), mode="linear_ramp", end_values=(0, 0))
    # one row per frame (contiguous), so both FFTs run along the fast axis
    frames = spectral.frame(padded, win_length, 1).T[:n]
    window = spectral.get_window("hann", win_length)
    n_pad = _scipy_fft().next_fast_len(2 * win_length - 1, real=True)
    total = np.zeros(win_length)
    # blocks of frames bound the scratch memory on long files
    for t0 in range(0, n, _BLOCK_FRAMES):
        spec = _scipy_fft().rfft(frames[t0 : t0 + _BLOCK_FRAMES] * window, n=n_pad, axis=-1)
        autocorr = _scipy_fft().irfft(spec.real**2 + spec.imag**2, n=n_pad, axis=-1)[:, :win_length]
        peak = np.max(np.abs(autocorr), axis=1, keepdims=True)
        peak[peak < spectral.tiny(autocorr)] = 1.0  # a silent stretch has no periodicity: leave it at 0
        total += np.sum(autocorr / peak, axis=0)
    return total / n


def tempo(onset_env: np.ndarray, sr: int, hop_length: int) -> float:
    """Tempo (BPM) maximising the mean tempogram weighted by a log-normal prior around 120 BPM."""
    win_length = int(AC_SIZE * sr) // hop_length
    tg = tempogram_mean(onset_env, win_length)
    lags = np.arange(1.0, win_length)
    bpms = np.concatenate([[np.inf], 60.0 * sr / (hop_length * lags)])
    with np.errstate(divide="ignore", invalid="ignore"):
        logprior = -0.5 * ((np.log2(bpms) - np.log2(START_BPM)) / STD_BPM) ** 2
    logprior[: int(np.argmax(bpms < MAX_TEMPO))] = -np.inf
    best = int(np.argmax(np.log1p(1e6 * tg) + logprior))
    return float(bpms[best])
