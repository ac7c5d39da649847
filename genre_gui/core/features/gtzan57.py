"""The 57 columns of the GTZAN feature table (``features_30_sec.csv``), as librosa 0.11 computes them.

Each column is the mean or the variance over frames (over all values for chroma) of a librosa feature
with its defaults (sr 22050, n_fft 2048, hop 512, centred frames with zero padding). One STFT feeds
chroma, the spectral shape features, HPSS and the mel spectrogram; the mel spectrogram in dB feeds both
the MFCCs and the onset envelope behind the tempo.
"""

from __future__ import annotations

import numpy as np

from .. import spectral
from ._base import FeatureSet
from ._chroma import chroma_stft
from ._hpss import hpss_signals
from ._spectro import HOP, N_FFT, mel_db, mfcc
from ._tempo import onset_strength, tempo

N_MFCC = 20
assert N_FFT % HOP == 0, "rms sums whole hop blocks per frame"
ROLL_PERCENT = 0.85
#: |x| at or below this counts as zero for zero crossings (librosa's default threshold)
ZC_THRESHOLD = 1e-10
#: frames per block in the per-frame spectral statistics (bounds scratch memory on long files)
_BLOCK_FRAMES = 4096

COLUMNS = [
    f"{name}_{stat}"
    for name in ("chroma_stft", "rms", "spectral_centroid", "spectral_bandwidth", "rolloff",
                 "zero_crossing_rate", "harmony", "perceptr")
    for stat in ("mean", "var")
] + ["tempo"] + [f"mfcc{i}_{stat}" for i in range(1, N_MFCC + 1) for stat in ("mean", "var")]


def _mean_var(x: np.ndarray) -> tuple[float, float]:
    x = np.asarray(x, dtype=np.float64)
    mean = float(np.mean(x))
    return mean, float(np.mean((x - mean) ** 2))


def rms(y: np.ndarray) -> np.ndarray:
    """Frame RMS over centred, zero-padded frames (``librosa.feature.rms``).

    A frame is N_FFT // HOP consecutive hop-sized blocks, so the per-block energies are summed once and
    each frame adds up its blocks (float64, no float32 rounding of long sums).
    """
    n_frames = 1 + len(y) // HOP
    blocks_per_frame = N_FFT // HOP
    padded = np.zeros(HOP * (n_frames + blocks_per_frame - 1), dtype=np.float64)
    padded[N_FFT // 2 : N_FFT // 2 + len(y)] = y
    energy = np.einsum("bi,bi->b", *(padded.reshape(-1, HOP),) * 2)
    power = sum(energy[k : k + n_frames] for k in range(blocks_per_frame)) / N_FFT
    return np.sqrt(power)


def zero_crossing_rate(y: np.ndarray) -> np.ndarray:
    """Fraction of sign changes per frame, edge-padded and centred (``librosa.feature.zero_crossing_rate``).

    As librosa, each frame counts changes between its own consecutive samples only (its first sample
    is never a crossing), and near-zero samples count as positive.
    """
    padded = np.pad(y, N_FFT // 2, mode="edge")
    negative = np.signbit(padded) & (np.abs(padded) > ZC_THRESHOLD)
    change = np.concatenate([[0], np.cumsum(negative[1:] != negative[:-1])])
    n_frames = 1 + (len(padded) - N_FFT) // HOP
    starts = np.arange(n_frames) * HOP
    # crossings at positions start+1 .. start+N_FFT-1 inside the frame
    return (change[starts + N_FFT - 1] - change[starts]) / N_FFT


def spectral_shape(S: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centroid, bandwidth (p=2) and 85 % roll-off frequency per frame of a magnitude spectrogram.

    Centroid and bandwidth come from the first three moments of each frame (one small matrix product)
    rather than from a frequency-deviation matrix: ``bw**2 = m2/m0 - centroid**2``.
    """
    freqs = spectral.fft_frequencies(sr, N_FFT)
    basis = np.stack([np.ones_like(freqs), freqs, freqs**2], axis=1)
    S_t = S.T  # (frames, bins): the STFT's memory layout, rows contiguous
    n_frames = S_t.shape[0]
    centroid = np.empty(n_frames)
    bandwidth = np.empty(n_frames)
    rolloff = np.empty(n_frames)
    # blocks of frames bound the float64 scratch on long files
    for t0 in range(0, n_frames, _BLOCK_FRAMES):
        block = S_t[t0 : t0 + _BLOCK_FRAMES]
        moments = block.astype(np.float64) @ basis
        m0 = moments[:, 0]
        m0[m0 < spectral.tiny(S)] = 1.0  # silent frames: centroid and bandwidth 0, not 0/0
        c = moments[:, 1] / m0
        centroid[t0 : t0 + len(block)] = c
        bandwidth[t0 : t0 + len(block)] = np.sqrt(np.maximum(moments[:, 2] / m0 - c**2, 0.0))
        # float32 running sum like librosa, so the threshold crossing falls on the same bin
        energy = np.cumsum(block, axis=1)
        threshold = ROLL_PERCENT * energy[:, -1:]
        # energy is non-decreasing: the first bin reaching the threshold is the count of bins below it
        rolloff[t0 : t0 + len(block)] = freqs[np.count_nonzero(energy < threshold, axis=1)]
    return centroid, bandwidth, rolloff


class Gtzan57(FeatureSet):
    """Features of the published GTZAN table (see module docstring); ``columns`` match its header."""

    name = "gtzan57"
    label = "gtzan57"
    description = "the 57 librosa statistics of the GTZAN table"
    version = 1
    columns = COLUMNS
    min_samples = N_FFT

    def _compute(self, y: np.ndarray, sr: int) -> np.ndarray:
        D = spectral.stft(y, N_FFT, HOP)
        S = np.abs(D)
        centroid, bandwidth, rolloff = spectral_shape(S, sr)
        y_harm, y_perc = hpss_signals(D, S, y)  # overwrites D, its last user
        del D  # long files: release each spectrogram as soon as its last user is done
        power = np.square(S, out=S)
        chroma = chroma_stft(power, sr, N_FFT)
        mel = mel_db(power, sr)
        del power, S
        values: list[float] = []
        for series in (chroma, rms(y), centroid, bandwidth, rolloff, zero_crossing_rate(y), y_harm, y_perc):
            values.extend(_mean_var(series))
        values.append(tempo(onset_strength(mel, N_FFT, HOP), sr, HOP))
        for row in mfcc(mel, N_MFCC):
            values.extend(_mean_var(row))
        return np.asarray(values)
