""""Why this genre?": compute an explanation (core.explain) off the GUI thread when it is not instant."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .base import Worker

#: k-NN searches up to this many (training rows x features x query rows) run on the GUI thread. Measured
#: on the 2-core test machine: the demo table (1000 rows x 57 features, one clip) takes 0.3 ms (7 ms on
#: the first call), ten 3-s segments against 818 x 1506 musicnn rows 144 ms; this bound is ~25 ms there,
#: anything larger goes to a worker
DIRECT_COST = 2_000_000


@dataclass(frozen=True)
class ExplanationRequest:
    """What to explain: feature ``rows`` (one row, or a song's segment rows) under ``pipeline``.

    ``subject`` names them for the person ("song.mp3", "blues.00003"); ``note`` says how they are
    explained (e.g. which rows were left out); ``exclude_clip`` leaves that clip's training rows out of a
    k-NN search; ``dataset`` names the training rows of a pipeline that does not record them;
    ``answer`` is the app's answer in words, shown beside the explanation.
    """

    pipeline: Any
    rows: np.ndarray = field(repr=False)
    subject: str
    note: str = ""
    exclude_clip: str | None = None
    dataset: Any = None
    answer: str = ""
    top: int = 10


@dataclass(frozen=True)
class ExplanationResult:
    request: ExplanationRequest
    explanation: Any  # core.explain.Explanation
    seconds: float


def cost(request: ExplanationRequest) -> int:
    """Rough work of the request: the k-NN distance computations (a linear model's is negligible)."""
    X_fit = getattr(request.pipeline.model, "X_fit_", None)
    if X_fit is None:
        return 0
    rows = np.asarray(request.rows)
    n_queries = 1 if rows.ndim < 2 else rows.shape[0]
    return int(np.asarray(X_fit).size) * int(n_queries)


def compute(request: ExplanationRequest) -> ExplanationResult:
    """Run :func:`core.explain.explain`; invalid input becomes a ``NoExplanation`` saying why."""
    from ..core.errors import GenreGuiError
    from ..core.explain import TRAIN_SOURCES, NoExplanation, explain, training_rows_from_dataset

    t0 = time.perf_counter()
    pipe = request.pipeline
    sources = clips = None
    if getattr(pipe.model, "X_fit_", None) is not None and not pipe.metadata.get(TRAIN_SOURCES) \
            and request.dataset is not None:
        found = training_rows_from_dataset(pipe, request.dataset)
        if found is not None:
            sources, clips = found
    columns = getattr(request.dataset, "columns", None)
    try:
        e = explain(pipe, request.rows, top=request.top, exclude_clip=request.exclude_clip,
                    train_sources=sources, train_clips=clips, columns=columns)
    except (GenreGuiError, ValueError) as exc:
        name = str(getattr(pipe.model, "name", type(pipe.model).__name__))
        e = NoExplanation(name, f"Cannot explain this answer: {exc}")
    return ExplanationResult(request, e, time.perf_counter() - t0)


class ExplanationWorker(Worker):
    """``finished(ExplanationResult)``."""

    def __init__(self, request: ExplanationRequest) -> None:
        super().__init__()
        self.request = request

    def work(self) -> ExplanationResult:
        return compute(self.request)
