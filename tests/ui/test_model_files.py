"""Save/load the trained model from the window: same predictions back; a tampered or unsaveable file gives
a message and nothing the user had is lost."""

from __future__ import annotations

import errno
import os

import numpy as np
import pytest
from ui_helpers import configure_quick_run


@pytest.fixture
def trained(window, qtbot):
    configure_quick_run(window, models=("softmax", "knn"), softmax_epochs=40)
    with qtbot.waitSignal(window.jobs.training_finished, timeout=120000):
        window.training_panel.train_button.click()
    window.comparison_panel.keep_requested.emit(0)  # the trained softmax becomes the model in hand
    return window


def test_save_then_load_gives_same_predictions(trained, tmp_path):
    w = trained
    X = w.state.dataset.X[:200]
    before = w.state.pipeline
    p_before = before.predict_proba_features(X)
    path = tmp_path / "model.npz"
    assert w.models.save_model(str(path))
    assert path.exists()
    w.state.set_pipeline(None)
    assert w.models.load_model(str(path))
    after = w.state.pipeline
    assert after is not before
    np.testing.assert_allclose(after.predict_proba_features(X), p_before, rtol=1e-12, atol=1e-12)
    assert list(after.predict_features(X)) == list(before.predict_features(X))
    assert "model.npz" in w.model_status.text()


@pytest.mark.parametrize("damage", ["truncate", "garbage", "flip"])
def test_tampered_model_file_gives_message_and_keeps_current_model(trained, tmp_path, damage):
    w = trained
    path = tmp_path / "model.npz"
    assert w.models.save_model(str(path))
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"PK\x03\x04" + os.urandom(300))
    else:
        i = data.index(b'"classes"') if b'"classes"' in data else len(data) // 3
        path.write_bytes(data[:i] + b"\x00\xff" + data[i + 2:])
    current = w.state.pipeline
    assert not w.models.load_model(str(path))
    assert w.state.pipeline is current
    assert w.last_error and "model.npz" in w.last_error and "kept" in w.last_error


def test_disk_full_while_saving_keeps_the_old_file(trained, tmp_path, monkeypatch):
    w = trained
    folder = tmp_path / "models"
    folder.mkdir()
    path = folder / "model.npz"
    assert w.models.save_model(str(path))
    old = path.read_bytes()

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", full)
    assert not w.models.save_model(str(path))
    assert path.read_bytes() == old
    assert sorted(p.name for p in folder.iterdir()) == ["model.npz"]  # no temp files left
    assert w.last_error and "space" in w.last_error.lower()
    assert w.state.pipeline is not None


def test_dropping_a_model_file_loads_it(trained, tmp_path, qtbot):
    from ui_helpers import drop_paths

    w = trained
    path = tmp_path / "dropped.npz"
    assert w.models.save_model(str(path))
    drop_paths(w, [path])
    assert "dropped.npz" in w.model_status.text()
