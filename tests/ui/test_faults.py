"""Faults in the GUI (issue 7): an exception inside a worker, a corrupt or unusable feature cache, a
failing loader. The app says what happened, stays responsive, and keeps what the user already had."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import soundfile as sf
from ui_helpers import configure_quick_run, drop_paths

from genre_gui.core import models as core_models
from genre_gui.ui.results import confusion


class _Exploding(core_models.SoftmaxRegression):
    name = "ovr_logistic"

    def fit(self, X, y, **kwargs):
        raise RuntimeError("boom inside fit")


def test_exception_inside_training_worker_keeps_finished_models(window, qtbot, monkeypatch):
    monkeypatch.setitem(core_models.MODELS, "ovr_logistic", _Exploding)
    configure_quick_run(window, softmax_epochs=20)
    with qtbot.waitSignal(window.jobs.training_failed, timeout=120000) as blocker:
        window.training_panel.train_button.click()
    assert "boom inside fit" in blocker.args[0]
    assert window.last_error and "boom inside fit" in window.last_error
    run = window.state.run
    assert run is not None and [r.model for r in run.results] == ["softmax"]
    # the finished model joins the model list; the model for songs is not replaced
    assert window.state.pipeline is not run.results[0].pipeline
    assert any(e.pipeline is run.results[0].pipeline for e in window.models.entries)
    # the app is still usable: the next run works
    monkeypatch.setitem(core_models.MODELS, "ovr_logistic", core_models.OneVsRestLogisticRegression)
    configure_quick_run(window, models=("knn",))
    with qtbot.waitSignal(window.jobs.training_finished, timeout=120000) as blocker:
        window.training_panel.train_button.click()
    assert [r.model for r in blocker.args[0].results] == ["knn"]


def test_exception_inside_loading_worker_keeps_the_dataset(window, qtbot, monkeypatch, tmp_path):
    import genre_gui.core.datasets as datasets

    def broken(*a, **k):
        raise RuntimeError("loader exploded")

    monkeypatch.setattr(datasets, "load_audio_folder", broken)
    before = window.state.dataset
    (tmp_path / "music" / "rock").mkdir(parents=True)
    # a folder that holds audio: one without is refused before the loader runs (core.datasets.open_dataset)
    sf.write(tmp_path / "music" / "rock" / "a.wav", np.zeros(22050, dtype=np.float32), 22050)
    with qtbot.waitSignal(window.jobs.dataset_load_failed, timeout=30000) as blocker:
        drop_paths(window, [tmp_path / "music"])
    assert "loader exploded" in blocker.args[0]
    assert window.state.dataset is before
    assert not window.library_panel.progress.cancel_button.isEnabled()


@pytest.fixture
def small_folder(tmp_path, gtzan_clip_paths):
    root = tmp_path / "small"
    for p in gtzan_clip_paths:
        if p.parent.name in ("classical", "metal", "pop"):
            (root / p.parent.name).mkdir(parents=True, exist_ok=True)
            shutil.copy(p, root / p.parent.name / p.name)
    return root


@pytest.mark.shared_data
@pytest.mark.parametrize("cache_state", ["corrupt", "unusable"])
def test_bad_feature_cache_still_extracts_with_a_warning(make_window, qtbot, tmp_path, small_folder,
                                                         cache_state):
    if cache_state == "corrupt":
        cache = tmp_path / "cache" / "features.sqlite"
        cache.parent.mkdir(parents=True)
        cache.write_bytes(b"SQLite format 3\x00" + b"\xde\xad\xbe\xef" * 500)
    else:
        blocker = tmp_path / "a_file"
        blocker.write_text("not a folder")
        cache = blocker / "features.sqlite"
    w = make_window(load_defaults=False, cache_path=str(cache))
    w.library_panel.feature_set.setCurrentText("mfcc13")
    with qtbot.waitSignal(w.jobs.dataset_loaded, timeout=120000) as got:
        drop_paths(w, [small_folder])
    loaded = got.args[0]
    assert len(loaded.dataset) == 15 and not loaded.dataset.failures
    assert any("cache" in m for m in loaded.warnings)
    assert "cache" in w.statusBar().currentMessage()


@pytest.mark.shared_data
@pytest.mark.timeout(600)
def test_segment_mode_trains_on_segments_and_scores_clips(make_window, qtbot, small_folder):
    w = make_window(load_defaults=False)
    w.library_panel.feature_set.setCurrentText("mfcc13")
    with qtbot.waitSignal(w.jobs.dataset_loaded, timeout=120000):
        drop_paths(w, [small_folder])
    assert len(w.state.dataset) == 15
    configure_quick_run(w, models=("softmax", "knn"), softmax_epochs=30, protocol="kfold", folds=5)
    w.training_panel.box("knn").field("k_max").setValue(6)
    assert w.training_panel.protocol_box.segment_mode.isEnabled()
    w.training_panel.protocol_box.segment_mode.setChecked(True)
    with qtbot.waitSignal(w.jobs.training_finished, timeout=300000) as got:
        w.training_panel.train_button.click()  # re-extracts as 3 s segments first, then trains
    run = got.args[0]
    ds = w.state.dataset
    assert len(ds) == 150  # 10 segments of 3 s per 30 s clip
    assert len(np.unique(ds.groups)) == 15
    assert "segments" in run.protocol
    for r in run.results:
        assert confusion(r, False).sum() == 15 == len(r.y_true)  # clips, not segments
        assert r.pipeline.metadata["segment_seconds"] == 3.0



class _Rejecting(core_models.SoftmaxRegression):
    def fit(self, X, y, **kwargs):
        raise ValueError("the data has a class with a single clip")


def test_models_rejecting_the_data_are_reported_and_the_rest_run(window, qtbot, monkeypatch):
    monkeypatch.setitem(core_models.MODELS, "softmax", _Rejecting)
    monkeypatch.setitem(core_models.MODELS, "ovr_logistic", _Rejecting)
    configure_quick_run(window)
    with qtbot.waitSignal(window.jobs.training_finished, timeout=120000) as got:
        window.training_panel.train_button.click()
    run = got.args[0]
    assert [r.model for r in run.results] == ["knn"]
    assert [m for m, _ in run.errors] == ["softmax", "ovr_logistic"]
    assert "single clip" in window.training_panel.status.text()
    # when every model rejects the data, one message box says why
    configure_quick_run(window, models=("softmax", "ovr_logistic"))
    with qtbot.waitSignal(window.jobs.training_finished, timeout=120000) as got:
        window.training_panel.train_button.click()
    assert not got.args[0].results
    assert window.last_error and "single clip" in window.last_error
    assert window.state.run is run  # the previous results stay
