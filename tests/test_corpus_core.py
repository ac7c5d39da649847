"""The bad-input corpus through the core (issue 7, part 1): typed errors naming the file, or finite output.

Every kind in ``tests/corpus/make_corpus.py`` is loaded with the core function the app uses for it
(``load_audio``, ``load_dataset``, ``load_pipeline``). Bad input must raise the kind's ``GenreGuiError``
subclass with a message naming the file and matching the reason; odd-but-valid input must load, and
nothing non-finite may come out (audio samples, every feature set's vector, dataset ``X``, model
probabilities).
"""

from __future__ import annotations

import os
import re
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from corpus.make_corpus import DEMO_CSV, KINDS, Corpus, build, sentinel_path

from genre_gui.core.audio_io import MIN_SAMPLES, load_audio
from genre_gui.core.datasets import load_dataset, load_feature_csv
from genre_gui.core.errors import GenreGuiError
from genre_gui.core.features import FEATURE_SETS
from genre_gui.core.persistence import load_pipeline

FEATURE_SR = 22050
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Corpus:
    return Corpus(tmp_path_factory.mktemp("corpus"))


#: the core function the app uses for each group of input, and its keyword arguments
CORE_CALLS = {
    "audio": (load_audio, {}),
    "folder": (load_dataset, {"feature_set": "fft1000", "n_jobs": 1}),
    "dataset": (load_dataset, {}),
    "model": (load_pipeline, {}),
}


def run_core(kind, path):
    """Load ``path`` with the core function the app uses for this kind of input."""
    func, kwargs = CORE_CALLS[kind.group]
    return func(path, **kwargs)


def core_error(kind, corpus, unprivileged) -> tuple[Path, str, str]:
    """Load the kind's bad input; return (path, error class name, message).

    chmod 000 means nothing to root: as root, such kinds are built in a folder the user nobody may enter
    and loaded in a subprocess running as nobody, so the permission check runs for real in CI too.
    """
    if kind.needs_non_root and IS_ROOT:
        path = build(kind, unprivileged.folder)
        func, kwargs = CORE_CALLS[kind.group]
        got = unprivileged.call(f"{func.__module__}:{func.__name__}", path, **kwargs)
        assert not got.readable, f"{kind.name}: nobody can read {path}: the test proves nothing"
        assert got.type is not None, f"{kind.name}: loading {path} as nobody raised nothing"
        return path, got.type, got.message
    path = corpus.path(kind)
    with pytest.raises(GenreGuiError) as info:
        run_core(kind, path)
    return path, type(info.value).__name__, str(info.value)


def test_corpus_has_every_required_kind():
    names = {k.name for k in KINDS}
    assert len(KINDS) >= 40
    required = [
        "audio_zero_bytes", "audio_header_only", "audio_truncated_wav", "audio_truncated_flac",
        "audio_truncated_mp3", "audio_truncated_ogg", "audio_text_as_wav", "audio_text_as_mp3",
        "audio_random_bytes", "audio_flac_named_wav", "audio_pcm_u8", "audio_pcm_24", "audio_float32",
        "audio_float64", "audio_float_nan", "audio_float_inf", "audio_1ch", "audio_2ch", "audio_6ch",
        "audio_8ch", "audio_8khz", "audio_11025hz", "audio_96khz", "audio_192khz", "audio_one_sample",
        "audio_10ms", "audio_silence", "audio_square_clipping", "audio_dc_offset", "audio_one_hour",
        "audio_non_utf8_name", "audio_very_long_name", "audio_unreadable", "folder_symlink_loop",
        "folder_10000_empty_files", "folder_single_class", "folder_class_with_one_clip",
        "folder_empty_class", "csv_missing_column", "csv_extra_column", "csv_reordered_columns",
        "csv_nan_cell", "csv_text_cell", "csv_no_label_column", "idx_wrong_magic", "idx_truncated_body",
        "idx_count_mismatch", "model_truncated", "model_wrong_magic", "model_header_huge",
        "model_header_deeply_nested", "model_header_wrong_types", "model_array_wrong_shape",
        "model_array_complex_dtype", "model_object_array_pickle", "model_future_version",
    ]
    assert not [n for n in required if n not in names]
    for k in KINDS:
        assert k.outcome in ("ok", "error")
        assert (k.error is not None) == k.bad and (not k.bad or issubclass(k.error, GenreGuiError))


@pytest.mark.parametrize("kind", [k for k in KINDS if k.bad], ids=lambda k: k.name)
def test_bad_input_raises_typed_error_naming_file_and_reason(kind, corpus, unprivileged):
    path, error, msg = core_error(kind, corpus, unprivileged)
    assert error == kind.error.__name__, f"{kind.name}: {error}: {msg}"
    named = str(path.parent / kind.named) if kind.named else str(path)
    assert named in msg, f"{kind.name}: the message does not name {named}: {msg}"
    assert re.search(kind.reason, msg, re.IGNORECASE | re.DOTALL), f"{kind.name}: reason missing: {msg}"
    assert "Traceback" not in msg and len(msg) < 2000
    if os.path.lexists(path) and not path.is_symlink():  # libsndfile says this of MP3s it cannot parse
        assert "does not exist" not in msg and "no such file" not in msg.lower(), msg


@pytest.mark.parametrize("kind", [k for k in KINDS if not k.bad and k.group == "audio"], ids=lambda k: k.name)
def test_odd_but_valid_audio_loads_finite_mono_with_finite_features(kind, corpus):
    y = load_audio(corpus.path(kind), sr=FEATURE_SR)
    assert y.dtype == np.float32 and y.ndim == 1 and len(y) >= MIN_SAMPLES
    assert np.all(np.isfinite(y))
    assert np.max(np.abs(y)) <= 1.0 + 1e-6  # PCM of any width (and our float files) is scaled to [-1, 1]
    for name, fs in FEATURE_SETS.items():
        v = fs.extract(y, FEATURE_SR)
        assert v.shape == (len(fs.columns),), name
        assert np.all(np.isfinite(v)), f"{kind.name}: {name} gave non-finite features"


@pytest.mark.parametrize("kind", [k for k in KINDS if not k.bad and k.group != "audio"], ids=lambda k: k.name)
def test_odd_but_valid_datasets_and_models_load_finite(kind, corpus):
    out = run_core(kind, corpus.path(kind))
    if kind.group == "model":
        proba = out.predict_proba_features(np.zeros((3, out.n_features)))
        assert np.all(np.isfinite(proba)) and np.allclose(proba.sum(axis=1), 1.0)
        return
    assert out.X.ndim == 2 and len(out.X) == len(out.y) > 0
    assert np.all(np.isfinite(out.X))
    assert len(out.classes) >= 2
    if kind.note:
        assert any(re.search(kind.note, f"{p}: {r}", re.IGNORECASE) for p, r in out.failures), out.failures
        for p, reason in out.failures:  # every listed problem names its file or folder
            assert p and (p in reason or reason.startswith("warning:"))


def test_multichannel_audio_is_the_mean_of_its_channels(corpus):
    import soundfile as sf

    path = corpus.path("audio_6ch")
    data, sr = sf.read(os.fsencode(path), dtype="float32", always_2d=True)
    assert data.shape[1] == 6 and sr == FEATURE_SR
    y = load_audio(path, sr=FEATURE_SR)
    np.testing.assert_allclose(y, data.mean(axis=1), atol=1e-6)


@pytest.mark.parametrize("name", ["audio_8khz", "audio_11025hz", "audio_96khz", "audio_192khz",
                                  "audio_odd_rate_44101hz", "audio_odd_rate_767999hz"])
def test_resampled_rates_keep_duration_and_pitch(name, corpus):
    y = load_audio(corpus.path(name), sr=FEATURE_SR)
    assert abs(len(y) - 1.5 * FEATURE_SR) <= 3  # odd rates: the ratio is exact to a few ppm
    spec = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    assert abs(np.argmax(spec) * FEATURE_SR / len(y) - 220.0) < 2.0  # the tone's fundamental survives


def test_one_hour_file_is_refused_from_its_header_without_reading_it(corpus):
    path = corpus.path("audio_one_hour")
    assert path.stat().st_size > 57_000_000
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(GenreGuiError, match="too long"):
            load_audio(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024**2, f"refusing the file allocated {peak / 2**20:.1f} MB"
    assert time.perf_counter() - t0 < 5.0  # refused from the header, not decoded


def test_reordered_csv_columns_are_put_back_in_feature_set_order(corpus):
    reordered = load_dataset(corpus.path("csv_reordered_columns"))
    full = load_feature_csv(DEMO_CSV)
    assert reordered.columns == list(FEATURE_SETS["gtzan57"].columns) == full.columns
    rows = [list(full.sources).index(s) for s in reordered.sources]
    np.testing.assert_array_equal(reordered.X, full.X[rows])


@pytest.mark.parametrize("name", ["model_object_array_pickle", "npz_dataset_pickle"])
def test_pickle_payloads_never_run(name, corpus):
    path = corpus.path(name)
    sentinel = sentinel_path(path)
    assert not sentinel.exists()
    with pytest.raises(GenreGuiError, match="pickle"):
        run_core(next(k for k in KINDS if k.name == name), path)
    assert not sentinel.exists(), "the pickle payload ran"
    # the payload is real: unpickling it on purpose does create the sentinel
    np.load(path, allow_pickle=True)[("model__coef_" if name.startswith("model") else "y")]
    assert sentinel.exists()


def test_multichannel_decoding_never_holds_every_channel_of_the_whole_file(tmp_path):
    import soundfile as sf

    frames, channels = 22050 * 20, 8
    rng = np.random.default_rng(3)
    data = (rng.standard_normal((frames, channels)) * 0.1).astype(np.float32)
    path = tmp_path / "eight.wav"
    sf.write(path, data, 22050, subtype="FLOAT")
    whole_file = frames * channels * 4  # what reading it at once in float32 takes
    tracemalloc.start()
    try:
        y = load_audio(path, sr=None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(y, data.mean(axis=1, dtype=np.float64).astype(np.float32))
    assert peak < 0.6 * whole_file, f"peak {peak / 2**20:.1f} MB for a {whole_file / 2**20:.1f} MB file"


@pytest.mark.parametrize("name", ["audio_flac", "audio_mp3", "audio_ogg", "audio_6ch", "audio_pcm_u8",
                                  "audio_truncated_wav_long"])
def test_block_decoding_equals_reading_the_whole_file(name, corpus):
    import soundfile as sf

    path = corpus.path(name)
    data, sr = sf.read(os.fsencode(path), dtype="float32", always_2d=True)
    expected = data.mean(axis=1, dtype=np.float64) if data.shape[1] > 1 else data[:, 0].astype(np.float64)
    y = load_audio(path, sr=None)
    if name == "audio_mp3":  # libmpg123's float output differs in the last bit with the read size
        np.testing.assert_allclose(y, expected, rtol=0, atol=1e-7)
    else:
        np.testing.assert_array_equal(y, expected.astype(np.float32))
