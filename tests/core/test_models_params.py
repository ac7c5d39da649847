"""core.models.params and the registry pinned where mutation testing found them untested by the core suite
(the UI and CLI tests use them, outside the mutation run): a hyperparameter's parsing and range checks with
their messages word for word, its title, default by another setting and when it applies; the linear models'
shared form written out; register_model's refusals and model_label's fallbacks."""

from __future__ import annotations

import pytest

from genre_gui.core.models import MODELS, model_label, register_model, unregister_model
from genre_gui.core.models._linear import linear_hyperparameters
from genre_gui.core.models.base import BaseClassifier
from genre_gui.core.models.params import CurveSpec, Hyperparameter

K = Hyperparameter("n_neighbors", "int", 5, "k", low=1, high=500)
RATE = Hyperparameter("learning_rate", "float", 0.01, low=1e-5, high=10.0,
                      default_by=("solver", {"gd": 0.5, "sgd": 0.05}))
SOLVER = Hyperparameter("solver", "choice", "adam", choices=("adam", "sgd", "gd"))
FLAG = Hyperparameter("shuffle", "bool", True, enabled_by=("solver", ("adam", "sgd")))


def test_specs_refuse_an_unknown_kind_and_a_default_outside_the_choices():
    with pytest.raises(ValueError) as e:
        Hyperparameter("x", "text", "a")
    assert str(e.value) == ("hyperparameter 'x': kind must be one of ('int', 'float', 'choice', 'bool'), "
                            "got 'text'")
    with pytest.raises(ValueError) as e:
        Hyperparameter("solver", "choice", "lbfgs", choices=("adam", "sgd"))
    assert str(e.value) == "hyperparameter 'solver': default 'lbfgs' is not a choice"
    for kind, default in (("int", 1), ("float", 0.5), ("bool", False)):
        assert Hyperparameter("x", kind, default).default == default  # no choices needed
    assert Hyperparameter("x", "choice", "b", choices=("a", "b")).default == "b"


def test_title_is_the_label_or_the_name_in_words():
    assert K.title == "k"
    assert RATE.title == "Learning rate"
    assert Hyperparameter("k_max", "int", 25).title == "K max"


def test_parse_converts_and_checks_command_line_text():
    assert K.parse(" 7 ") == 7 and isinstance(K.parse("7"), int)
    assert K.parse("1") == 1 and K.parse("500") == 500  # the range is inclusive
    assert RATE.parse("0.25") == 0.25 and RATE.parse("1e-5") == 1e-5 and RATE.parse("10") == 10.0
    assert SOLVER.parse(" sgd") == "sgd"
    for text, value in (("true", True), ("TRUE", True), ("1", True), ("Yes", True),
                        ("false", False), ("0", False), ("no", False), (" No ", False)):
        assert FLAG.parse(text) is value, text
    cases = [
        (K, "7.5", "n_neighbors expects a whole number, got '7.5'"),
        (K, "", "n_neighbors expects a whole number, got ''"),
        (RATE, "fast", "learning_rate expects float, got 'fast'"),
        (FLAG, "maybe", "shuffle expects bool, got 'maybe'"),
        (FLAG, "2", "shuffle expects bool, got '2'"),
        (K, "0", "n_neighbors must be between 1 and 500, got 0"),
        (K, "501", "n_neighbors must be between 1 and 500, got 501"),
        (RATE, "nan", "learning_rate must be between 1e-05 and 10, got nan"),
        (RATE, "10.5", "learning_rate must be between 1e-05 and 10, got 10.5"),
        (RATE, "0.000009", "learning_rate must be between 1e-05 and 10, got 9e-06"),
        (SOLVER, "lbfgs", "solver must be one of adam, sgd, gd, got 'lbfgs'"),
    ]
    for spec, text, message in cases:
        with pytest.raises(ValueError) as e:
            spec.parse(text)
        assert str(e.value) == message


def test_check_with_an_open_end_names_the_bound_it_has():
    # a spec may leave either bound open (the Training panel then uses the widget's own limit)
    above = Hyperparameter("alpha", "float", 0.0, low=0.0)
    assert above.check(1e9) == 1e9 and above.check(0.0) == 0.0
    below = Hyperparameter("n", "int", 1, high=3)
    assert below.check(-100) == -100 and below.check(3) == 3
    free = Hyperparameter("x", "float", 1.0)
    assert free.check(-1e300) == -1e300 and free.check(1e300) == 1e300
    cases = [(above, -1e-9, "alpha must be at least 0, got -1e-09"),
             (above, float("nan"), "alpha must be at least 0, got nan"),
             (below, 4, "n must be at most 3, got 4"),
             (free, float("nan"), "x must be a number, got nan")]
    for spec, value, message in cases:
        with pytest.raises(ValueError) as e:
            spec.check(value)
        assert str(e.value) == message
    assert Hyperparameter("s", "choice", "a", choices=("a", "b")).check("b") == "b"


def test_default_for_and_applies_follow_the_other_setting():
    assert RATE.default_for({"solver": "gd"}) == 0.5
    assert RATE.default_for({"solver": "sgd"}) == 0.05
    assert RATE.default_for({"solver": "adam"}) == 0.01  # not in the table: the plain default
    assert RATE.default_for({}) == 0.01
    assert K.default_for({"solver": "gd"}) == 5
    assert FLAG.applies({"solver": "adam"}) and FLAG.applies({"solver": "sgd"})
    assert not FLAG.applies({"solver": "gd"}) and not FLAG.applies({})
    assert K.applies({}) and K.applies({"solver": "gd"})


def test_the_linear_models_form_written_out():
    specs = linear_hyperparameters()
    assert [h.name for h in specs] == ["solver", "learning_rate", "max_iter", "batch_size", "alpha"]
    solver, rate, epochs, batch, alpha = specs
    assert (solver.kind, solver.default, solver.label, solver.help, solver.choices) == (
        "choice", "adam", "Solver", "how the weights are updated", ("adam", "sgd", "gd"))
    assert solver.choice_help == {"adam": "Adam, mini-batch", "sgd": "mini-batch SGD with momentum",
                                  "gd": "full-batch gradient descent, lr x0.95 every 50 epochs"}
    assert (rate.kind, rate.default, rate.label, rate.help, rate.low, rate.high, rate.decimals,
            rate.step) == (
        "float", 0.01, "Learning rate", "learning rate (step size)", 1e-5, 10.0, 5, 0.001)
    assert rate.default_by == ("solver", {"gd": 0.5, "sgd": 0.05, "adam": 0.01})
    assert (epochs.kind, epochs.default, epochs.label, epochs.help, epochs.low, epochs.high) == (
        "int", 300, "Epochs", "epochs (passes over the training data)", 1, 100000)
    assert (batch.kind, batch.default, batch.label, batch.help, batch.low, batch.high) == (
        "int", 200, "Batch size", "mini-batch size (full-batch gd ignores it)", 1, 1_000_000)
    assert batch.enabled_by == ("solver", ("sgd", "adam"))
    assert (alpha.kind, alpha.default, alpha.label, alpha.help, alpha.low, alpha.high, alpha.decimals,
            alpha.step) == ("float", 1e-3, "L2 (alpha)", "L2 penalty (alpha)", 0.0, 100.0, 5, 1e-3)
    assert (K.decimals, K.step, K.choices, K.choice_help) == (4, 1.0, (), {})
    assert K.default_by is None and K.enabled_by is None
    assert CurveSpec() == CurveSpec("loss", "epoch", "cross-entropy loss", "")


class _Toy(BaseClassifier):
    name = "toy-params"

    def __init__(self, depth: int = 1):
        self.depth = depth


def test_register_model_refusals_and_model_label():
    class Bad(_Toy):
        hyperparameters = (Hyperparameter("width", "int", 1),)

    class Other(_Toy):
        pass

    try:
        with pytest.raises(ValueError) as e:
            register_model(Bad)
        assert str(e.value) == "Bad: hyperparameter specs for unknown arguments ['width']"
        assert "toy-params" not in MODELS
        assert register_model(_Toy) is _Toy and MODELS["toy-params"] is _Toy
        assert register_model(_Toy) is _Toy  # the same class again is fine
        with pytest.raises(ValueError) as e:
            register_model(Other)
        assert str(e.value) == "a model named 'toy-params' is already registered"
        assert MODELS["toy-params"] is _Toy
        assert model_label("toy-params") == "toy-params"  # no label: its key
    finally:
        unregister_model("toy-params")
    assert "toy-params" not in MODELS
    unregister_model("toy-params")  # twice is fine
    assert model_label("ovr_logistic") == "One-vs-rest logistic"
    assert model_label("knn") == "k-NN"
    assert model_label("no-such-model") == "no-such-model"
