"""The recipe of the default model: the musicnn embedding of the 50 shared GTZAN clips, plus "not music".

Training data (``build_training_set``):

- music: the 50 GTZAN clips in ``shared/data/gtzan_clips`` (5 per genre; all the GTZAN audio we have),
  one row per 3-s segment, i.e. per network patch (10 rows a clip, grouped by clip);
- not music: ``N_NONMUSIC`` generated examples of each kind in :mod:`genre_gui.core.nonmusic` (speech,
  noise, tones, sweeps, birdsong, whale-like calls, clicks, silence), 12 s each, labelled ``not music``.

Selection (``select``): every candidate of ``CANDIDATES`` (the three model families over a small
regularisation grid) by stratified grouped 5-fold cross-validation repeated over ``SEEDS``, clips scored
by their segments' mean probability; the best mean clip accuracy wins (ties: the earlier, simpler one).

"Unsure" (``unsure_threshold``): from the winner's out-of-fold answers on the music clips, the smallest
top-genre probability above which answers are right at least ``TARGET_PRECISION`` of the time.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .models import estimator_factory
from .pipeline import NOT_MUSIC, Pipeline, genre_ranking

if TYPE_CHECKING:
    from .datasets import Dataset
    from .evaluation.cv import CVResult

FEATURE_SET = "musicnn"
SEGMENT_SECONDS = 3.0
N_NONMUSIC = 10
NONMUSIC_SECONDS = 12.0
SEEDS = (0, 1, 2)
N_FOLDS = 5
TARGET_PRECISION = 0.90
CANDIDATES: dict[str, list[dict]] = {
    "softmax": [{"alpha": a} for a in (1e-3, 1e-2, 1e-1)],
    "ovr_logistic": [{"alpha": a} for a in (1e-3, 1e-2)],
    "knn": [{"n_neighbors": k, "weights": "distance"} for k in (5, 15)],
}

Progress = Callable[[int, int, str], None]


def build_training_set(clips_dir: str | os.PathLike, n_jobs: int = 2, progress: Progress | None = None,
                       seed: int = 0) -> tuple[Dataset, Dataset]:
    """(music, not music) datasets of musicnn segment rows; see the module docstring."""
    from .datasets import load_audio_folder
    from .nonmusic import nonmusic_dataset

    music = load_audio_folder(clips_dir, FEATURE_SET, n_jobs=n_jobs, segment_seconds=SEGMENT_SECONDS,
                              progress=progress)
    other = nonmusic_dataset(FEATURE_SET, N_NONMUSIC, NONMUSIC_SECONDS, seed=seed,
                             segment_seconds=SEGMENT_SECONDS, progress=progress)
    return music, other


def cross_validated(ds: Dataset, name: str, params: dict, seed: int) -> CVResult:
    """Stratified grouped ``N_FOLDS``-fold CV of one candidate; clips scored by their mean probability."""
    from .evaluation import cross_validate, stratified_group_kfold

    folds = stratified_group_kfold(ds.y, ds.groups, N_FOLDS, random_state=seed)
    return cross_validate(estimator_factory(name, params, seed), ds, folds,
                          scheme=f"stratified grouped {N_FOLDS}-fold (seed {seed})")


def select(ds: Dataset, progress: Progress | None = None) -> tuple[list[dict], list[CVResult]]:
    """Every candidate's mean CV clip accuracy over ``SEEDS``, and the best candidate's CV results."""
    table, runs = [], {}
    jobs = [(n, p) for n in CANDIDATES for p in CANDIDATES[n]]
    for j, (name, params) in enumerate(jobs):
        results = [cross_validated(ds, name, params, seed) for seed in SEEDS]
        accs = [r.pooled.accuracy for r in results]
        table.append({"model": name, "params": params, "accuracy": float(np.mean(accs)),
                      "std": float(np.std(accs))})
        runs[j] = results
        if progress is not None:
            progress(j + 1, len(jobs), f"{name} {params}")
    best = max(range(len(table)), key=lambda j: round(table[j]["accuracy"], 6))
    return table, runs[best]


def unsure_threshold(results: list[CVResult], target: float = TARGET_PRECISION) -> tuple[float, list[dict]]:
    """The smallest threshold (0.30-0.90) whose confident out-of-fold music answers reach ``target``.

    Returns the threshold and, per threshold tried, the precision and the share of music clips
    answered (not "unsure").
    """
    tops, right = [], []
    for r in results:
        for true, proba in zip(r.clip_true, r.clip_proba):
            if str(true) == NOT_MUSIC:
                continue
            genre, share = genre_ranking(proba, list(r.classes))[0]
            tops.append(share)
            right.append(genre == str(true))
    tops, right = np.asarray(tops), np.asarray(right)
    table = []
    for t in np.round(np.arange(0.30, 0.901, 0.05), 2):
        sure = tops >= t
        precision = float(right[sure].mean()) if sure.any() else 1.0
        table.append({"threshold": float(t), "precision": precision, "answered": float(sure.mean())})
    chosen = next((row["threshold"] for row in table if row["precision"] >= target), table[-1]["threshold"])
    return chosen, table


def learning_curve(music: Dataset, name: str, params: dict, sizes: tuple[int, ...] = (1, 2, 3, 4),
                   repeats: int = 10) -> list[dict]:
    """Clip accuracy against training clips per genre (:func:`core.experiment.learning_curve`), as rows
    for the model file's metadata."""
    from .experiment import ModelSpec
    from .experiment import learning_curve as curve_of

    curve = curve_of(ModelSpec(name, params), music, sizes, repeats)
    return [{"clips_per_genre": n, "accuracy": m, "std": s, "repeats": repeats}
            for n, m, s in zip(curve.sizes, curve.mean, curve.std)]


def train_default(clips_dir: str | os.PathLike, n_jobs: int = 2, progress: Progress | None = None,
                  log: Callable[[str], None] = print) -> Pipeline:
    """Build, select, calibrate and fit the default model; its metadata records every figure."""
    from .preprocessing import StandardScaler

    music, other = build_training_set(clips_dir, n_jobs, progress)
    ds = music.concat(other, name="50 GTZAN clips + generated non-music")
    log(f"training set: {len(music)} music segments of {len(set(music.groups.tolist()))} clips, "
        f"{len(other)} non-music segments of {len(set(other.groups.tolist()))} generated examples")
    table, best_runs = select(ds, progress)
    best = max(table, key=lambda r: round(r["accuracy"], 6))
    for row in table:
        log(f"  {row['model']:<13} {str(row['params']):<40} {row['accuracy']:.1%} ± {row['std']:.1%}")
    threshold, precision_table = unsure_threshold(best_runs)
    music_acc = [float(np.mean([str(p) == str(t) for t, p in zip(r.clip_true, r.clip_pred)
                                if str(t) != NOT_MUSIC])) for r in best_runs]
    false_nm = sum(int(str(p) == NOT_MUSIC) for r in best_runs for t, p in zip(r.clip_true, r.clip_pred)
                   if str(t) != NOT_MUSIC)
    missed_nm = sum(int(str(p) != NOT_MUSIC) for r in best_runs for t, p in zip(r.clip_true, r.clip_pred)
                    if str(t) == NOT_MUSIC)
    curve = learning_curve(music, best["model"], best["params"])
    log(f"best: {best['model']} {best['params']}: clip accuracy {best['accuracy']:.1%} "
        f"(music clips {np.mean(music_acc):.1%}); unsure below {threshold:.2f}")
    for row in curve:
        log(f"  learning curve: {row['clips_per_genre']} clip(s) per genre -> {row['accuracy']:.1%} "
            f"± {row['std']:.1%}")
    scaler = StandardScaler().fit(ds.X)
    model = estimator_factory(best["model"], best["params"], 0)()
    model.fit(scaler.transform(ds.X), ds.y)
    meta = {
        "created_by": "genre-gui-cli train-default",
        "trained_on": f"{Path(clips_dir).name}: the 50 shared GTZAN clips (5 per genre) in 3-s segments, "
                      f"and {N_NONMUSIC} generated examples of each non-music kind",
        "n_train": int(len(ds)), "n_music_clips": int(len(set(music.groups.tolist()))),
        "selection": f"best of {len(table)} candidates by stratified grouped {N_FOLDS}-fold CV clip "
                     f"accuracy, repeated over seeds {list(SEEDS)}",
        "protocol": f"stratified grouped {N_FOLDS}-fold x {len(SEEDS)} seeds, clips scored by their "
                    "segments' mean probability",
        "cv_accuracy": best["accuracy"], "cv_accuracy_std": best["std"],
        "cv_music_accuracy": float(np.mean(music_acc)),
        "cv_false_not_music": int(false_nm), "cv_missed_not_music": int(missed_nm),
        "cv_all": table, "model": best["model"], "params": best["params"],
        "unsure_below": threshold, "unsure_table": precision_table, "learning_curve": curve,
        "segment_seconds": SEGMENT_SECONDS, "classes": [str(c) for c in ds.classes],
        "not_music_class": NOT_MUSIC,
    }
    return Pipeline(FEATURE_SET, scaler, model, list(model.classes_), meta)
