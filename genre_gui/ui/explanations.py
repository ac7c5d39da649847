""""Why this genre?": explain a Library answer or a confusion-matrix clip (core.explain) in a dialog.

Small questions are answered at once; a k-NN search over a large training set goes to a worker while the
dialog says it is working. Outcomes that are not explanations go through ``message`` / ``error``.
"""

from __future__ import annotations

import os
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from .datasets_controller import DatasetController
    from .jobs import JobController
    from .state import AppState


class ExplanationController(QObject):
    """Signals: ``message(text, timeout_ms)``, ``error(title, text)``."""

    message = Signal(str, int)
    error = Signal(str, str)

    def __init__(self, state: AppState, jobs: JobController, datasets: DatasetController,
                 window: QWidget) -> None:
        super().__init__(window)
        self.state, self.jobs, self.datasets, self.window = state, jobs, datasets, window
        self.request: Any = None  # the latest question asked
        self.dialog: Any = None
        self.closed = False

    def explain_song(self, pred: Any) -> None:
        """Explain a song's answer with the model that gave it, from the song's own feature rows."""
        pipe = getattr(pred, "pipeline", None)
        if pipe is None or getattr(pred, "features", None) is None:
            self.message.emit("No explanation: this answer did not keep its features", 6000)
            return
        from ..workers.explanation import ExplanationRequest

        label = getattr(pred, "model_label", "") or "the current model"
        self.explain(ExplanationRequest(
            pipe, pred.features, os.path.basename(pred.path), answer=pred.answer or str(pred.genre),
            note=f"Explained with the model that classified it: {label}.", dataset=self.state.dataset))

    def explain_clip(self, result: Any, source: str) -> None:
        """Explain a confusion-matrix clip with the model its run kept, from the dataset's rows of the clip;
        the clip's own training rows are left out of a k-NN search."""
        import numpy as np

        from ..workers.explanation import ExplanationRequest

        ds = self.state.dataset
        pipe = getattr(result, "pipeline", None)
        rows = np.zeros(0, dtype=int) if ds is None else np.flatnonzero(
            np.asarray([str(s) for s in ds.sources], dtype=object) == str(source))
        if pipe is None:
            self.error.emit("No explanation", "This run kept no model to explain its answers with.")
            return
        if rows.size == 0:
            self.error.emit("No explanation", f"The features of {os.path.basename(source)} are not in the "
                            "loaded dataset (was another dataset loaded after training?).")
            return
        answer = ""
        sources = [str(s) for s in getattr(result, "sources", [])]
        if str(source) in sources:
            i = sources.index(str(source))
            answer = f"a {result.y_true[i]} clip, predicted {result.y_pred[i]} out of fold"
        self.explain(ExplanationRequest(pipe, ds.X[rows], os.path.basename(source) or str(source),
                                        exclude_clip=str(ds.groups[rows[0]]), dataset=ds, answer=answer))

    def explain(self, request: Any) -> None:
        """Compute and show an explanation: at once when small (see workers.explanation.DIRECT_COST), else
        in a worker while the dialog says it is working."""
        from ..workers.explanation import DIRECT_COST, ExplanationWorker, compute, cost

        self.request = request
        dialog = self._dialog()
        if cost(request) <= DIRECT_COST:
            self._ready(compute(request))
            return
        dialog.show_waiting(request.subject)
        worker = ExplanationWorker(request)
        worker.finished.connect(self._ready)
        worker.failed.connect(partial(self._failed, request))
        self.jobs.registry.start(worker, "explanation")

    def _dialog(self) -> Any:
        if self.dialog is None:
            from .views.explanation import ExplanationDialog

            self.dialog = ExplanationDialog(self.window)
            self.dialog.view.play_requested.connect(self.datasets.play_clip)
        return self.dialog

    def _ready(self, result: Any) -> None:
        req, e = result.request, result.explanation
        if req is not self.request or self.closed:
            return  # a newer question was asked meanwhile, or the window is closing
        note = req.note
        if req.exclude_clip is not None:
            if e.kind == "knn" and e.n_excluded:
                note = (f"Explained with the model trained on all clips; this clip's own rows are left out "
                        f"({e.n_excluded} row{'s' if e.n_excluded != 1 else ''}).")
            elif e.kind == "knn":
                note = "Explained with the model this run kept; this clip was not among its training clips."
            else:
                note = ("Explained with the model this run kept: after k-fold it was trained on all clips, "
                        "this one too; after a hold-out, on the training clips only.")
        self._dialog().show_explanation(e, req.subject, note, req.answer)

    def _failed(self, request: Any, message: str) -> None:
        from ..core.explain import NoExplanation

        if request is self.request:
            self._dialog().show_explanation(
                NoExplanation("", f"Cannot explain this answer: {message}"), request.subject)
