"""Training: which models, their hyperparameters, the evaluation protocol, Train/Cancel, live curves."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ...workers.training import ModelSpec, Protocol
from ..views.loss_curves import LossCurvesView
from ..views.palette import model_label
from ..widgets import ProgressRow

#: learning rate shown when the solver changes (the models' own defaults per solver)
FAULT_FILTERED_HELP = (
    "The split most GTZAN papers report on (Kereliuk, Sturm & Larsen 2015): repeated and mislabelled clips "
    "removed, no artist in two sets. Trains on its 443 + 197 train and validation clips, scores its 290 "
    "test clips. Only for datasets with GTZAN clip ids (blues.00042).")
LEARNING_RATES = {"gd": 0.5, "sgd": 0.05, "adam": 0.01}
SOLVERS = ("adam", "sgd", "gd")
SOLVER_TIPS = {"adam": "Adam, mini-batch", "sgd": "mini-batch SGD with momentum",
               "gd": "full-batch gradient descent, lr ×0.95 every 50 epochs"}


def _dspin(lo: float, hi: float, value: float, decimals: int, step: float, tip: str) -> QDoubleSpinBox:
    s = QDoubleSpinBox()
    s.setRange(lo, hi)
    s.setDecimals(decimals)
    s.setSingleStep(step)
    s.setValue(value)
    s.setToolTip(tip)
    return s


def _ispin(lo: int, hi: int, value: int, tip: str) -> QSpinBox:
    s = QSpinBox()
    s.setRange(lo, hi)
    s.setValue(value)
    s.setToolTip(tip)
    return s


class LinearModelBox(QGroupBox):
    """Hyperparameters of softmax or one-vs-rest logistic regression."""

    def __init__(self, name: str, enabled: bool = True) -> None:
        super().__init__(model_label(name))
        self.name = name
        self.setCheckable(True)
        self.setChecked(enabled)
        self.solver = QComboBox()
        for s in SOLVERS:
            self.solver.addItem(s)
            self.solver.setItemData(self.solver.count() - 1, SOLVER_TIPS[s], Qt.ItemDataRole.ToolTipRole)
        self.lr = _dspin(1e-5, 10.0, LEARNING_RATES["adam"], 5, 0.001, "learning rate (step size)")
        self.epochs = _ispin(1, 100000, 300, "epochs (passes over the training data)")
        self.batch = _ispin(1, 1_000_000, 200, "mini-batch size (ignored by full-batch gd)")
        self.l2 = _dspin(0.0, 100.0, 1e-3, 5, 1e-3, "L2 penalty (alpha)")
        self.solver.currentTextChanged.connect(self._solver_changed)
        form = QFormLayout(self)
        form.addRow("Solver", self.solver)
        form.addRow("Learning rate", self.lr)
        form.addRow("Epochs", self.epochs)
        form.addRow("Batch size", self.batch)
        form.addRow("L2 (alpha)", self.l2)

    def _solver_changed(self, solver: str) -> None:
        self.lr.setValue(LEARNING_RATES.get(solver, self.lr.value()))
        self.batch.setEnabled(solver != "gd")

    def params(self) -> dict[str, Any]:
        return {"solver": self.solver.currentText(), "learning_rate": float(self.lr.value()),
                "max_iter": int(self.epochs.value()), "batch_size": int(self.batch.value()),
                "alpha": float(self.l2.value()), "random_state": 0}

    def config(self) -> dict[str, Any]:
        return {"enabled": self.isChecked(), **self.params()}

    def apply(self, cfg: dict[str, Any]) -> None:
        try:
            self.setChecked(bool(cfg.get("enabled", self.isChecked())))
            if cfg.get("solver") in SOLVERS:
                self.solver.setCurrentText(cfg["solver"])
            if "learning_rate" in cfg:
                self.lr.setValue(float(cfg["learning_rate"]))
            self.epochs.setValue(int(cfg.get("max_iter", self.epochs.value())))
            self.batch.setValue(int(cfg.get("batch_size", self.batch.value())))
            self.l2.setValue(float(cfg.get("alpha", self.l2.value())))
        except (TypeError, ValueError):  # a hand-edited settings file: keep the defaults
            pass


class KnnBox(QGroupBox):
    def __init__(self, enabled: bool = True) -> None:
        super().__init__(model_label("knn"))
        self.name = "knn"
        self.setCheckable(True)
        self.setChecked(enabled)
        self.k = _ispin(1, 500, 5, "k: neighbours that vote")
        self.k_max = _ispin(1, 500, 25, "validation accuracy is plotted for k = 1 … k max")
        self.weights = QComboBox()
        self.weights.addItems(["uniform", "distance"])
        self.metric_combo = QComboBox()
        self.metric_combo.addItems(["euclidean", "cosine"])
        form = QFormLayout(self)
        form.addRow("k", self.k)
        form.addRow("k max (curve)", self.k_max)
        form.addRow("Weights", self.weights)
        form.addRow("Metric", self.metric_combo)

    def params(self) -> dict[str, Any]:
        return {"n_neighbors": int(self.k.value()), "weights": self.weights.currentText(),
                "metric": self.metric_combo.currentText(),
                "k_max": int(max(self.k_max.value(), self.k.value()))}

    def config(self) -> dict[str, Any]:
        return {"enabled": self.isChecked(), **self.params()}

    def apply(self, cfg: dict[str, Any]) -> None:
        try:
            self.setChecked(bool(cfg.get("enabled", self.isChecked())))
            self.k.setValue(int(cfg.get("n_neighbors", self.k.value())))
            self.k_max.setValue(int(cfg.get("k_max", self.k_max.value())))
            if cfg.get("weights") in ("uniform", "distance"):
                self.weights.setCurrentText(cfg["weights"])
            if cfg.get("metric") in ("euclidean", "cosine"):
                self.metric_combo.setCurrentText(cfg["metric"])
        except (TypeError, ValueError):
            pass


class ProtocolBox(QGroupBox):
    def __init__(self) -> None:
        super().__init__("Evaluation protocol")
        self.kind = QComboBox()
        self.kind.addItem("Hold-out", "holdout")
        self.kind.addItem("k-fold cross-validation", "kfold")
        self.kind.addItem("Fault-filtered GTZAN split", "fault-filtered")
        self.kind.setItemData(2, FAULT_FILTERED_HELP, Qt.ItemDataRole.ToolTipRole)
        self.test_percent = _ispin(5, 50, 20, "percentage of the clips held out for testing")
        self.test_percent.setSuffix(" %")
        self.folds = _ispin(2, 20, 5, "number of folds")
        self.repeats = _ispin(1, 20, 1, "repeat k-fold with other random splits (the same for every "
                                        "model): more folds make the paired tests in Comparison surer")
        self.fold_kind = QComboBox()
        self.fold_kind.addItem("stratified, grouped by clip", "stratified")
        self.fold_kind.addItem("blocked by clip number", "blocked")
        self.fold_kind.setToolTip(
            "Blocked: fold f holds the f-th block of clip numbers in every genre. Neighbouring GTZAN clips "
            "often share an artist, so this is close to an artist filter (and gives lower, honest scores).")
        self.segment_mode = QCheckBox("Segment mode (3 s)")
        self.segment_mode.setToolTip("Needs audio files: train on 3-second segments, score each clip by "
                                     "averaging its segments; segments of one clip never straddle train and "
                                     "test")
        self.form = QFormLayout(self)
        self.form.addRow("Protocol", self.kind)
        self.form.addRow("Test size", self.test_percent)
        self.form.addRow("Folds", self.folds)
        self.form.addRow("Folds by", self.fold_kind)
        self.form.addRow("Repeats", self.repeats)
        self.form.addRow(self.segment_mode)
        self.kind.currentIndexChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        kind = self.kind.currentData()
        kfold = kind == "kfold"
        rows = ((self.test_percent, kind == "holdout"), (self.folds, kfold), (self.fold_kind, kfold),
                (self.repeats, kfold))
        for w, visible in rows:
            w.setEnabled(visible)
            self.form.setRowVisible(w, visible)

    def protocol(self) -> Protocol:
        return Protocol(kind=self.kind.currentData(), test_percent=float(self.test_percent.value()),
                        n_splits=int(self.folds.value()), fold_kind=self.fold_kind.currentData(),
                        repeats=int(self.repeats.value()),
                        segment_mode=self.segment_mode.isChecked() and self.segment_mode.isEnabled())

    def config(self) -> dict[str, Any]:
        p = self.protocol()
        return {"kind": p.kind, "test_percent": p.test_percent, "n_splits": p.n_splits,
                "fold_kind": p.fold_kind, "repeats": p.repeats, "segment_mode": self.segment_mode.isChecked()}

    def apply(self, cfg: dict[str, Any]) -> None:
        try:
            i = self.kind.findData(cfg.get("kind"))
            if i >= 0:
                self.kind.setCurrentIndex(i)
            self.test_percent.setValue(int(cfg.get("test_percent", self.test_percent.value())))
            self.folds.setValue(int(cfg.get("n_splits", self.folds.value())))
            self.repeats.setValue(int(cfg.get("repeats", self.repeats.value())))
            i = self.fold_kind.findData(cfg.get("fold_kind"))
            if i >= 0:
                self.fold_kind.setCurrentIndex(i)
            self.segment_mode.setChecked(bool(cfg.get("segment_mode", False)))
        except (TypeError, ValueError):
            pass


class TrainingPanel(QWidget):
    """Signals: ``train_requested``, ``cancel_requested``."""

    train_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model_boxes = [LinearModelBox("softmax"), LinearModelBox("ovr_logistic"), KnnBox()]
        self.protocol_box = ProtocolBox()
        self.train_button = QPushButton("Train")
        self.train_button.setDefault(True)
        self.train_button.setToolTip("Train and evaluate the ticked models (a run in progress is replaced)")
        self.train_button.clicked.connect(self.train_requested.emit)
        self.progress = ProgressRow()
        self.progress.cancel_requested.connect(self.cancel_requested.emit)
        self.status = QLabel("Ready")
        self.status.setWordWrap(True)
        self.curves = LossCurvesView()

        settings = QWidget()
        sl = QVBoxLayout(settings)
        for b in self.model_boxes:
            sl.addWidget(b)
        sl.addWidget(self.protocol_box)
        sl.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(settings)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        bar = scroll.verticalScrollBar().sizeHint().width()
        scroll.setMinimumWidth(settings.sizeHint().width() + bar + 4)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(scroll, 1)
        row = QHBoxLayout()
        row.addWidget(self.train_button)
        ll.addLayout(row)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.curves, 1)
        rl.addWidget(self.progress)
        rl.addWidget(self.status)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([330, 900])
        lay = QVBoxLayout(self)
        lay.addWidget(split)

    def box(self, name: str):
        return next(b for b in self.model_boxes if b.name == name)

    def specs(self) -> tuple[ModelSpec, ...]:
        return tuple(ModelSpec(b.name, b.params()) for b in self.model_boxes if b.isChecked())

    def protocol(self) -> Protocol:
        return self.protocol_box.protocol()

    def set_fault_filtered_available(self, available: bool) -> None:
        """Offer the fault-filtered split only for GTZAN ids (it names GTZAN clips)."""
        box = self.protocol_box
        item = box.kind.model().item(box.kind.findData("fault-filtered"))
        item.setEnabled(available)
        if not available and box.kind.currentData() == "fault-filtered":
            box.kind.setCurrentIndex(box.kind.findData("kfold"))

    def set_segment_mode_available(self, available: bool, reason: str = "") -> None:
        self.protocol_box.segment_mode.setEnabled(available)
        if reason:
            self.protocol_box.segment_mode.setToolTip(reason)

    def config(self) -> dict[str, Any]:
        return {"models": {b.name: b.config() for b in self.model_boxes},
                "protocol": self.protocol_box.config()}

    def apply_config(self, cfg: dict[str, Any]) -> None:
        models = cfg.get("models") if isinstance(cfg.get("models"), dict) else {}
        for b in self.model_boxes:
            if isinstance(models.get(b.name), dict):
                b.apply(models[b.name])
        if isinstance(cfg.get("protocol"), dict):
            self.protocol_box.apply(cfg["protocol"])

    # -- run state ---------------------------------------------------------------------------------
    def run_started(self, n_models: int, protocol: str) -> None:
        self.curves.clear()
        self.progress.start(f"training {n_models} model(s), {protocol}")
        self.status.setText(f"Training… ({protocol})")

    def run_ended(self, message: str) -> None:
        self.progress.set_idle("")
        self.status.setText(message)
