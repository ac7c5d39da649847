"""Model files: round trips for every model, and every kind of damaged, hostile or foreign file."""

from __future__ import annotations

import errno
import io
import json
import os
import pickle
import zipfile

import numpy as np
import pytest

from genre_gui.core import persistence
from genre_gui.core.datasets import load_feature_csv
from genre_gui.core.errors import ModelFileError
from genre_gui.core.models import MODELS
from genre_gui.core.persistence import load_pipeline, read_header, save_pipeline
from genre_gui.core.pipeline import Pipeline
from genre_gui.core.preprocessing import StandardScaler


@pytest.fixture(scope="module")
def table(gtzan_csv):
    return load_feature_csv(gtzan_csv).subset(np.arange(0, 1000, 3))


def _fit(table, name, **params):
    scaler = StandardScaler().fit(table.X)
    linear = {"max_iter": 40, "random_state": 0}
    defaults = {"softmax": linear, "ovr_logistic": linear, "knn": {"n_neighbors": 5}}[name]
    model = MODELS[name](**{**defaults, **params}).fit(scaler.transform(table.X), table.y)
    meta = {"dataset": "GTZAN", "cv_accuracy": 0.7, "nested": {"a": [1, 2, 3]}, "segment_seconds": 30.0}
    return Pipeline("gtzan57", scaler, model, list(model.classes_), meta)


@pytest.fixture(scope="module")
def softmax_pipe(table):
    return _fit(table, "softmax")


@pytest.fixture
def saved(tmp_path, softmax_pipe):
    path = tmp_path / "model.npz"
    save_pipeline(softmax_pipe, path)
    return path


# -- round trips -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["softmax", "ovr_logistic", "knn"])
def test_round_trip_gives_identical_predictions(tmp_path, table, name):
    pipe = _fit(table, name)
    path = tmp_path / f"{name}.npz"
    save_pipeline(pipe, path)
    back = load_pipeline(path)
    assert back.feature_set == "gtzan57" and back.classes == pipe.classes
    assert back.metadata == pipe.metadata
    assert type(back.model) is type(pipe.model) and back.model.get_params() == pipe.model.get_params()
    np.testing.assert_array_equal(back.predict_proba_features(table.X), pipe.predict_proba_features(table.X))
    np.testing.assert_array_equal(back.scaler.mean_, pipe.scaler.mean_)
    for attr in type(pipe.model)._fitted_attrs:
        a, b = getattr(pipe.model, attr), getattr(back.model, attr)
        if a is None:
            assert b is None
        else:
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert getattr(back.model, "n_iter_", None) == getattr(pipe.model, "n_iter_", None)


def test_integer_classes_without_feature_set(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = (X[:, 0] > 0).astype(int) + 2 * (X[:, 1] > 0)
    scaler = StandardScaler().fit(X)
    model = MODELS["softmax"](max_iter=20, random_state=0).fit(scaler.transform(X), y)
    pipe = Pipeline(None, scaler, model, list(model.classes_), {})
    save_pipeline(pipe, tmp_path / "m.npz")
    back = load_pipeline(tmp_path / "m.npz")
    assert back.classes == [0, 1, 2, 3] and back.feature_set is None
    np.testing.assert_array_equal(back.predict_features(X), pipe.predict_features(X))


def test_header_is_readable_json(saved):
    h = read_header(saved)
    assert h["magic"] == persistence.MAGIC and h["format_version"] == persistence.FORMAT_VERSION
    assert h["feature_set"] == {"name": "gtzan57", "version": 1}
    assert h["model"]["type"] == "softmax" and h["model"]["params"]["max_iter"] == 40
    assert h["metadata"]["cv_accuracy"] == 0.7
    with np.load(saved, allow_pickle=False) as z:  # every member loads without pickle
        assert all(z[k].dtype.kind != "O" for k in z.files)


def test_unsaveable_metadata(tmp_path, softmax_pipe):
    bad = Pipeline("gtzan57", softmax_pipe.scaler, softmax_pipe.model, softmax_pipe.classes,
                   {"f": lambda: 0})
    with pytest.raises(ModelFileError, match="not plain data"):
        save_pipeline(bad, tmp_path / "x.npz")
    assert not (tmp_path / "x.npz").exists()


# -- atomic saves ----------------------------------------------------------------------------------
def test_disk_full_keeps_the_old_file_and_no_temp(tmp_path, table, saved, monkeypatch):
    before = saved.read_bytes()
    real_savez = np.savez

    def full_disk(f, **arrays):
        real_savez(io.BytesIO(), **arrays)
        f.write(b"partial bytes")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", full_disk)
    with pytest.raises(ModelFileError, match="No space left") as ei:
        save_pipeline(_fit(table, "knn"), saved)
    assert str(saved) in str(ei.value)
    assert saved.read_bytes() == before
    assert sorted(p.name for p in saved.parent.iterdir()) == ["model.npz"]
    load_pipeline(saved)  # still the old, valid model


def test_failed_replace_keeps_the_old_file(tmp_path, table, saved, monkeypatch):
    before = saved.read_bytes()

    def no_replace(src, dst):
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(os, "replace", no_replace)
    with pytest.raises(ModelFileError):
        save_pipeline(_fit(table, "knn"), saved)
    assert saved.read_bytes() == before
    assert sorted(p.name for p in saved.parent.iterdir()) == ["model.npz"]


def test_save_into_missing_folder(tmp_path, softmax_pipe):
    with pytest.raises(ModelFileError, match="could not save"):
        save_pipeline(softmax_pipe, tmp_path / "no" / "such" / "m.npz")


def test_overwrite_replaces_atomically(tmp_path, table, saved):
    save_pipeline(_fit(table, "knn"), saved)
    assert read_header(saved)["model"]["type"] == "knn"
    assert sorted(p.name for p in saved.parent.iterdir()) == ["model.npz"]


# -- damaged and hostile files ---------------------------------------------------------------------
def _members(path):
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def _header(arrays):
    return json.loads(arrays["header"].tobytes().decode())


def _rewrite(path, arrays, header=None, raw_header=None):
    arrays = dict(arrays)
    if header is not None:
        raw_header = json.dumps(header).encode()
    if raw_header is not None:
        arrays["header"] = np.frombuffer(raw_header, dtype=np.uint8)
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def _rejects(path, *words):
    with pytest.raises(ModelFileError) as ei:
        load_pipeline(path)
    msg = str(ei.value)
    assert str(path) in msg, msg
    for w in words:
        assert w in msg, msg
    return msg


def test_missing_empty_folder(tmp_path):
    _rejects(tmp_path / "nope.npz", "no such file")
    (tmp_path / "e.npz").write_bytes(b"")
    _rejects(tmp_path / "e.npz", "empty")
    _rejects(tmp_path, "folder")


@pytest.mark.parametrize("content", [b"hello, not a model", os.urandom(2000), b"PK\x03\x04" + b"\x00" * 100])
def test_foreign_bytes(tmp_path, content):
    p = tmp_path / "f.npz"
    p.write_bytes(content)
    _rejects(p, "not a genre_gui model file")


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9, 0.99])
def test_truncated(saved, fraction):
    data = saved.read_bytes()
    saved.write_bytes(data[: int(len(data) * fraction)])
    _rejects(saved)


def test_flipped_bytes_never_crash(saved):
    data = bytearray(saved.read_bytes())
    rng = np.random.default_rng(1)
    for _ in range(30):
        damaged = bytearray(data)
        for i in rng.integers(0, len(data), 8):
            damaged[i] ^= 0xFF
        saved.write_bytes(bytes(damaged))
        try:
            pipe = load_pipeline(saved)
        except ModelFileError:
            continue
        # a flip that left the file valid must still give finite probabilities
        p = pipe.predict_proba_features(np.zeros((1, 57)))
        assert np.all(np.isfinite(p))


def test_other_npz_without_header(tmp_path):
    p = tmp_path / "other.npz"
    np.savez(p, X=np.ones((2, 2)))
    _rejects(p, "no header")


def test_wrong_magic(saved):
    a = _members(saved)
    h = _header(a)
    h["magic"] = "something.else"
    _rewrite(saved, a, h)
    _rejects(saved, "wrong magic")


def test_future_format_version(saved):
    a = _members(saved)
    h = _header(a)
    h["format_version"] = persistence.FORMAT_VERSION + 1
    _rewrite(saved, a, h)
    _rejects(saved, "newer version")


def test_huge_header(saved):
    a = _members(saved)
    h = _header(a)
    h["metadata"]["junk"] = "x" * (2 * 1024 * 1024)
    _rewrite(saved, a, h)
    _rejects(saved, "header is larger")


def test_deeply_nested_header(saved):
    a = _members(saved)
    raw = json.dumps(_header(a))[:-1] + ', "deep": ' + "[" * 100_000 + "]" * 100_000 + "}"
    _rewrite(saved, a, raw_header=raw.encode())
    _rejects(saved, "nests deeper")


@pytest.mark.parametrize("raw", [b"\xff\xfe not utf8", b"{not json", b"[1, 2, 3]", b'{"magic": NaN}'])
def test_garbage_headers(saved, raw):
    _rewrite(saved, _members(saved), raw_header=raw)
    _rejects(saved)


@pytest.mark.parametrize("mutate, words", [
    (lambda h: h.update(classes="blues"), ["2 classes"]),
    (lambda h: h.update(classes=["a"]), ["2 classes"]),
    (lambda h: h.update(classes=[1, "a"] + list(range(8))), ["text or all integers"]),
    (lambda h: h.update(classes=["a"] * 10), ["twice"]),
    (lambda h: h.update(n_features="57"), ["n_features"]),
    (lambda h: h.update(n_features=56), ["n_features"]),
    (lambda h: h["feature_set"].update(version=99), ["version 99"]),
    (lambda h: h["feature_set"].update(name="mystery"), ["unknown feature set"]),
    (lambda h: h["feature_set"].update(version="1"), ["feature_set"]),
    (lambda h: h["model"].update(type="os.system"), ["unknown model type"]),
    (lambda h: h["model"].update(params={"__class__": 1}), ["unknown hyperparameter"]),
    (lambda h: h["model"].update(params={"alpha": {"x": 1}}), ["invalid value"]),
    (lambda h: h["model"].update(params=[]), ["model.params"]),
    (lambda h: h["model"].update(arrays=["classes_", "__dict__"]), ["unexpected fitted"]),
    (lambda h: h["model"]["arrays"].remove("coef_"), ["missing fitted"]),
    (lambda h: h["model"].update(scalars={"predict": 1}), ["scalar name"]),
    (lambda h: h["model"].update(scalars={"n_iter_": [1]}), ["invalid value"]),
    (lambda h: h.update(scaler="MinMaxScaler"), ["unknown scaler"]),
    (lambda h: h.update(scaler_params={"log_columns": [57]}), ["log_columns"]),
    (lambda h: h.update(scaler_params={"ignore_columns": ["0"]}), ["ignore_columns"]),
    (lambda h: h.update(scaler_params={"copy": True}), ["scaler parameters"]),
    (lambda h: h.update(scaler_params={"with_mean": 1}), ["with_mean"]),
    (lambda h: h.update(metadata=[1]), ["metadata"]),
    (lambda h: h.update(classes=[c + "x" for c in h["classes"]]), ["classes_ do not match"]),
])
def test_tampered_header_fields(saved, mutate, words):
    a = _members(saved)
    h = _header(a)
    mutate(h)
    _rewrite(saved, a, h)
    _rejects(saved, *words)


@pytest.mark.parametrize("key, value, words", [
    ("model__coef_", lambda a: a.T, ["inconsistent"]),
    ("model__coef_", lambda a: a[:, :10], ["inconsistent"]),
    ("model__intercept_", lambda a: a[:3], ["inconsistent"]),
    ("model__coef_", lambda a: a.astype(np.complex128), ["not allowed"]),
    ("model__coef_", lambda a: np.full_like(a, np.nan), ["NaN"]),
    ("model__coef_", lambda a: a.astype("U5"), ["not allowed"]),
    ("scaler__mean_", lambda a: a[:5], ["scaler__mean_"]),
    ("scaler__scale_", lambda a: np.zeros_like(a), ["zero"]),
    ("scaler__scale_", lambda a: a.astype(np.int64), ["scaler__scale_"]),
    ("model__classes_", lambda a: a[::-1], ["classes_ do not match"]),
])
def test_tampered_arrays(saved, key, value, words):
    a = _members(saved)
    a[key] = value(a[key])
    _rewrite(saved, a)
    _rejects(saved, *words)


def test_missing_and_extra_arrays(saved):
    a = _members(saved)
    del a["scaler__scale_"]
    _rewrite(saved, a)
    _rejects(saved, "scaler__scale_", "missing")
    a["scaler__scale_"] = np.ones(57)
    a["model__extra_"] = np.ones(3)
    _rewrite(saved, a)
    _rejects(saved, "unexpected array")


class _Boom:
    def __reduce__(self):
        return (os.mkdir, (_Boom.target,))


def test_object_array_is_refused_and_never_unpickled(saved, tmp_path):
    _Boom.target = str(tmp_path / "pwned")
    a = _members(saved)
    a["model__coef_"] = np.array([_Boom()], dtype=object)
    with open(saved, "wb") as f:
        np.savez(f, **a)  # np.savez pickles object arrays
    assert b"pwned" in saved.read_bytes()
    _rejects(saved, "pickled")
    assert not (tmp_path / "pwned").exists()


def test_pickle_file_renamed_npz_is_refused(tmp_path):
    _Boom.target = str(tmp_path / "pwned2")
    p = tmp_path / "evil.npz"
    p.write_bytes(pickle.dumps(_Boom()))
    _rejects(p, "not a genre_gui model file")
    assert not (tmp_path / "pwned2").exists()


def test_unexpected_member_names(saved, tmp_path):
    with zipfile.ZipFile(saved, "a") as zf:
        zf.writestr("../../evil.npy", b"x")
    _rejects(saved, "unexpected member")


def test_too_many_members(saved):
    a = _members(saved)
    for i in range(persistence.MAX_MEMBERS + 1):
        a[f"junk{i}"] = np.zeros(1)
    _rewrite(saved, a)
    _rejects(saved, "members")


def test_saved_file_is_readable_by_others_and_keeps_an_existing_mode(tmp_path, softmax_pipe):
    # mkstemp creates 0600 files: a model shipped in resources/ must stay readable by other users
    dest = tmp_path / "m.npz"
    save_pipeline(softmax_pipe, dest)
    assert dest.stat().st_mode & 0o777 == 0o644
    dest.chmod(0o640)
    save_pipeline(softmax_pipe, dest)
    assert dest.stat().st_mode & 0o777 == 0o640


def test_scaler_column_options_round_trip(tmp_path, table):
    log_cols = [i for i, c in enumerate(table.columns) if c.endswith("_var")]
    scaler = StandardScaler(log_columns=log_cols, ignore_columns=[table.columns.index("tempo")]).fit(table.X)
    model = MODELS["softmax"](max_iter=20, random_state=0).fit(scaler.transform(table.X), table.y)
    pipe = Pipeline("gtzan57", scaler, model, list(model.classes_), {})
    save_pipeline(pipe, tmp_path / "m.npz")
    back = load_pipeline(tmp_path / "m.npz")
    assert back.scaler.get_params() == scaler.get_params()
    np.testing.assert_array_equal(back.predict_proba_features(table.X), pipe.predict_proba_features(table.X))

