"""core.explain against independent computations.

k-NN: neighbours and distances from scikit-learn's NearestNeighbors (brute force) on the same scaled
rows, the vote from scikit-learn's KNeighborsClassifier; a left-out clip from a NearestNeighbors fitted
without its rows. Linear models: the contributions plus the intercept equal the class's logit computed
by hand from the scaler's statistics and coef_/intercept_, and the argmax of those logits is the answer.
Model files keep the training rows' sources outside the JSON header; older files still load.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier as SkKNN
from sklearn.neighbors import NearestNeighbors

from genre_gui.core.datasets import load_feature_csv
from genre_gui.core.errors import FeatureError, ModelFileError
from genre_gui.core.explain import (
    TRAIN_CLIPS,
    TRAIN_SOURCES,
    LinearExplanation,
    NeighbourExplanation,
    NoExplanation,
    explain,
    feature_names,
    record_training_rows,
    training_rows_from_dataset,
)
from genre_gui.core.models import KNeighborsClassifier, OneVsRestLogisticRegression, SoftmaxRegression
from genre_gui.core.persistence import load_pipeline, read_header, save_pipeline
from genre_gui.core.pipeline import Pipeline
from genre_gui.core.preprocessing import StandardScaler


@pytest.fixture(scope="module")
def table(gtzan_csv):
    return load_feature_csv(gtzan_csv)


def _knn_pipe(ds, rows=None, **params):
    rows = np.arange(len(ds)) if rows is None else np.asarray(rows)
    scaler = StandardScaler().fit(ds.X[rows])
    model = KNeighborsClassifier(**{"n_neighbors": 5, **params}).fit(scaler.transform(ds.X[rows]), ds.y[rows])
    return Pipeline("gtzan57", scaler, model, list(model.classes_), {})


def _hand_z(scaler, X):
    """Standardised rows from the scaler's statistics, written out (log columns, ignored columns)."""
    X = np.array(X, dtype=np.float64, ndmin=2)
    for j in scaler.log_columns:
        X[:, j] = np.log(np.maximum(X[:, j], 0.0) + 1e-10)
    Z = (X - scaler.mean_) / scaler.scale_
    Z[:, list(scaler.ignore_columns)] = 0.0
    return Z


# -- k-NN -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
@pytest.mark.parametrize("weights", ["uniform", "distance"])
def test_neighbours_are_scikit_learns(table, metric, weights):
    train = np.arange(0, 1000, 2)
    pipe = _knn_pipe(table, train, n_neighbors=7, metric=metric, weights=weights)
    Z_train = pipe.scaler.transform(table.X[train])
    nn = NearestNeighbors(n_neighbors=7, metric=metric, algorithm="brute").fit(Z_train)
    sk = SkKNN(n_neighbors=7, metric=metric, weights=weights, algorithm="brute").fit(Z_train, table.y[train])
    for q in (1, 333, 998):  # clips the model has not seen
        e = explain(pipe, table.X[q])
        assert isinstance(e, NeighbourExplanation) and e.metric == metric and e.weights == weights
        dist, ind = nn.kneighbors(pipe.scaler.transform(table.X[q:q + 1]))
        assert [n.row for n in e.neighbours] == ind[0].tolist()
        np.testing.assert_allclose([n.distance for n in e.neighbours], dist[0], rtol=1e-9, atol=1e-12)
        assert [n.label for n in e.neighbours] == table.y[train][ind[0]].tolist()
        assert [n.rank for n in e.neighbours] == list(range(1, 8))
        proba = sk.predict_proba(pipe.scaler.transform(table.X[q:q + 1]))[0]
        np.testing.assert_allclose([e.probabilities[c] for c in sk.classes_], proba, atol=1e-12)
        assert e.predicted == sk.predict(pipe.scaler.transform(table.X[q:q + 1]))[0]


def test_sources_name_the_training_rows(table):
    train = np.arange(1, 1000, 3)
    pipe = _knn_pipe(table, train)
    e = explain(pipe, table.X[0])
    assert not e.sources_known and all(n.source is None and n.clip is None for n in e.neighbours)
    record_training_rows(pipe, [table.sources[i] for i in train], table.groups[train])
    e = explain(pipe, table.X[0])
    assert e.sources_known
    for n in e.neighbours:
        assert n.source == table.sources[train[n.row]] and n.clip == table.groups[train[n.row]]
        assert n.source.endswith(".wav") and n.label == n.clip.split(".")[0]


def test_a_clip_left_out_is_explained_as_scikit_learn_without_its_rows(table):
    pipe = _knn_pipe(table)  # the final model: trained on every clip, as after k-fold
    record_training_rows(pipe, table.sources, table.groups)
    q = 417
    clip = str(table.groups[q])
    itself = explain(pipe, table.X[q])
    assert itself.neighbours[0].clip == clip and itself.neighbours[0].distance == 0.0  # finds itself
    e = explain(pipe, table.X[q], exclude_clip=clip)
    assert e.excluded_clip == clip and e.n_excluded == 1
    assert clip not in [n.clip for n in e.neighbours] and len(e.neighbours) == 5
    keep = np.flatnonzero(table.groups != clip)
    Z = pipe.scaler.transform(table.X)
    nn = NearestNeighbors(n_neighbors=5, algorithm="brute").fit(Z[keep])
    dist, ind = nn.kneighbors(Z[q:q + 1])
    assert [n.row for n in e.neighbours] == keep[ind[0]].tolist()
    np.testing.assert_allclose([n.distance for n in e.neighbours], dist[0], rtol=1e-9)
    sk = SkKNN(n_neighbors=5, algorithm="brute").fit(Z[keep], table.y[keep])
    assert e.predicted == sk.predict(Z[q:q + 1])[0]


def test_segments_are_explained_together_as_the_pipeline_averages(table):
    train = np.arange(0, 1000, 2)
    pipe = _knn_pipe(table, train, n_neighbors=3)
    rows = table.X[[5, 7, 9]]  # three "segments"
    e = explain(pipe, rows)
    assert e.n_segments == 3 and len(e.neighbours) == 9
    Z_train = pipe.scaler.transform(table.X[train])
    nn = NearestNeighbors(n_neighbors=3, algorithm="brute").fit(Z_train)
    dist, ind = nn.kneighbors(pipe.scaler.transform(rows))
    for s in range(3):
        mine = [n for n in e.neighbours if n.segment == s]
        assert sorted(n.row for n in mine) == sorted(ind[s].tolist())
    assert [n.distance for n in e.neighbours] == sorted(n.distance for n in e.neighbours)
    np.testing.assert_allclose(sorted(n.distance for n in e.neighbours), np.sort(dist.ravel()), rtol=1e-9)
    mean = pipe.predict_proba_features(rows).mean(axis=0)
    np.testing.assert_allclose([e.probabilities[c] for c in pipe.classes], mean, atol=1e-12)


def test_training_rows_are_found_in_the_dataset(table):
    train = np.sort(np.random.default_rng(0).permutation(1000)[:600])
    pipe = _knn_pipe(table, train)
    sources, clips = training_rows_from_dataset(pipe, table)
    assert len(sources) == len(clips) == 600
    row_of = {s: i for i, s in enumerate(table.sources)}
    found = np.array([row_of[s] for s in sources])
    # GTZAN repeats 14 clips exactly (Sturm 2013): those may be named by their twin, same features
    np.testing.assert_array_equal(table.X[found], table.X[train])
    assert np.mean(found == train) > 0.98 and clips == table.groups[found].tolist()
    shifted = table.subset(np.arange(1000))
    shifted.X = shifted.X + 1e-3
    assert training_rows_from_dataset(pipe, shifted) is None


def test_leaving_out_needs_known_clips_and_enough_rows(table):
    rows = [0, 1, 2, 100, 101, 102]  # three blues, three classical clips
    pipe = _knn_pipe(table, rows, n_neighbors=6)
    no = explain(pipe, table.X[0], exclude_clip=str(table.groups[0]))
    assert isinstance(no, NoExplanation) and "which clip" in no.reason
    record_training_rows(pipe, [table.sources[i] for i in rows], table.groups[rows])
    no = explain(pipe, table.X[0], exclude_clip=str(table.groups[0]))
    assert isinstance(no, NoExplanation) and "Only 5 training rows" in no.reason
    with pytest.raises(ValueError, match="6 training rows"):
        record_training_rows(pipe, table.sources[:5])


# -- linear models --------------------------------------------------------------------------------------
@pytest.fixture(scope="module", params=["softmax", "ovr_logistic"])
def linear_pipe(request, table):
    # log columns and an ignored column, as the bundled table model has
    scaler = StandardScaler(log_columns=[1, 3, 5], ignore_columns=[16]).fit(table.X)
    cls = {"softmax": SoftmaxRegression, "ovr_logistic": OneVsRestLogisticRegression}[request.param]
    model = cls(max_iter=60, random_state=0).fit(scaler.transform(table.X), table.y)
    return Pipeline("gtzan57", scaler, model, list(model.classes_), {})


def test_contributions_add_up_to_the_hand_computed_logit(linear_pipe, table):
    m = linear_pipe.model
    for q in (0, 250, 612, 999):
        e = explain(linear_pipe, table.X[q], top=6)
        assert isinstance(e, LinearExplanation) and e.model == m.name
        logits = _hand_z(linear_pipe.scaler, table.X[q])[0] @ m.coef_.T + m.intercept_
        c = int(np.argmax(logits))
        assert e.predicted == e.explained == m.classes_[c]
        assert e.score == pytest.approx(logits[c], abs=1e-9)
        assert e.contributions.sum() + e.intercept == pytest.approx(logits[c], abs=1e-9)
        assert e.intercept == m.intercept_[c]
        # softmax: probabilities are the softmax of the logits; one-vs-rest: the normalised sigmoids
        p = np.exp(logits - logits.max()) if m.name == "softmax" else 1 / (1 + np.exp(-logits))
        np.testing.assert_allclose([e.probabilities[k] for k in m.classes_], p / p.sum(), atol=1e-9)


def test_top_contributions_are_named_sorted_and_signed(linear_pipe, table):
    e = explain(linear_pipe, table.X[42], top=5)
    z = _hand_z(linear_pipe.scaler, table.X[42])[0]
    w = linear_pipe.model.coef_[list(linear_pipe.classes).index(e.explained)]
    expected = w * z
    by_size = np.argsort(-expected)
    assert [c.index for c in e.top_positive] == [int(j) for j in by_size[:5] if expected[j] > 0]
    assert [c.index for c in e.top_negative] == [int(j) for j in by_size[::-1][:5] if expected[j] < 0]
    assert len(e.top_positive) == 5 and len(e.top_negative) == 5
    for c in e.top_positive + e.top_negative:
        assert c.feature == table.columns[c.index]
        assert c.weight == w[c.index] and c.value == pytest.approx(z[c.index])
        assert c.contribution == pytest.approx(w[c.index] * z[c.index])
        assert c.log == (c.index in (1, 3, 5))
    assert 16 not in [c.index for c in e.top_positive + e.top_negative]  # ignored: always 0
    assert "logit" in e.score_kind if linear_pipe.model.name == "softmax" else "log-odds" in e.score_kind


def test_segments_and_another_class(linear_pipe, table):
    rows = table.X[[100, 101, 102, 103]]
    m = linear_pipe.model
    e = explain(linear_pipe, rows, explained_class="jazz")
    assert e.explained == "jazz" and e.n_segments == 4
    logits = _hand_z(linear_pipe.scaler, rows) @ m.coef_.T + m.intercept_
    assert e.score == pytest.approx(logits[:, list(m.classes_).index("jazz")].mean(), abs=1e-9)
    assert e.predicted == m.classes_[np.argmax(linear_pipe.predict_proba_features(rows).mean(axis=0))]
    with pytest.raises(ValueError, match="not one of"):
        explain(linear_pipe, rows, explained_class="polka")


def test_feature_names_fall_back(table):
    scaler = StandardScaler().fit(table.X[:, :3])
    model = SoftmaxRegression(max_iter=5).fit(scaler.transform(table.X[:, :3]), table.y)
    pipe = Pipeline(None, scaler, model, list(model.classes_), {})
    assert feature_names(pipe, 3) == ["feature 0", "feature 1", "feature 2"]
    assert feature_names(pipe, 3, ["a", "b", "c"]) == ["a", "b", "c"]
    pipe.metadata["columns"] = ["x", "y", "z"]
    assert feature_names(pipe, 3) == ["x", "y", "z"]
    assert {c.feature for c in explain(pipe, table.X[0, :3], top=3).top_positive} <= {"x", "y", "z"}


# -- anything else ----------------------------------------------------------------------------------------
class _Centroids:
    """A classifier explain() does not know: answers by the nearest class mean."""

    name = "centroids"

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.means_ = np.stack([X[y == c].mean(axis=0) for c in self.classes_])
        return self

    def predict_proba(self, X):
        d = -((X[:, None, :] - self.means_[None]) ** 2).sum(axis=2)
        p = np.exp(d - d.max(axis=1, keepdims=True))
        return p / p.sum(axis=1, keepdims=True)


def test_an_unknown_model_gets_no_explanation_not_an_error(table):
    scaler = StandardScaler().fit(table.X)
    pipe = Pipeline("gtzan57", scaler, _Centroids().fit(scaler.transform(table.X), table.y),
                    sorted(set(table.y.tolist())))
    e = explain(pipe, table.X[0])
    assert isinstance(e, NoExplanation) and e.kind == "none" and "centroids" in e.reason
    with pytest.raises(FeatureError, match="expects 57 features"):
        explain(pipe, table.X[0, :5])


def test_bad_rows_are_a_feature_error(table):
    pipe = _knn_pipe(table, np.arange(0, 1000, 10))
    with pytest.raises(FeatureError):
        explain(pipe, table.X[0, :10])
    bad = table.X[0].copy()
    bad[3] = np.nan
    with pytest.raises(FeatureError):
        explain(pipe, bad)


# -- model files --------------------------------------------------------------------------------------------
def test_training_sources_survive_a_model_file_outside_the_header(table, tmp_path):
    pipe = _knn_pipe(table)
    record_training_rows(pipe, table.sources, table.groups)
    path = tmp_path / "knn.npz"
    save_pipeline(pipe, path)
    assert TRAIN_SOURCES not in read_header(path)["metadata"]  # kept out of the JSON header
    back = load_pipeline(path)
    assert back.metadata[TRAIN_SOURCES] == list(table.sources)
    assert back.metadata[TRAIN_CLIPS] == table.groups.tolist()
    q = 3
    a = explain(pipe, table.X[q], exclude_clip=str(table.groups[q]))
    b = explain(back, table.X[q], exclude_clip=str(table.groups[q]))
    assert a.neighbours == b.neighbours


def test_a_large_segment_set_saves(tmp_path):
    # 30 000 segment rows of 600 songs with long paths: as JSON in the header this would pass its 1 MB cap
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30000, 4))
    y = np.repeat(["a", "b"], 15000)
    scaler = StandardScaler().fit(X)
    pipe = Pipeline(None, scaler, KNeighborsClassifier().fit(scaler.transform(X), y), ["a", "b"])
    songs = [f"/home/someone/Music/{'long folder name/' * 5}song number {i:04d}.flac" for i in range(600)]
    record_training_rows(pipe, np.repeat(songs, 50), np.repeat([f"song {i}" for i in range(600)], 50))
    save_pipeline(pipe, tmp_path / "big.npz")
    back = load_pipeline(tmp_path / "big.npz")
    assert back.metadata[TRAIN_SOURCES][::50] == songs


def _rewrite(path, out, drop=(), replace=None):
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            if info.filename in drop:
                continue
            data = zin.read(info.filename)
            if replace and info.filename in replace:
                buf = io.BytesIO()
                np.save(buf, replace[info.filename])
                data = buf.getvalue()
            zout.writestr(info.filename, data)


def test_older_files_load_and_damaged_lists_are_refused(table, tmp_path):
    pipe = _knn_pipe(table, np.arange(0, 1000, 5))
    record_training_rows(pipe, table.sources[::5], table.groups[::5])
    path = tmp_path / "knn.npz"
    save_pipeline(pipe, path)
    members = zipfile.ZipFile(path).namelist()
    rows = [m for m in members if m.startswith("rows__")]
    assert sorted(rows) == ["rows__train_clips__index.npy", "rows__train_clips__names.npy",
                            "rows__train_sources__index.npy", "rows__train_sources__names.npy"]
    old = tmp_path / "old.npz"  # as written before the lists existed
    _rewrite(path, old, drop=rows)
    back = load_pipeline(old)
    assert TRAIN_SOURCES not in back.metadata and not explain(back, table.X[1]).sources_known
    for name, value, message in [
        ("rows__train_sources__index.npy", np.full(200, 10**6), "points outside"),
        ("rows__train_sources__index.npy", np.zeros(199, dtype=np.int64), "199 rows"),
        ("rows__train_sources__names.npy", np.zeros(3), "list of text"),
    ]:
        bad = tmp_path / "bad.npz"
        _rewrite(path, bad, replace={name: value})
        with pytest.raises(ModelFileError, match=message):
            load_pipeline(bad)
    half = tmp_path / "half.npz"
    _rewrite(path, half, drop=["rows__train_clips__names.npy"])
    with pytest.raises(ModelFileError, match="missing"):
        load_pipeline(half)


# -- musicnn's columns read as the layers they come from -------------------------------------------------
def test_musicnn_labels_name_the_layer_each_value_comes_from():
    """Each label's block holds exactly the values the network's own layer outputs give, in order."""
    from genre_gui.core.embedding.musicnn import get_network
    from genre_gui.core.features.musicnn import COLUMNS, LABELS

    patch = np.random.default_rng(0).normal(size=(1, 187, 96)).astype(np.float32)
    out = get_network().forward(patch, keep_layers=True)
    layers = out.layers
    blocks = {  # (label prefix, the layer's channels): timbral and temporal are two and three convs
        "timbral 7x38 filter": layers["timbral"][:, :204], "timbral 7x67 filter": layers["timbral"][:, 204:],
        "temporal 128-frame filter": layers["temporal"][:, :51],
        "temporal 64-frame filter": layers["temporal"][:, 51:102],
        "temporal 32-frame filter": layers["temporal"][:, 102:],
        "mid-end layer 1 unit": layers["cnn1"], "mid-end layer 2 unit": layers["cnn2"],
        "mid-end layer 3 unit": layers["cnn3"],
    }
    assert len(LABELS) == len(COLUMNS) == 1506
    for how, pooled, offset in (("mean", out.mean_pool[0], 0), ("max", out.max_pool[0], 753)):
        for prefix, values in blocks.items():
            at = [i for i in range(753) if LABELS[offset + i].startswith(prefix + " ")]
            first, second = (COLUMNS[offset + i] for i in at[:2])
            assert [LABELS[offset + i] for i in at[:2]] == [f"{prefix} 1, {how} over time ({first})",
                                                           f"{prefix} 2, {how} over time ({second})"]
            assert len(at) == values.shape[1] and at == list(range(at[0], at[0] + len(at)))
            expect = values.mean(axis=0) if how == "mean" else values.max(axis=0)
            np.testing.assert_allclose(pooled[at], expect, rtol=1e-5, atol=1e-5)


def test_musicnn_unit_labels_count_each_block_from_one():
    from genre_gui.core.features.musicnn import _unit_labels

    units = _unit_labels()  # called here too: LABELS is built from it at import, before any mutant runs
    assert len(units) == 753
    assert [units[i] for i in (0, 203, 204, 408, 459, 510, 560, 561, 625, 689, 752)] == [
        "timbral 7x38 filter 1", "timbral 7x38 filter 204", "timbral 7x67 filter 1",
        "temporal 128-frame filter 1", "temporal 64-frame filter 1", "temporal 32-frame filter 1",
        "temporal 32-frame filter 51", "mid-end layer 1 unit 1", "mid-end layer 2 unit 1",
        "mid-end layer 3 unit 1", "mid-end layer 3 unit 64"]


def test_feature_names_read_a_feature_sets_columns_as_its_labels():
    from types import SimpleNamespace

    from genre_gui.core.features.musicnn import COLUMNS

    pipe = SimpleNamespace(feature_set="musicnn", metadata={})  # all feature_names reads of a pipeline
    names = feature_names(pipe, 1506)
    assert names[679] == "mid-end layer 2 unit 55, mean over time (mean_pool679)"
    assert names[753] == "timbral 7x38 filter 1, max over time (max_pool0)"
    # a dataset's own columns: the set's names become labels, any other name stays as it is
    assert feature_names(pipe, 3, [COLUMNS[0], "loudness", COLUMNS[-1]]) == [
        "timbral 7x38 filter 1, mean over time (mean_pool0)", "loudness",
        "mid-end layer 3 unit 64, max over time (max_pool752)"]
    pipe.feature_set = "gtzan57"  # names that mean something alone are kept
    assert feature_names(pipe, 2, ["tempo", "rms_mean"]) == ["tempo", "rms_mean"]
