"""A model and a feature set registered by a plugin (here: this test) show up everywhere with no other
code change: the Training panel's form, the Library's feature-set list, the CLI's choices and a saved and
reloaded model file; training through the GUI and the CLI uses them."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from ui_helpers import configure_quick_run

from genre_gui import cli
from genre_gui.core.features import FEATURE_SETS, FeatureSet, register_feature_set, unregister_feature_set
from genre_gui.core.models import MODELS, register_model, unregister_model
from genre_gui.core.models.base import BaseClassifier, TrainingEvent
from genre_gui.core.models.params import CurveSpec, Hyperparameter
from genre_gui.core.persistence import load_pipeline, save_pipeline
from genre_gui.core.pipeline import Pipeline
from genre_gui.core.preprocessing import StandardScaler


class ToyCentroids(BaseClassifier):
    """Nearest class mean, with a softmax over negative squared distances / temperature."""

    name = "toy_centroids"
    label = "Toy centroids"
    description = "the class whose mean is closest"
    hyperparameters = (
        Hyperparameter("temperature", "float", 2.0, "Temperature", "softness of the probabilities",
                       low=0.01, high=100.0, decimals=2, step=0.5),
        Hyperparameter("shrink", "choice", "none", "Shrink", "pull class means to the global mean",
                       choices=("none", "half")),
    )
    #: a validation curve (not a loss): the Training panel draws it on the validation plot
    curve = CurveSpec("validation", "shrink step", "validation accuracy", "Toy centroids: accuracy vs step")
    _fitted_attrs = ("classes_", "centroids_", "loss_curve_")

    def __init__(self, temperature: float = 2.0, shrink: str = "none", random_state: int | None = None):
        self.temperature = temperature
        self.shrink = shrink
        self.random_state = random_state

    def fit(self, X, y, *, X_val=None, y_val=None, callback=None):
        X, y = np.asarray(X, float), np.asarray(y)
        self.classes_ = np.unique(y)
        self.centroids_ = np.stack([X[y == c].mean(axis=0) for c in self.classes_])
        if self.shrink == "half":
            self.centroids_ = (self.centroids_ + X.mean(axis=0)) / 2
        self.loss_curve_ = np.empty(0)
        return self

    def predict_proba(self, X):
        d = ((np.asarray(X, float)[:, None, :] - self.centroids_[None]) ** 2).sum(-1)
        z = -d / self.temperature
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)


class ToyLoudness(FeatureSet):
    """RMS level and zero-crossing rate."""

    name = "toy_loudness"
    label = "Toy loudness"
    description = "RMS level and zero-crossing rate (a plugin's feature set)"
    version = 1
    columns = ["rms", "zcr"]
    min_samples = 64

    def _compute(self, y, sr):
        y = np.asarray(y, np.float64)
        return np.array([np.sqrt(np.mean(y**2)), np.mean(np.abs(np.diff(np.sign(y))) > 0)])


@pytest.fixture()
def plugins():
    register_model(ToyCentroids)
    fs = register_feature_set(ToyLoudness())
    yield fs
    unregister_model(ToyCentroids.name)
    unregister_feature_set(ToyLoudness.name)
    assert ToyCentroids.name not in MODELS and ToyLoudness.name not in FEATURE_SETS


def test_registry_refuses_clashes_and_wrong_specs(plugins):
    class Clash(ToyCentroids):
        pass

    with pytest.raises(ValueError, match="already registered"):
        register_model(Clash)

    class WrongSpec(ToyCentroids):
        name = "wrong_spec"
        hyperparameters = (Hyperparameter("nonexistent", "int", 1),)

    with pytest.raises(ValueError, match="unknown arguments"):
        register_model(WrongSpec)
    with pytest.raises(ValueError, match="already registered"):
        register_feature_set(ToyLoudness())


def test_plugin_model_and_feature_set_in_the_gui(plugins, make_window, qtbot):
    w = make_window()
    qtbot.waitUntil(lambda: w.state.dataset is not None and not w.jobs.dataset_running, timeout=30000)
    tp = w.training_panel
    box = tp.box("toy_centroids")
    assert box.title() == "Toy centroids" and box.toolTip() == "the class whose mean is closest"
    assert box.field("temperature").value() == 2.0
    assert [box.field("shrink").itemText(i) for i in range(2)] == ["none", "half"]
    combo = w.library_panel.feature_set
    names = [combo.itemText(i) for i in range(combo.count())]
    assert "toy_loudness" in names
    tip = combo.itemData(names.index("toy_loudness"), 3)  # Qt.ToolTipRole
    assert "RMS level" in tip
    # training it through the GUI: its settings reach the model, the run shows it under its label
    configure_quick_run(w, models=("toy_centroids",))
    box.field("temperature").setValue(0.5)
    box.field("shrink").setCurrentText("half")
    with qtbot.waitSignal(w.jobs.training_finished, timeout=60000) as blocker:
        tp.train_button.click()
    (result,) = blocker.args[0].results
    assert result.model == "toy_centroids"
    assert result.pipeline.model.get_params()["temperature"] == 0.5
    assert result.pipeline.model.shrink == "half"
    assert 0.3 < result.accuracy < 0.9  # nearest class mean on the GTZAN table
    assert w.comparison_panel.table.item(0, 0).text() == "Toy centroids"


def test_plugin_model_in_the_cli_and_a_model_file(plugins, gtzan_csv, tmp_path, capsys):
    parser = cli.build_parser()
    args = parser.parse_args(["train", "--dataset", "x.csv", "--model", "toy_centroids", "--out", "m.npz"])
    assert args.model == "toy_centroids"
    out = tmp_path / "toy.npz"
    code = cli.main(["-q", "train", "--dataset", str(gtzan_csv), "--model", "toy_centroids",
                     "--set", "temperature=3", "--set", "shrink=half", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    pipe = load_pipeline(out)
    assert type(pipe.model) is ToyCentroids and pipe.model.get_params()["temperature"] == 3.0
    # the spec refuses a value out of its range, naming it
    code = cli.main(["-q", "evaluate", "--dataset", str(gtzan_csv), "--model", "toy_centroids",
                     "--set", "temperature=1000"])
    assert code == 2 and "temperature must be between 0.01 and 100" in capsys.readouterr().err


def test_plugin_feature_set_in_the_cli_choices(plugins, monkeypatch, capsys):
    """--feature-set lists the registry's sets, the plugin's too, and takes its default from it."""
    import genre_gui.core.features as features

    monkeypatch.setattr(features, "DEFAULT_FEATURE_SET", "toy_loudness")
    parser = cli.build_parser()
    args = parser.parse_args(["extract", "songs", "--out", "x.csv"])
    assert args.feature_set == "toy_loudness"  # the registry's default, not a literal
    for argv in (["extract", "songs", "--out", "x.csv"], ["compare", "--dataset", "songs"]):
        assert parser.parse_args([*argv, "--feature-set", "toy_loudness"]).feature_set == "toy_loudness"
        with pytest.raises(SystemExit) as exc:
            parser.parse_args([*argv, "--feature-set", "toy_nonexistent"])
        err = capsys.readouterr().err
        assert exc.value.code == 2 and "toy_nonexistent" in err and "toy_loudness" in err
    extract = next(a for a in parser._subparsers._group_actions[0].choices["extract"]._actions
                   if "--feature-set" in a.option_strings)
    assert tuple(extract.choices) == tuple(FEATURE_SETS) and "toy_loudness" in extract.help
    unregister_feature_set("toy_loudness")  # a parser built without it refuses it
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["extract", "songs", "--out", "x.csv", "--feature-set", "toy_loudness"])
    capsys.readouterr()


def test_plugin_model_colour_and_curve_come_from_the_registry(plugins, qtbot):
    """The toy model's colour is its place in the registry; its spec's curve kind (validation) sends its
    validation accuracy to the validation plot, titled from the spec; a loss model's never goes there."""
    from genre_gui.ui.views.loss_curves import LossCurvesView
    from genre_gui.ui.views.palette import PALETTE, model_colour

    class Filler(ToyCentroids):
        name = "toy_filler"

    unregister_model(ToyCentroids.name)  # the toy after a filler: 5th in the registry, not 4th
    register_model(Filler)
    register_model(ToyCentroids)
    try:
        index = list(MODELS).index("toy_centroids")
        assert index == 4 and model_colour("toy_centroids") == PALETTE[4]
        assert model_colour("toy_filler") == PALETTE[3]
        view = LossCurvesView()
        qtbot.addWidget(view)
        for model in ("toy_centroids", "softmax"):
            view.add_events(model, [TrainingEvent(model, k, 4, train_loss=1.0 / k, val_accuracy=0.5 + k / 10)
                                    for k in range(1, 5)])
        assert view.series_length("toy_centroids", "knn") == 4 and view.series_length("toy_centroids",
                                                                                      "train") == 4
        assert view.series_length("softmax", "knn") == 0 and view.series_length("softmax", "train") == 4
        assert view.knn_plot.getPlotItem().titleLabel.text == "Toy centroids: accuracy vs step"
        assert view.knn_plot.getAxis("bottom").labelText == "shrink step"
        for kind in ("knn", "train"):
            pen = view._series[("toy_centroids", kind)].item.opts["pen"]
            assert pen.color().getRgb()[:3] == PALETTE[4]
    finally:
        unregister_model(Filler.name)


def test_plugin_feature_set_in_a_saved_model_file(plugins, tmp_path):
    sr = 22050
    t = np.arange(sr) / sr
    rng = np.random.default_rng(0)
    quiet = [0.05 * np.sin(2 * np.pi * f * t) for f in (220, 330, 440)]
    noisy = [0.8 * rng.standard_normal(sr) for _ in range(3)]
    fs = FEATURE_SETS["toy_loudness"]
    X = np.stack([fs.extract(y.astype(np.float32), sr) for y in quiet + noisy])
    y = np.array(["tone"] * 3 + ["noise"] * 3)
    scaler = StandardScaler().fit(X)
    model = ToyCentroids().fit(scaler.transform(X), y)
    path = tmp_path / "toy_model.npz"
    save_pipeline(Pipeline("toy_loudness", scaler, model, list(model.classes_), {"note": "plugin"}), path)
    again = load_pipeline(path)
    assert again.feature_set == "toy_loudness" and type(again.model) is ToyCentroids
    wav = tmp_path / "tone.wav"
    sf.write(wav, (0.05 * np.sin(2 * np.pi * 550 * t)).astype(np.float32), sr)
    pred = again.predict_file(wav)
    assert pred.classes[int(np.argmax(pred.probabilities))] == "tone"
    unregister_feature_set("toy_loudness")  # a file needs its feature set: without it, a clear refusal
    with pytest.raises(Exception, match="unknown feature set 'toy_loudness'"):
        load_pipeline(path)
