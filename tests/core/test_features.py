"""Feature sets: the contract, input validation, and agreement with librosa / scipy on synthetic signals."""

from __future__ import annotations

import csv
import warnings

import librosa  # a test dependency, imported normally: a broken install fails the run, never skips it
import numpy as np
import pytest
import scipy.fft

from genre_gui.assets import DEMO_CSV
from genre_gui.core.errors import FeatureError
from genre_gui.core.features import FEATURE_SETS, get_feature_set

SR = 22050

#: gtzan57 on the synthetic signals below: per-column bars in table stds, about 10x the worst error over
#: the four signals (measured with librosa 0.11), rounded up. The differences are float32 rounding.
GTZAN57_SYNTHETIC_BARS = {
    "chroma_stft_mean": 5e-6,  # measured 4.4e-7
    "chroma_stft_var": 8e-6,  # measured 7.2e-7
    "rms_mean": 3e-6,  # measured 2.8e-7
    "rms_var": 7e-7,  # measured 6.1e-8
    "spectral_centroid_mean": 3e-7,  # measured 2.5e-8
    "spectral_centroid_var": 3e-7,  # measured 2.7e-8
    "spectral_bandwidth_mean": 3e-7,  # measured 2.4e-8
    "spectral_bandwidth_var": 1e-6,  # measured 9.3e-8
    # roll-off is a bin index: a frame whose cumulative energy ties the 85 % threshold to float32 rounding
    # lands one bin (10.8 Hz) away under other rounding, and seed 2 has a frame within 5.8e-7 of it.
    # The bars allow one such frame in a 6 s signal (2.6e-5 mean, <= 2.2e-4 var); the shorter signals'
    # margins are >= 1.5e-5, far from any rounding
    "rolloff_mean": 3e-5,  # measured 0
    "rolloff_var": 3e-4,  # measured 0
    # integer crossing counts, identical to librosa's: 1e-9 is float64 rounding room
    "zero_crossing_rate_mean": 1e-9,  # measured 0
    "zero_crossing_rate_var": 1e-9,  # measured 0
    "harmony_mean": 3e-6,  # measured 2.6e-7
    "harmony_var": 3e-6,  # measured 2.9e-7
    "perceptr_mean": 5e-6,  # measured 4.5e-7
    "perceptr_var": 2e-5,  # measured 1.4e-6
    # the same lag as librosa's argmax on every signal (the former 0.01 std also allowed no other lag)
    "tempo": 1e-9,  # measured 0
    "mfcc1_mean": 3e-6,  # measured 2.5e-7
    "mfcc1_var": 4e-6,  # measured 3.2e-7
    "mfcc2_mean": 2e-6,  # measured 1.6e-7
    "mfcc2_var": 7e-7,  # measured 6.1e-8
    "mfcc3_mean": 2e-6,  # measured 1.7e-7
    "mfcc3_var": 4e-6,  # measured 3.6e-7
    "mfcc4_mean": 2e-6,  # measured 1.1e-7
    "mfcc4_var": 2e-6,  # measured 1.1e-7
    "mfcc5_mean": 4e-6,  # measured 3.2e-7
    "mfcc5_var": 6e-6,  # measured 5.0e-7
    "mfcc6_mean": 1e-6,  # measured 9.1e-8
    "mfcc6_var": 2e-6,  # measured 1.9e-7
    "mfcc7_mean": 3e-6,  # measured 2.2e-7
    "mfcc7_var": 1e-5,  # measured 1.0e-6
    "mfcc8_mean": 2e-6,  # measured 1.6e-7
    "mfcc8_var": 3e-6,  # measured 2.8e-7
    "mfcc9_mean": 5e-6,  # measured 4.5e-7
    "mfcc9_var": 8e-6,  # measured 7.0e-7
    "mfcc10_mean": 5e-6,  # measured 4.0e-7
    "mfcc10_var": 3e-6,  # measured 2.6e-7
    "mfcc11_mean": 6e-6,  # measured 5.2e-7
    "mfcc11_var": 3e-6,  # measured 2.7e-7
    "mfcc12_mean": 4e-6,  # measured 3.3e-7
    "mfcc12_var": 4e-6,  # measured 3.6e-7
    "mfcc13_mean": 3e-6,  # measured 2.1e-7
    "mfcc13_var": 4e-6,  # measured 3.3e-7
    "mfcc14_mean": 4e-6,  # measured 3.6e-7
    "mfcc14_var": 8e-6,  # measured 7.4e-7
    "mfcc15_mean": 5e-6,  # measured 4.3e-7
    "mfcc15_var": 6e-6,  # measured 5.7e-7
    "mfcc16_mean": 4e-6,  # measured 4.0e-7
    "mfcc16_var": 4e-6,  # measured 4.0e-7
    "mfcc17_mean": 5e-6,  # measured 5.0e-7
    "mfcc17_var": 3e-6,  # measured 2.6e-7
    "mfcc18_mean": 6e-6,  # measured 5.8e-7
    "mfcc18_var": 4e-6,  # measured 3.8e-7
    "mfcc19_mean": 5e-6,  # measured 4.5e-7
    "mfcc19_var": 5e-6,  # measured 4.5e-7
    "mfcc20_mean": 6e-6,  # measured 5.7e-7
    "mfcc20_var": 6e-7,  # measured 5.2e-8
}
assert list(GTZAN57_SYNTHETIC_BARS) == FEATURE_SETS["gtzan57"].columns


def _table_std() -> np.ndarray:
    """Std of each gtzan57 column over the packaged copy of the published table (the error scale)."""
    with DEMO_CSV.open(newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    assert header[2:-1] == FEATURE_SETS["gtzan57"].columns
    return np.array([[float(v) for v in r[2:-1]] for r in rows[1:]]).std(axis=0)


def librosa_gtzan57(y: np.ndarray, sr: int = SR) -> np.ndarray:
    """The table's recipe with librosa 0.11 defaults (the oracle)."""
    values: list[float] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # librosa warns on silence (empty tuning set)
        series = (
            librosa.feature.chroma_stft(y=y, sr=sr),
            librosa.feature.rms(y=y),
            librosa.feature.spectral_centroid(y=y, sr=sr),
            librosa.feature.spectral_bandwidth(y=y, sr=sr),
            librosa.feature.spectral_rolloff(y=y, sr=sr),
            librosa.feature.zero_crossing_rate(y),
            *librosa.effects.hpss(y),
        )
        for s in series:
            values += [np.mean(s), np.var(s)]
        values.append(librosa.feature.tempo(y=y, sr=sr)[0])
        for row in librosa.feature.mfcc(y=y, sr=sr, n_mfcc=20):
            values += [np.mean(row), np.var(row)]
    return np.asarray(values, dtype=np.float64)


def _music_like(seconds: float, seed: int = 0) -> np.ndarray:
    """Chords with a slight detuning, a pulse train at 100 BPM and noise: exercises every column."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    y = np.zeros_like(t)
    for f in (220.0 * 2 ** (0.2 / 12), 277.2, 329.6, 440.0 * 1.003):
        y += 0.15 * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
    beat = (np.mod(t, 0.6) < 0.02) * rng.standard_normal(len(t)) * 0.6
    y += beat + 0.01 * rng.standard_normal(len(t))
    return y.astype(np.float32)


def test_registry_contract():
    assert set(FEATURE_SETS) == {"fft1000", "mfcc13", "gtzan57", "musicnn"}
    for name, fs in FEATURE_SETS.items():
        assert fs.name == name
        assert isinstance(fs.version, int) and fs.version >= 1
        assert len(fs.columns) == len(set(fs.columns))
        assert isinstance(fs.min_samples, int) and fs.min_samples > 0
        assert get_feature_set(name) is fs
    assert len(FEATURE_SETS["gtzan57"].columns) == 57
    assert len(FEATURE_SETS["mfcc13"].columns) == 13
    assert len(FEATURE_SETS["fft1000"].columns) == 1000


def test_unknown_feature_set_names_the_choices():
    with pytest.raises(FeatureError, match="gtzan57"):
        get_feature_set("nope")


@pytest.mark.parametrize("name", sorted(FEATURE_SETS))
def test_bad_input_raises_feature_error(name):
    fs = FEATURE_SETS[name]
    ok = _music_like(0.2)
    with pytest.raises(FeatureError, match="1-D"):
        fs.extract(np.stack([ok, ok]), SR)
    bad = ok.copy()
    bad[100] = np.nan
    with pytest.raises(FeatureError, match="NaN"):
        fs.extract(bad, SR)
    bad[100] = np.inf
    with pytest.raises(FeatureError, match="NaN or infinite"):
        fs.extract(bad, SR)
    with pytest.raises(FeatureError, match="too short"):
        fs.extract(ok[: fs.min_samples - 1], SR)
    with pytest.raises(FeatureError, match="too short"):
        fs.extract(np.zeros(0, dtype=np.float32), SR)
    with pytest.raises(FeatureError, match="sample rate"):
        fs.extract(ok, 0)
    with pytest.raises(FeatureError, match="numbers"):
        fs.extract(np.array(["a"] * 3000), SR)


@pytest.mark.parametrize("name", sorted(FEATURE_SETS))
@pytest.mark.parametrize("kind", ["silence", "dc", "minimal", "clipped"])
def test_degenerate_input_gives_finite_float64(name, kind):
    fs = FEATURE_SETS[name]
    # the minimum is counted at the set's own rate (musicnn: 512 at 16 kHz = 706 samples at 22050 Hz)
    n = {"minimal": -(-fs.min_samples * SR // fs.sample_rate)}.get(kind, SR)
    y = {
        "silence": np.zeros(n, dtype=np.float32),
        "dc": np.full(n, 0.25, dtype=np.float32),
        "minimal": _music_like(1.0)[:n],
        "clipped": np.sign(_music_like(1.0)).astype(np.float32),
    }[kind]
    out = fs.extract(y, SR)
    assert out.dtype == np.float64
    assert out.shape == (len(fs.columns),)
    assert np.all(np.isfinite(out))


def test_extract_is_pure_and_accepts_other_dtypes_and_rates():
    fs = FEATURE_SETS["mfcc13"]
    y = _music_like(2.0)
    a = fs.extract(y, SR)
    np.testing.assert_array_equal(a, fs.extract(y.copy(), SR))
    # float64 and int16 input are computed like float32 (as librosa.load returns): measured bit-identical
    np.testing.assert_array_equal(fs.extract(y.astype(np.float64), SR), a)
    # integer PCM is scaled to [-1, 1) as audio readers do: measured bit-identical for int16 and uint8
    y16 = np.round(y * 16384).astype(np.int16)
    np.testing.assert_array_equal(fs.extract(y16, SR), fs.extract(y16 / 32768.0, SR))
    u8 = (np.round(y * 64) + 128).astype(np.uint8)
    np.testing.assert_array_equal(fs.extract(u8, SR), fs.extract((u8 - 128.0) / 128.0, SR))
    # other rates are resampled to 22050 Hz first: 44.1 kHz of the same content gives ~ the same MFCCs
    t = np.arange(int(2.0 * 44100)) / 44100
    tone = lambda tt: (0.3 * np.sin(2 * np.pi * 440 * tt) + 0.2 * np.sin(2 * np.pi * 1234 * tt))  # noqa: E731
    at_44k = fs.extract(tone(t).astype(np.float32), 44100)
    at_22k = fs.extract(tone(np.arange(int(2.0 * SR)) / SR).astype(np.float32), SR)
    np.testing.assert_allclose(at_44k, at_22k, rtol=0, atol=2e-4)  # measured 1.2e-5


def test_fft1000_is_abs_fft_first_1000():
    y = _music_like(3.0, seed=4)
    ours = FEATURE_SETS["fft1000"].extract(y, SR)
    ref = np.abs(scipy.fft.fft(y.astype(np.float64)))[:1000]
    # measured 0 (bit-identical): the bars are float64 rounding room for an equivalent transform
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-12 * ref.max())
    # the book's seed also worked on clips as short as one frame
    short = _music_like(0.1)[:2048]
    ref = np.abs(scipy.fft.fft(short.astype(np.float64)))[:1000]
    np.testing.assert_allclose(FEATURE_SETS["fft1000"].extract(short, SR), ref,
                               rtol=1e-12, atol=1e-12 * ref.max())  # measured 0


@pytest.mark.parametrize(
    ("seconds", "rtol"),
    # relative error of the worst of the 13 coefficients (all |ref| >= 2 here), float32 rounding;
    # the former bar allowed 1e-3 + 1e-4 |ref| on each
    [(0.1, 6e-6),  # measured 5.7e-7
     (1.0, 2e-6),  # measured 1.1e-7
     (7.3, 1e-6)],  # measured 9.0e-8
)
def test_mfcc13_matches_librosa_trimmed_mean(seconds, rtol):
    y = _music_like(seconds, seed=2)
    ours = FEATURE_SETS["mfcc13"].extract(y, SR)
    m = librosa.feature.mfcc(y=y, sr=SR, n_mfcc=13)
    n = m.shape[1]
    ref = m[:, int(n * 0.1) : int(n * 0.9)].mean(axis=1)
    np.testing.assert_allclose(ours, ref, rtol=rtol, atol=0)


@pytest.mark.parametrize(("seconds", "seed"), [(2048 / SR, 0), (0.5, 1), (6.0, 2), (6.0, 3)])
def test_gtzan57_matches_librosa_on_synthetic_signals(seconds, seed):
    y = _music_like(seconds, seed)
    ours = FEATURE_SETS["gtzan57"].extract(y, SR)
    ref = librosa_gtzan57(y)
    err = np.abs(ours - ref) / _table_std()
    columns = FEATURE_SETS["gtzan57"].columns
    bars = np.array([GTZAN57_SYNTHETIC_BARS[c] for c in columns])
    worst = int(np.argmax(err / bars))
    assert np.all(err <= bars), (
        f"{columns[worst]}: {ours[worst]} vs {ref[worst]}, {err[worst]:.3g} std (bar {bars[worst]:.0e})"
    )


def test_gtzan57_matches_librosa_on_silence():
    y = np.zeros(SR, dtype=np.float32)
    ours = FEATURE_SETS["gtzan57"].extract(y, SR)
    # measured 0 (bit-identical): the bars are float64 rounding room
    np.testing.assert_allclose(ours, librosa_gtzan57(y), rtol=1e-12, atol=1e-12)


def test_gtzan57_tuning_estimate_follows_detuned_input():
    """A detuned instrument moves energy between chroma bins only if the tuning estimate is ignored."""
    t = np.arange(3 * SR) / SR
    y = np.zeros_like(t)
    for midi in (57, 60, 64, 69, 72):
        f = 440.0 * 2 ** ((midi - 69 + 0.35) / 12)  # 35 cents sharp
        y += 0.1 * np.sin(2 * np.pi * f * t)
    y = y.astype(np.float32)
    ours = FEATURE_SETS["gtzan57"].extract(y, SR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chroma = librosa.feature.chroma_stft(y=y, sr=SR)
    assert ours[0] == pytest.approx(float(np.mean(chroma)), rel=5e-7)  # measured 5.0e-8
    assert ours[1] == pytest.approx(float(np.var(chroma)), rel=2e-7)  # measured 1.6e-8


@pytest.mark.parametrize("chunk", [1 << 22, 1000, 1])
@pytest.mark.parametrize("shape", [(1025, 400), (7, 100), (300, 40), (5, 1025), (1025, 5)])
def test_row_median_equals_scipy_median_filter(monkeypatch, shape, chunk):
    """The flattened 1-D median path (HPSS speed-up) must equal SciPy's 2-D median filter exactly."""
    from scipy.ndimage import median_filter

    from genre_gui.core.features import _hpss

    monkeypatch.setattr(_hpss, "_CHUNK_ELEMENTS", chunk)
    rng = np.random.default_rng(1)
    X = rng.random(shape).astype(np.float32)
    X[X < 0.3] = 0.0  # ties, as in real spectrograms
    ref = median_filter(X, size=(1, 31), mode="reflect")
    np.testing.assert_array_equal(_hpss.median_along_rows(X, 31), ref)
    t = _hpss.median_along_rows(X, 31, transpose=True)
    assert t.flags.c_contiguous
    np.testing.assert_array_equal(t, ref.T)
