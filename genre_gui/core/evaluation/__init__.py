"""Honest evaluation: clip-grouped splits, blocked folds, metrics and cross-validation as plain data.

Rows of one clip (its segments) never land on both sides of a split; the scaler is fitted inside each
training fold; results are dataclasses a UI can show and a CLI can print or dump as JSON.
"""

from .cv import SUMMARY_METRICS, CVResult, FoldResult, aggregate_by_group, cross_validate
from .metrics import (
    SMALL_TEST,
    EvaluationResult,
    class_index,
    confusion_matrix,
    metrics,
    small_test_warning,
    wilson_interval,
)
from .splits import (
    blocked_kfold,
    holdout_split,
    parse_clip_ids,
    stratified_group_kfold,
)

__all__ = [
    "SMALL_TEST",
    "SUMMARY_METRICS",
    "CVResult",
    "EvaluationResult",
    "FoldResult",
    "aggregate_by_group",
    "blocked_kfold",
    "class_index",
    "confusion_matrix",
    "cross_validate",
    "holdout_split",
    "metrics",
    "parse_clip_ids",
    "small_test_warning",
    "stratified_group_kfold",
    "wilson_interval",
]
