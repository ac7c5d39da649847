"""The bundled gtzan57 table model: safe, documented, reproducible, never trained on reserved rows, and as
good on our own extraction of real clips as on the published table's rows for them. (The default model
is the musicnn one: tests/test_musicnn_default.py.)"""

from __future__ import annotations

import numpy as np
import pytest

from genre_gui import cli
from genre_gui.assets import TABLE_MODEL
from genre_gui.core.batch import extract_batch
from genre_gui.core.datasets import load_feature_csv
from genre_gui.core.persistence import load_pipeline, read_header


@pytest.fixture(scope="module")
def demo():
    return load_feature_csv(cli.DEMO_CSV, "gtzan57")


@pytest.fixture(scope="module")
def model():
    return load_pipeline(TABLE_MODEL)


def test_reserved_rows_are_clip_numbers_0_to_12_and_jazz_54(demo):
    mask = cli.reserved_mask(demo.groups)
    reserved = set(demo.groups[mask].tolist())
    assert len(reserved) == 131
    assert "jazz.00054" in reserved and "blues.00012" in reserved and "rock.00000" in reserved
    assert "blues.00013" not in reserved and "jazz.00055" not in reserved


def test_header_records_how_it_was_made(model):
    header = read_header(TABLE_MODEL)
    meta = model.metadata
    assert header["feature_set"]["name"] == "gtzan57"
    assert model.classes == ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop",
                             "reggae", "rock"]
    assert meta["n_train"] == 1000 - 131
    assert "00000-00012" in meta["excluded"] and "jazz.00054" in meta["excluded"]
    assert "blocked" in meta["protocol"]
    best = max(c["accuracy"] for c in meta["cv_all"])
    assert meta["cv_accuracy"] == pytest.approx(best)
    assert 0.55 < meta["cv_accuracy"] < 0.9


def test_rebuilding_it_with_the_cli_gives_the_same_model(tmp_path, demo, model):
    # proves the file is what `make default-model` makes, so it saw only non-reserved rows
    out = tmp_path / "default.npz"
    assert cli.main(["-q", "train-default", "--table", "--out", str(out)]) == 0
    rebuilt = load_pipeline(out)
    assert rebuilt.metadata["cv_all"] == model.metadata["cv_all"]
    np.testing.assert_allclose(rebuilt.predict_proba_features(demo.X), model.predict_proba_features(demo.X),
                               atol=1e-9)


def test_our_extraction_and_the_table_agree_on_the_real_clips(gtzan_clip_paths, demo, model):
    X, ok, failures = extract_batch(gtzan_clip_paths, "gtzan57", n_jobs=2)
    assert not failures and len(ok) == 50
    rows = {g: i for i, g in enumerate(demo.groups.tolist())}
    ids = [p.name.rsplit(".", 1)[0] for p in gtzan_clip_paths]
    # none of the 50 was seen in training: they are all reserved clips
    assert set(ids) <= set(demo.groups[cli.reserved_mask(demo.groups)].tolist())
    table = demo.X[[rows[i] for i in ids]]
    ours_pred = model.predict_features(X)
    table_pred = model.predict_features(table)
    agree = int(np.sum(ours_pred == table_pred))
    assert agree >= 48, f"only {agree}/50 clips get the same genre from our features and the table's"
