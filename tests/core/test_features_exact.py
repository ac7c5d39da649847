"""The feature-set contract pinned to literals: messages word for word, PCM scaling, rate checks, trimming.

Written for the gaps a mutation run of ``genre_gui.core.features`` showed (docs/mutation.md): messages
checked by a word, boundaries checked on one side only, helpers checked only through librosa parity on
signals where the changed branch never runs. Expected values are literals or worked out by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from genre_gui.core.errors import FeatureError
from genre_gui.core.features import FEATURE_SETS, FeatureSet, get_feature_set
from genre_gui.core.features._base import _as_float32
from genre_gui.core.features._tempo import onset_strength
from genre_gui.core.features.mfcc13 import trimmed_frame_mean

SR = 22050
FFT = FEATURE_SETS["fft1000"]


def _noise(n: int, seed: int = 0) -> np.ndarray:
    return (0.1 * np.random.default_rng(seed).standard_normal(n)).astype(np.float32)


def _message(fs, y, sr) -> str:
    with pytest.raises(FeatureError) as info:
        fs.extract(y, sr)
    return str(info.value)


def test_input_messages_word_for_word():
    ok = _noise(3000)
    assert _message(FFT, np.stack([ok, ok]), SR) == \
        "fft1000: expected mono 1-D samples, got an array of shape (2, 3000)"
    assert _message(FFT, np.array(["a"] * 3000), SR) == "fft1000: samples must be numbers, got dtype <U1"
    bad = ok.copy()
    bad[5] = -np.inf
    assert _message(FFT, bad, SR) == "fft1000: the samples contain NaN or infinite values"
    for sr, shown in [(0, "0"), (-22050, "-22050"), (22050.5, "22050.5"), ("fast", "'fast'"), (None, "None")]:
        assert _message(FFT, ok, sr) == f"fft1000: sample rate must be a positive integer, got {shown}"
    # 2048 / 22050 s = 92.9 ms; musicnn: 512 / 16000 s = 32 ms
    assert _message(FFT, ok[:2047], SR) == \
        "fft1000: the audio is too short (2047 samples at 22050 Hz); it needs at least 2048 samples (93 ms)"
    assert _message(FEATURE_SETS["musicnn"], ok[:511], 16000) == \
        "musicnn: the audio is too short (511 samples at 16000 Hz); it needs at least 512 samples (32 ms)"


def test_float_rate_of_an_integer_value_is_the_same_rate():
    y = _noise(4000)
    np.testing.assert_array_equal(FFT.extract(y, 22050.0), FFT.extract(y, SR))
    np.testing.assert_array_equal(FFT.extract(y, np.int64(SR)), FFT.extract(y, SR))


def test_shortest_input_is_decided_at_the_sets_rate_before_resampling():
    # at 44.1 kHz 4096 samples are 2048 at 22050 Hz, exactly enough; 4095 are 2047.5, refused from the length
    assert FFT.extract(_noise(4096), 44100).shape == (1000,)
    assert _message(FFT, _noise(4095), 44100) == \
        "fft1000: the audio is too short (2047 samples at 22050 Hz); it needs at least 2048 samples (93 ms)"
    assert FFT.extract(_noise(2048), SR).shape == (1000,)  # exactly min_samples at the set's own rate


def test_resampled_input_is_what_the_set_sees():
    # 1 s at 11025 Hz resampled to 22050 Hz: 22050 samples; fft1000 then scales with that length
    t = np.arange(11025) / 11025
    y = (0.5 * np.sin(2 * np.pi * 100 * t)).astype(np.float32)
    out = FFT.extract(y, 11025)
    # a 100 Hz sine of 1 s: all its energy in FFT bin 100, of magnitude 0.5 * 22050 / 2 (resampling
    # ripple aside); bin 0 near zero
    assert int(np.argmax(out)) == 100
    assert out[100] == pytest.approx(0.5 * SR / 2, rel=2e-3)


@pytest.mark.parametrize(("dtype", "values", "expected"), [
    (np.int16, [-32768, 0, 16384, 32767], [-1.0, 0.0, 0.5, 32767 / 32768]),
    (np.int8, [-128, -64, 0, 127], [-1.0, -0.5, 0.0, 127 / 128]),
    (np.int32, [-2**31, 2**30, 0, 1], [-1.0, 0.5, 0.0, 2.0**-31]),
    (np.uint8, [0, 64, 128, 255], [-1.0, -0.5, 0.0, 127 / 128]),  # unsigned PCM centred on 128
    (np.uint16, [0, 32768, 49152, 65535], [-1.0, 0.0, 0.5, 32767 / 32768]),
    (np.float64, [-1.5, 0.25, 0.0, 1.0], [-1.5, 0.25, 0.0, 1.0]),  # floats are only narrowed, never scaled
])
def test_pcm_is_scaled_to_minus_one_one(dtype, values, expected):
    out = _as_float32(np.array(values, dtype=dtype))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.array(expected, dtype=np.float32))


def test_float32_input_is_not_copied():
    y = _noise(10)
    assert _as_float32(y) is y


class _Fixed(FeatureSet):
    """A feature set returning a given vector, to test the contract around ``_compute``."""

    name = "fixed"
    columns = ["a", "b", "c"]

    def __init__(self, vector):
        self.vector = vector

    def _compute(self, y, sr):
        assert y.dtype == np.float32 and sr == SR
        return self.vector


def test_contract_checks_shape_and_finiteness_of_what_a_set_computes():
    y = _noise(3000)
    out = _Fixed([1, 2, 3]).extract(y, SR)
    assert out.dtype == np.float64 and out.tolist() == [1.0, 2.0, 3.0]
    values, extras = _Fixed([1, 2, 3]).extract_with_extras(y, SR)
    assert values.tolist() == [1.0, 2.0, 3.0] and extras == {}
    with pytest.raises(AssertionError, match=r"^fixed produced shape \(2,\), expected \(3,\)$"):
        _Fixed([1, 2]).extract(y, SR)
    with pytest.raises(FeatureError, match=r"^fixed: non-finite values in a, c$"):
        _Fixed([np.nan, 2, np.inf]).extract(y, SR)


def test_repr_and_unknown_names():
    assert repr(FFT) == "<FeatureSet fft1000 v1: 1000 columns>"
    assert repr(FEATURE_SETS["gtzan57"]) == "<FeatureSet gtzan57 v1: 57 columns>"
    for name in ("nope", ["fft1000"]):
        with pytest.raises(FeatureError) as info:
            get_feature_set(name)
        choices = "fft1000, gtzan57, mfcc13, musicnn"
        assert str(info.value) == f"unknown feature set {name!r}; choose one of {choices}"


def test_declared_rates_and_minimums():
    assert {n: (fs.sample_rate, fs.min_samples, fs.version) for n, fs in FEATURE_SETS.items()} == {
        "fft1000": (22050, 2048, 1), "mfcc13": (22050, 2048, 1), "gtzan57": (22050, 2048, 1),
        "musicnn": (16000, 512, 1),
    }
    assert FFT.columns[:3] == ["fft0", "fft1", "fft2"] and FFT.columns[-1] == "fft999"
    assert FEATURE_SETS["mfcc13"].columns == [f"mfcc{i}" for i in range(1, 14)]
    musicnn = FEATURE_SETS["musicnn"].columns
    assert musicnn[0] == "mean_pool0" and musicnn[752] == "mean_pool752" and musicnn[753] == "max_pool0"


@pytest.mark.parametrize(("n", "expected"), [
    (10, 4.5),  # frames 1..8: int(1.0) .. int(9.0)
    (5, 1.5),  # frames 0..3: int(0.5) = 0, int(4.5) = 4
    (4, 1.0),  # frames 0..2: int(0.4) = 0, int(3.6) = 3
    (2, 0.0),  # frame 0 only: int(0.2) = 0, int(1.8) = 1
    (1, 0.0),  # int(0.1) = int(0.9) = 0 would leave no frame: the whole range
])
def test_trimmed_frame_mean_by_hand(n, expected):
    X = np.vstack([np.arange(n, dtype=np.float32), 2 * np.arange(n, dtype=np.float32)])
    out = trimmed_frame_mean(X)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [expected, 2 * expected])


def test_trimmed_frame_mean_other_trim():
    X = (np.arange(10, dtype=np.float64) ** 2)[None, :]
    assert trimmed_frame_mean(X, 0.3).tolist() == [21.5]  # frames 3..6: (9 + 16 + 25 + 36) / 4
    assert trimmed_frame_mean(X, 0.0).tolist() == [28.5]  # all frames: 285 / 10
    assert trimmed_frame_mean(X, 0.5).tolist() == [28.5]  # int(5) == int(5): no frame left, so all of them


def test_onset_strength_by_hand():
    S = np.array([[0.0, 1.0, 3.0, 2.0], [0.0, 0.0, 1.0, 1.0]])
    # positive differences [[1, 2, 0], [0, 1, 0]], mean over bands [0.5, 1.5, 0]; shifted by
    # 1 + n_fft // (2 hop) frames and cut to the 4 frames
    np.testing.assert_array_equal(onset_strength(S, n_fft=4, hop_length=4), [0.0, 0.5, 1.5, 0.0])
    np.testing.assert_array_equal(onset_strength(S, n_fft=8, hop_length=4), [0.0, 0.0, 0.5, 1.5])


def test_too_short_message_gives_the_minimum_in_milliseconds():
    one_second = _Fixed([1, 2, 3])
    one_second.min_samples = 22050
    assert _message(one_second, _noise(22049), SR) == \
        "fixed: the audio is too short (22049 samples at 22050 Hz); it needs at least 22050 samples (1000 ms)"
