"""The shared DSP kernels against librosa 0.11 (the oracle) on synthetic signals."""

from __future__ import annotations

import librosa  # the oracle, imported normally: a broken test install fails the run, never skips it
import numpy as np
import pytest

from genre_gui.core import spectral as sp


def _signal(n: int, dtype=np.float32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 22050
    y = 0.5 * np.sin(2 * np.pi * 440 * t) + 0.1 * rng.standard_normal(n)
    return y.astype(dtype)


@pytest.mark.parametrize("n", [2048, 3000, 22050 * 2 + 17])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stft_matches_librosa(n, dtype):
    y = _signal(n, dtype)
    ours = sp.stft(y)
    ref = librosa.stft(y)
    assert ours.shape == ref.shape
    assert ours.dtype == ref.dtype
    # measured: float32 1.3e-7 of the largest bin (n = 44117), float64 0 (the same FFT, the same order)
    bar = 1.5e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(ours, ref, rtol=0, atol=bar * np.abs(ref).max())


def test_stft_blocked_path_for_long_input_is_identical(monkeypatch):
    y = _signal(30000)
    whole = sp.stft(y)
    monkeypatch.setattr(sp, "_STFT_BLOCK_FRAMES", 7)
    blocked = sp.stft(y)
    assert blocked.dtype == whole.dtype and blocked.shape == whole.shape
    np.testing.assert_array_equal(blocked, whole)
    # measured: the round trip is within 2.4e-7 of the float32 input
    np.testing.assert_allclose(sp.istft(blocked, length=len(y)), y, atol=2.5e-6)
    monkeypatch.setattr(sp, "_STFT_BLOCK_FRAMES", 4096)
    np.testing.assert_allclose(sp.istft(blocked, length=len(y)), y, atol=2.5e-6)


@pytest.mark.parametrize(("n_fft", "hop", "window", "pad_mode"),
                         [(1024, 256, "hamming", "constant"), (512, 160, "hann", "reflect"),
                          (2048, 512, "blackman", "edge")])
def test_stft_other_parameters(n_fft, hop, window, pad_mode):
    y = _signal(9001, np.float64, seed=1)
    ours = sp.stft(y, n_fft=n_fft, hop_length=hop, window=window, pad_mode=pad_mode)
    ref = librosa.stft(y, n_fft=n_fft, hop_length=hop, window=window, pad_mode=pad_mode)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12 * np.abs(ref).max())  # measured: 0


def test_stft_uncentered_frame_count():
    y = _signal(5000, np.float64)
    ours = sp.stft(y, center=False)
    ref = librosa.stft(y, center=False)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12 * np.abs(ref).max())  # measured: 0


@pytest.mark.parametrize("n", [2048, 3001, 22050 * 2 + 5])
def test_istft_matches_librosa_and_reconstructs(n):
    y = _signal(n, np.float32, seed=2)
    D = librosa.stft(y)
    # A modified (masked) STFT, like HPSS produces, is not a valid STFT: tests the normalisation too.
    mask = np.random.default_rng(3).random(D.shape).astype(np.float32)
    for M in (D, D * mask):
        ours = sp.istft(M, length=n)
        ref = librosa.istft(M, length=n)
        assert ours.dtype == ref.dtype == np.float32
        # measured: at most 1.8e-7 (float32 rounding of the overlap-add), masked or not
        np.testing.assert_allclose(ours, ref, rtol=0, atol=2e-6)
    np.testing.assert_allclose(sp.istft(D, length=n), y, rtol=0, atol=2e-6)  # measured: 1.8e-7
    np.testing.assert_allclose(sp.istft(D), librosa.istft(D), rtol=0, atol=2e-6)  # measured: 1.8e-7


@pytest.mark.parametrize(("sr", "n_fft"), [(22050, 2048), (16000, 512), (44100, 4096)])
def test_mel_filterbank_matches_librosa(sr, n_fft):
    ours = sp.mel_filterbank(sr, n_fft)
    ref = librosa.filters.mel(sr=sr, n_fft=n_fft)
    assert ours.dtype == ref.dtype and ours.shape == ref.shape
    # measured: 0 (the same formula in the same order); the bar allows float32 rounding only
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-7 * np.abs(ref).max())
    ours = sp.mel_filterbank(sr, n_fft, n_mels=40, fmin=30.0, fmax=7000.0)
    ref = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=40, fmin=30.0, fmax=7000.0)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-7 * np.abs(ref).max())


@pytest.mark.parametrize("tuning", [0.0, -0.37, 0.12])
@pytest.mark.parametrize(("sr", "n_fft", "n_chroma"), [(22050, 2048, 12), (16000, 1024, 24)])
def test_chroma_filterbank_matches_librosa(sr, n_fft, n_chroma, tuning):
    ours = sp.chroma_filterbank(sr, n_fft, n_chroma, tuning=tuning)
    ref = librosa.filters.chroma(sr=sr, n_fft=n_fft, n_chroma=n_chroma, tuning=tuning)
    assert ours.dtype == ref.dtype and ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-7 * np.abs(ref).max())  # measured: 0


def test_power_to_db_matches_librosa():
    S = np.abs(librosa.stft(_signal(30000))) ** 2
    S[:, :3] = 0.0  # silence must stay finite
    # measured: 0 dB in all three (the same float32 arithmetic); 1e-5 dB allows a different log rounding
    np.testing.assert_allclose(sp.power_to_db(S), librosa.power_to_db(S), rtol=0, atol=1e-5)
    np.testing.assert_allclose(sp.power_to_db(S, ref=np.max, top_db=None),
                               librosa.power_to_db(S, ref=np.max, top_db=None), rtol=0, atol=1e-5)
    np.testing.assert_allclose(sp.power_to_db(S, amin=1e-5, top_db=40.0),
                               librosa.power_to_db(S, amin=1e-5, top_db=40.0), rtol=0, atol=1e-5)
    assert np.isfinite(sp.power_to_db(np.zeros((4, 4)))).all()


@pytest.mark.parametrize("name", ["hann", "hamming", "blackman"])
def test_get_window_is_periodic_like_librosa(name):
    # measured: 0
    np.testing.assert_allclose(sp.get_window(name, 2048), librosa.filters.get_window(name, 2048), rtol=0,
                               atol=1e-15)
    w = sp.get_window("hann", 8)
    assert w[0] == 0.0 and w[4] == pytest.approx(1.0)  # periodic: peak at n/2, no trailing zero


def test_dct_ortho_gives_librosa_mfcc_from_db_mel():
    S_db = librosa.power_to_db(librosa.feature.melspectrogram(y=_signal(40000), sr=22050))
    ours = sp.dct_ortho(S_db, 20, axis=0)
    ref = librosa.feature.mfcc(S=S_db, n_mfcc=20)
    # measured: 0 on values up to 41; 1e-5 allows float32 rounding of the DCT
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-5)


def test_fft_frequencies():
    np.testing.assert_allclose(sp.fft_frequencies(22050, 2048), librosa.fft_frequencies(sr=22050, n_fft=2048),
                               rtol=0, atol=1e-9)  # measured: 0


def test_frame_spectrum_db_scale_and_silence():
    n, sr = 2048, 22050
    t = np.arange(n) / sr
    sine = np.sin(2 * np.pi * (100 * sr / n) * t)  # exactly on bin 100
    db = sp.frame_spectrum_db(sine, "hann")
    assert db.shape == (n // 2 + 1,)
    assert int(np.argmax(db)) == 100
    assert db[100] == pytest.approx(0.0, abs=1e-12)  # measured: 1.2e-14 dB
    half = sp.frame_spectrum_db(0.5 * sine, sp.get_window("hann", n))
    assert half[100] == pytest.approx(20 * np.log10(0.5), abs=1e-12)  # measured: 1.2e-14 dB
    silent = sp.frame_spectrum_db(np.zeros(n), "hann", floor_db=-100.0)
    assert np.all(silent == -100.0)
    with pytest.raises(ValueError):
        sp.frame_spectrum_db(np.zeros(n), np.ones(n - 1))


@pytest.mark.parametrize("n", [2, 3, 512, 1000, 2048, 4096, 8192])
def test_hann_is_scipys_bit_for_bit(n):
    import scipy.signal

    from genre_gui.core.spectral import get_window

    assert np.array_equal(get_window("hann", n), scipy.signal.get_window("hann", n, fftbins=True))


def test_feature_extraction_and_the_network_import_no_scipy_signal():
    import subprocess
    import sys

    code = ("import sys, numpy as np\n"
            "from genre_gui.core.features import get_feature_set\n"
            "from genre_gui.core.embedding import get_network, log_mel, patches\n"
            "y = np.random.default_rng(0).normal(0, 0.1, 48000).astype(np.float32)\n"
            "get_feature_set('gtzan57').extract(y, 22050); get_feature_set('mfcc13').extract(y, 22050)\n"
            "get_network().forward(patches(log_mel(y))[0])\n"
            "print('scipy.signal' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
