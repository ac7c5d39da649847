"""The feature kernels one by one against librosa, on inputs where their rarely taken branches run.

The gtzan57 parity tests feed whole signals of a few seconds: blocks of 4096 frames (files over 95 s),
silent frames, near-zero samples and empty pitch sets never occur there. These tests call each kernel on
inputs built to reach those branches and compare it with librosa's own function (or a hand value).
"""

from __future__ import annotations

import warnings

import librosa  # a test dependency, imported normally: a broken install fails the run, never skips it
import numpy as np
import pytest

from genre_gui.core.features import _chroma, _tempo, gtzan57
from genre_gui.core.features._hpss import harmonic_mask

SR = 22050


def _spectrogram(n_frames: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    S = rng.random((1025, n_frames)).astype(np.float32) ** 4
    S[:, 5] = 0.0  # a silent frame
    return S


def test_spectral_shape_matches_librosa_across_frame_blocks(monkeypatch):
    monkeypatch.setattr(gtzan57, "_BLOCK_FRAMES", 64)  # 4096 in use: files over 95 s
    S = _spectrogram(64 * 3 + 10)  # four blocks of frames, the last one partial
    centroid, bandwidth, rolloff = gtzan57.spectral_shape(S, SR)
    ref_c = librosa.feature.spectral_centroid(S=S, sr=SR)[0]
    ref_b = librosa.feature.spectral_bandwidth(S=S, sr=SR)[0]
    ref_r = librosa.feature.spectral_rolloff(S=S, sr=SR, roll_percent=0.85)[0]
    np.testing.assert_allclose(centroid, ref_c, rtol=5e-8, atol=0)  # measured 4.8e-9
    np.testing.assert_allclose(bandwidth, ref_b, rtol=3e-8, atol=0)  # measured 2.5e-9
    np.testing.assert_array_equal(rolloff, ref_r)
    assert centroid[5] == 0 and bandwidth[5] == 0  # silent frame: 0, not 0/0


def test_tempogram_mean_matches_librosa_across_frame_blocks(monkeypatch):
    monkeypatch.setattr(_tempo, "_BLOCK_FRAMES", 256)  # 4096 in use
    rng = np.random.default_rng(1)
    env = rng.random(256 * 3 + 100).astype(np.float32)
    env[300:700] = 0.0  # a silent stretch: frames without periodicity
    win = 384
    ours = _tempo.tempogram_mean(env, win)
    ref = librosa.feature.tempogram(onset_envelope=env, sr=SR, hop_length=512, win_length=win).mean(axis=1)
    np.testing.assert_allclose(ours, ref, rtol=2e-14, atol=0)  # measured 1.3e-15


def test_tempo_of_a_pulse_train_matches_librosa():
    rng = np.random.default_rng(2)
    env = np.zeros(2000, dtype=np.float32)
    env[::25] = 1.0  # one pulse every 25 frames of 512 samples: 103.36 BPM
    env += 0.01 * rng.random(2000).astype(np.float32)
    ours = _tempo.tempo(env, SR, 512)
    ref = librosa.feature.tempo(onset_envelope=env, sr=SR, hop_length=512)[0]
    assert ours == pytest.approx(ref, rel=1e-12)
    assert ours == pytest.approx(60 * SR / (512 * 25), rel=1e-12)


@pytest.mark.parametrize("n", [2048, 2048 + 1, 3 * 512 + 7, 22050])
def test_rms_and_zero_crossings_match_librosa(n):
    rng = np.random.default_rng(n)
    y = rng.standard_normal(n).astype(np.float32)
    y[100:140] = rng.choice([-1e-11, 0.0, 1e-11], 40)  # near-zero samples count as positive
    y[-50:] = -1e-12
    np.testing.assert_allclose(gtzan57.rms(y), librosa.feature.rms(y=y)[0], rtol=7e-7)  # measured 7.1e-8
    np.testing.assert_array_equal(gtzan57.zero_crossing_rate(y), librosa.feature.zero_crossing_rate(y)[0])


def test_harmonic_mask_by_hand_and_as_librosa():
    harm = np.array([[0.0, 1.0, 3.0, 2.0]], dtype=np.float32)
    perc = np.array([[0.0, 1.0, 4.0, 0.0]], dtype=np.float32)
    expected = librosa.util.softmask(harm, perc, power=2, split_zeros=True)
    np.testing.assert_allclose(expected, [[0.5, 0.5, 9 / 25, 1.0]], rtol=1e-6)
    got = harmonic_mask(harm.copy(), perc.copy())
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, expected)  # measured: identical


def test_pitch_tuning_matches_librosa():
    cents = np.array([440.0 * 2 ** ((k + 0.25) / 12) for k in range(-5, 6)])
    freqs = np.concatenate([cents, [0.0, -3.0]])  # non-positive entries are ignored
    assert _chroma.pitch_tuning(freqs) == pytest.approx(librosa.pitch_tuning(freqs), abs=1e-12)
    assert _chroma.pitch_tuning(freqs) == pytest.approx(0.25, abs=0.01)
    flat = np.array([440.0 * 2 ** ((k - 0.3) / 12) for k in range(8)])
    assert _chroma.pitch_tuning(flat) == pytest.approx(librosa.pitch_tuning(flat), abs=1e-12)
    assert _chroma.pitch_tuning(flat, resolution=0.1) == pytest.approx(
        librosa.pitch_tuning(flat, resolution=0.1), abs=1e-12)
    assert _chroma.pitch_tuning(np.array([0.0, -1.0])) == 0.0


def test_estimate_tuning_edge_cases():
    # no FFT bin inside piptrack's 150 Hz .. 4 kHz at a 200 Hz rate; silence has no peak
    power = np.ones((1025, 4), dtype=np.float32)
    assert _chroma.estimate_tuning(power, 200, 2048) == 0.0
    assert _chroma.estimate_tuning(np.zeros((1025, 4), dtype=np.float32), SR, 2048) == 0.0
    t = np.arange(SR) / SR
    y = (np.sin(2 * np.pi * 440 * 2 ** (0.3 / 12) * t)).astype(np.float32)  # 30 cents sharp
    power = np.abs(librosa.stft(y)) ** 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = librosa.estimate_tuning(S=power, sr=SR)
    assert _chroma.estimate_tuning(power, SR, 2048) == pytest.approx(ref, abs=1e-12)
