"""Training: which models, their hyperparameters, the evaluation protocol, Train/Cancel, live curves."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
from ..widgets import ProgressRow, WheelGuard

if TYPE_CHECKING:
    from ..jobs import JobController
    from ..state import AppState, DatasetInfo

FAULT_FILTERED_HELP = (
    "The split most GTZAN papers report on (Kereliuk, Sturm & Larsen 2015): repeated and mislabelled clips "
    "removed, no artist in two sets. Trains on its 443 + 197 train and validation clips, scores its 290 "
    "test clips. Only for datasets with GTZAN clip ids (blues.00042).")


def run_message(run) -> str:
    """What a finished (or cancelled) training run says (here and in the status bar)."""
    n = len(run.results)
    msg = f"Cancelled; {n} finished model(s) kept" if run.cancelled else f"Done: {n} model(s), {run.protocol}"
    if run.errors:
        msg += "; failed: " + "; ".join(f"{m}: {e}" for m, e in run.errors)
    return msg


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


class ModelBox(QGroupBox):
    """A model family's form, built from its hyperparameter specs (``core.models.params``): tick it to
    train it. Fields reset their default when the setting they depend on changes (the learning rate per
    solver) and grey out when it makes them moot (batch size under full-batch gd)."""

    def __init__(self, cls: type, enabled: bool = True) -> None:
        super().__init__(cls.label or cls.name)
        self.name = cls.name
        self.cls = cls
        self.setCheckable(True)
        self.setChecked(enabled)
        if cls.description:
            self.setToolTip(cls.description)
        self.specs = {h.name: h for h in cls.hyperparameters}
        self.fields: dict[str, QWidget] = {}
        form = QFormLayout(self)
        for h in cls.hyperparameters:
            self.fields[h.name] = w = self._make_field(h)
            form.addRow(h.title, w)
        for h in cls.hyperparameters:
            if h.kind == "choice":
                self.fields[h.name].currentTextChanged.connect(lambda _t, n=h.name: self._choice_changed(n))
        self._update_enabled()

    @staticmethod
    def _make_field(h) -> QWidget:
        if h.kind == "int":
            w = _ispin(int(h.low if h.low is not None else -2**31 + 1),
                       int(h.high if h.high is not None else 2**31 - 1), int(h.default), h.help)
        elif h.kind == "float":
            w = _dspin(h.low if h.low is not None else -1e9, h.high if h.high is not None else 1e9,
                       float(h.default), h.decimals, h.step, h.help)
        elif h.kind == "bool":
            w = QCheckBox()
            w.setChecked(bool(h.default))
            w.setToolTip(h.help)
        else:
            w = QComboBox()
            for c in h.choices:
                w.addItem(c)
                if c in h.choice_help:
                    w.setItemData(w.count() - 1, h.choice_help[c], Qt.ItemDataRole.ToolTipRole)
            w.setCurrentText(str(h.default))
            w.setToolTip(h.help)
        return w

    def field(self, name: str) -> QWidget:
        """The form field of hyperparameter ``name``."""
        return self.fields[name]

    def _value(self, name: str) -> Any:
        w, kind = self.fields[name], self.specs[name].kind
        if kind == "int":
            return int(w.value())
        if kind == "float":
            return float(w.value())
        if kind == "bool":
            return bool(w.isChecked())
        return w.currentText()

    def _set_value(self, name: str, value: Any) -> None:
        w, kind = self.fields[name], self.specs[name].kind
        if kind in ("int", "float"):
            w.setValue(value)
        elif kind == "bool":
            w.setChecked(bool(value))
        else:
            w.setCurrentText(str(value))

    def _choice_changed(self, name: str) -> None:
        settings = {n: self._value(n) for n in self.fields}
        for h in self.specs.values():
            if h.default_by is not None and h.default_by[0] == name:
                self._set_value(h.name, h.default_for(settings))
        self._update_enabled()

    def _update_enabled(self) -> None:
        settings = {n: self._value(n) for n in self.fields}
        for h in self.specs.values():
            self.fields[h.name].setEnabled(h.applies(settings))

    def params(self) -> dict[str, Any]:
        out = {n: self._value(n) for n in self.fields}
        if "random_state" in self.cls._param_names():
            out["random_state"] = 0  # runs are reproducible: the same settings give the same model
        return out

    def config(self) -> dict[str, Any]:
        return {"enabled": self.isChecked(), **self.params()}

    def apply(self, cfg: dict[str, Any]) -> None:
        """Restore saved settings; a value a hand-edited settings file got wrong keeps its default."""
        self.setChecked(bool(cfg.get("enabled", self.isChecked())))
        for name, h in self.specs.items():  # choices first: they reset the fields that depend on them
            if h.kind == "choice" and name in cfg:
                self._apply_one(name, cfg[name])
        for name, h in self.specs.items():
            if h.kind != "choice" and name in cfg:
                self._apply_one(name, cfg[name])
        self._update_enabled()

    def _apply_one(self, name: str, raw: Any) -> None:
        h = self.specs[name]
        try:
            value = h.check({"int": int, "float": float, "bool": bool}.get(h.kind, str)(raw))
        except (TypeError, ValueError):
            return
        self._set_value(name, value)


class ProtocolBox(QGroupBox):
    def __init__(self) -> None:
        super().__init__("Evaluation protocol")
        self.kind = QComboBox()
        self.kind.addItem("Hold-out", "holdout")
        self.kind.addItem("k-fold cross-validation", "kfold")
        self.kind.addItem("Fault-filtered GTZAN split", "fault-filtered")
        self.kind.setItemData(2, FAULT_FILTERED_HELP, Qt.ItemDataRole.ToolTipRole)
        self.kind.addItem("The dataset's own split", "predefined")
        self.kind.setItemData(3, "Train on the dataset's training part, score its test part (MNIST: the "
                                 "official 60,000 / 10,000 split)", Qt.ItemDataRole.ToolTipRole)
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
        from ...core.models import MODELS

        self.model_boxes = [ModelBox(cls) for cls in MODELS.values()]
        self.protocol_box = ProtocolBox()
        self.train_button = QPushButton("Train")
        self.train_button.setDefault(True)
        self.train_button.setToolTip("Train and evaluate the ticked models")
        self.running = False
        #: the protocol selected before a dataset's own split was selected for it (it comes back after)
        self._before_predefined: str | None = None
        # one button: Train when idle, Cancel while a run goes (a second Train click used to restart it)
        self.train_button.clicked.connect(self._train_or_cancel)
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
        self.wheel_guard = WheelGuard(scroll)
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

    def bind(self, jobs: JobController, state: AppState) -> None:
        """Draw the training runs of ``jobs`` as they happen; offer what ``state``'s dataset allows."""
        self.cancel_requested.connect(jobs.cancel_training)
        jobs.training_started.connect(lambda req: self.run_started(len(req.specs), req.description,
                                                                   req.dataset))
        jobs.training_progressed.connect(self.progress.update_progress)
        jobs.model_started.connect(
            lambda m: self.status.setText(
                f"Training {model_label(m.model)} ({m.index + 1} of {m.n_models})…"))
        jobs.epochs_received.connect(
            lambda b: self.curves.add_events(b.model, b.events, b.fold, b.n_folds))
        jobs.training_finished.connect(lambda run: self.run_ended(run_message(run)))
        jobs.training_failed.connect(lambda _m: self.run_ended("Failed"))
        state.dataset_changed.connect(self.show_dataset)

    def show_dataset(self, info: DatasetInfo) -> None:
        """Offer the protocols and segment mode the dataset allows."""
        from ...workers.loading import summarize

        shown = getattr(self, "_run_dataset", None)
        if shown is not None and shown is not info.dataset and not self.running:
            old, new = getattr(shown, "name", "other data"), getattr(info.dataset, "name", "another dataset")
            self.status.setText(f"The curves are from the last run on {old}; {new} is loaded now: train "
                                "again to update them.")
        summary = info.summary if info.summary is not None else summarize(info.dataset)
        segmented = summary.segmented or info.kind == "audio_folder"
        self.set_fault_filtered_available(summary.fault_filtered)
        self.set_predefined_split_available(summary.predefined_split)
        why = "" if segmented else "Needs audio files or a segment table: this table has one row per clip"
        self.set_segment_mode_available(segmented, why)

    def report_plots(self, run) -> dict:
        """The plots of the report export: the loss curves, and the validation curve when a model has one."""
        from ...core.models import MODELS

        plots = {"loss_curves": self.curves.loss_plot.getPlotItem()}
        if any(MODELS[r.model].curve.kind == "validation" for r in run.results if r.model in MODELS):
            plots["knn_accuracy_vs_k"] = self.curves.knn_plot.getPlotItem()
        return plots

    def box(self, name: str):
        return next(b for b in self.model_boxes if b.name == name)

    def specs(self) -> tuple[ModelSpec, ...]:
        return tuple(ModelSpec(b.name, b.params()) for b in self.model_boxes if b.isChecked())

    def protocol(self) -> Protocol:
        return self.protocol_box.protocol()

    def set_fault_filtered_available(self, available: bool) -> None:
        """Offer the fault-filtered split only for GTZAN ids (it names GTZAN clips)."""
        self._offer("fault-filtered", available)

    def set_predefined_split_available(self, available: bool) -> None:
        """Offer the dataset's own split only when it has one (an MNIST folder with both IDX pairs), and
        select it then: it is the split the dataset was published with (another can still be picked).
        Without one, the protocol chosen before it was selected comes back."""
        box = self.protocol_box
        before = box.kind.currentData()
        self._offer("predefined", available, self._before_predefined or "kfold")
        if available:
            if before != "predefined":
                self._before_predefined = before
            box.kind.setCurrentIndex(box.kind.findData("predefined"))

    def _offer(self, kind: str, available: bool, fallback: str = "kfold") -> None:
        """Enable or disable protocol ``kind``; a disabled current one gives way to ``fallback`` (when
        that is enabled, else k-fold)."""
        box = self.protocol_box
        items = box.kind.model()
        items.item(box.kind.findData(kind)).setEnabled(available)
        if not available and box.kind.currentData() == kind:
            i = box.kind.findData(fallback)
            if i < 0 or not items.item(i).isEnabled():
                i = box.kind.findData("kfold")
            box.kind.setCurrentIndex(i)

    def set_segment_mode_available(self, available: bool, reason: str = "") -> None:
        self.protocol_box.segment_mode.setEnabled(available)
        if reason:
            self.protocol_box.segment_mode.setToolTip(reason)

    def config(self) -> dict[str, Any]:
        protocol = self.protocol_box.config()
        if protocol["kind"] == "predefined":  # one dataset's split: the choice to keep is the one before it
            protocol["kind"] = self._before_predefined or "kfold"
        return {"models": {b.name: b.config() for b in self.model_boxes}, "protocol": protocol}

    def apply_config(self, cfg: dict[str, Any]) -> None:
        models = cfg.get("models") if isinstance(cfg.get("models"), dict) else {}
        for b in self.model_boxes:
            if isinstance(models.get(b.name), dict):
                b.apply(models[b.name])
        if isinstance(cfg.get("protocol"), dict):
            self.protocol_box.apply(cfg["protocol"])

    # -- run state ---------------------------------------------------------------------------------
    def _train_or_cancel(self) -> None:
        (self.cancel_requested if self.running else self.train_requested).emit()

    def _set_running(self, running: bool) -> None:
        self.running = running
        self.train_button.setText("Cancel" if running else "Train")
        self.train_button.setToolTip("Stop the run; the models that finished are kept" if running
                                     else "Train and evaluate the ticked models")

    def run_started(self, n_models: int, protocol: str, dataset: Any = None) -> None:
        self._run_dataset = dataset  # what the curves come from (said when another dataset is loaded)
        self.curves.clear()
        self._set_running(True)
        self.progress.start(f"training {n_models} model(s), {protocol}")
        self.status.setText(f"Training… ({protocol})")

    def run_ended(self, message: str) -> None:
        self._set_running(False)
        self.progress.set_idle("")
        self.curves.fold_label.setText("")  # "fold 5 of 5" belongs to the run, not to its result
        self.status.setText(message)
