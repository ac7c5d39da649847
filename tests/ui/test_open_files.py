"""File > Open routes: a feature CSV, MNIST IDX files (pair or one file of the pair), a model file,
songs to classify; a model trained without audio features refuses songs with a message."""

from __future__ import annotations

import pytest
from ui_helpers import configure_quick_run


@pytest.mark.shared_data
def test_open_feature_csv(window, qtbot, gtzan_csv):
    with qtbot.waitSignal(window.jobs.dataset_loaded, timeout=60000) as got:
        window.open_paths([str(gtzan_csv)])
    ds = got.args[0].dataset
    assert ds.X.shape == (1000, 57) and ds.feature_set == "gtzan57"
    assert window.library_panel.genres.rowCount() == 10
    assert str(gtzan_csv) in window.library_panel.summary.text()


@pytest.mark.shared_data
@pytest.mark.timeout(300)
def test_open_mnist_idx_and_train_softmax(window, qtbot, mnist_dir):
    images = mnist_dir / "t10k-images-idx3-ubyte.gz"
    with qtbot.waitSignal(window.jobs.dataset_loaded, timeout=120000) as got:
        window.open_paths([str(images)])  # the labels file is found beside it
    ds = got.args[0].dataset
    assert ds.X.shape == (10000, 784) and len(ds.classes) == 10
    assert not window.training_panel.protocol_box.segment_mode.isEnabled()
    configure_quick_run(window, models=("softmax",), softmax_epochs=3)
    with qtbot.waitSignal(window.jobs.training_finished, timeout=240000) as got:
        window.training_panel.train_button.click()
    run = got.args[0]
    assert run.results[0].accuracy > 0.8
    assert run.n_clips == 2000  # 20 % hold-out
    # the MNIST model joins the model list but never replaces the model for songs: no question asked,
    # Home lists it greyed out, and choosing it anyway says why it cannot be used
    songs_model = window.state.pipeline
    assert songs_model is not run.results[0].pipeline and songs_model.feature_set == "musicnn"
    assert window.offer_bar.pending is None and not window.offer_bar.isVisible()
    (mnist,) = [i for i, e in enumerate(window.models.entries) if e.pipeline is run.results[0].pipeline]
    combo = window.home_panel.model_combo
    row = combo.findData(mnist)
    assert not combo.model().item(row).isEnabled() and "cannot classify songs" in combo.itemText(row)
    assert window.models.use(mnist) is False
    assert window.state.pipeline is songs_model
    assert window.last_error and "audio" in window.last_error


def test_open_unknown_file_only_sets_a_status_message(window, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")
    before = window.state.dataset
    window.open_paths([str(junk)])
    assert window.state.dataset is before
    assert "notes.txt" in window.statusBar().currentMessage()
    assert window.last_error is None


@pytest.mark.shared_data
def test_unreadable_song_is_listed_not_fatal(window, qtbot, tmp_path, gtzan_clip_paths):
    # the default model ships with the app (resources/default_model.npz) and is loaded at start
    assert window.state.pipeline is not None, window.last_error
    assert window.state.pipeline_label.startswith("default model: "), window.state.pipeline_label
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF0000WAVEfmt garbage")
    with qtbot.waitSignal(window.jobs.prediction_finished, timeout=120000) as got:
        window.open_paths([str(bad), str(gtzan_clip_paths[5])])
    preds = {p.path: p for p in got.args[0].predictions}
    assert preds[str(bad)].error and "broken.wav" in preds[str(bad)].error
    good = preds[str(gtzan_clip_paths[5])]
    assert good.error is None and abs(sum(good.probabilities.values()) - 1) < 1e-6
    assert window.home_panel.predictions.rowCount() == 2
