"""genre-gui-cli: the headless twin of the GUI (extract, train, evaluate, compare, learning-curve, predict,
train-default).

It calls exactly the core functions the GUI's workers call (``datasets.load_dataset``,
``evaluation.cross_validate`` with the same fold builders, ``persistence.save_pipeline`` /
``load_pipeline``, ``Pipeline``), so a result seen here is the result the app shows.

Exit codes: 0 success, 2 bad input (one line on stderr), 130 interrupted.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .assets import DEFAULT_MODEL, DEMO_CSV
from .core.allocator import keep_freed_memory
from .core.errors import GenreGuiError


def model_names() -> tuple[str, ...]:
    """The registered model families (core.models.MODELS), in the registry's order."""
    from .core.models import MODELS

    return tuple(MODELS)


def feature_set_names() -> tuple[str, ...]:
    """The registered feature sets (core.features.FEATURE_SETS), in the registry's order."""
    from .core.features import FEATURE_SETS

    return tuple(FEATURE_SETS)


def _default_feature_set() -> str:
    from .core.features import DEFAULT_FEATURE_SET

    return DEFAULT_FEATURE_SET


def _hyperparameter_help() -> str:
    from .core.models import MODELS

    return "; ".join(f"{n}: {', '.join(h.name for h in c.hyperparameters)}" for n, c in MODELS.items())


#: GTZAN clip numbers 00000-00012 of every genre and jazz.00054 are kept for evaluation only
RESERVED_MAX_CLIP = 12
RESERVED_EXTRA = ("jazz.00054",)
#: the 50 GTZAN clips beside the project (``shared/data``), the musicnn default model's training set
SHARED_CLIPS = Path("..") / "shared" / "data" / "gtzan_clips"


class UsageError(GenreGuiError):
    """Bad command-line usage found after parsing (exit code 2)."""


# -- progress ------------------------------------------------------------------------------------------
class ProgressBar:
    """A text progress bar on stderr: redrawn in place on a terminal, a line per 10 % otherwise.

    Usable as the core's ``progress(done, total, message)`` callback.
    """

    def __init__(self, label: str, stream: Any = None, width: int = 30, quiet: bool = False) -> None:
        self.label, self.width, self.quiet = label, width, quiet
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_draw = 0.0
        self._last_decile = -1
        self._drawn = False

    def __call__(self, done: int, total: int, message: str = "") -> None:
        if self.quiet:
            return
        frac = done / total if total else 1.0
        now = time.monotonic()
        if self.tty:
            if done < total and now - self._last_draw < 0.1:
                return
            self._last_draw = now
            n = int(round(frac * self.width))
            bar = "#" * n + "-" * (self.width - n)
            msg = message[-40:]
            self.stream.write(f"\r{self.label} [{bar}] {done}/{total} {msg:<40}")
            self._drawn = True
        else:
            decile = int(frac * 10)
            if decile == self._last_decile:
                return
            self._last_decile = decile
            self.stream.write(f"{self.label}: {done}/{total} ({frac * 100:.0f}%)\n")
        self.stream.flush()

    def close(self) -> None:
        if self._drawn and not self.quiet:
            self.stream.write("\n")
            self.stream.flush()
        self._drawn = False


# -- argument parsing ------------------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2 (argparse prints the whole usage otherwise)
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _add_dataset_args(p: argparse.ArgumentParser, required: bool = True) -> None:
    p.add_argument("--dataset", required=required, metavar="PATH",
                   help="audio folder (<genre>/<files>), feature .csv, .npz or MNIST IDX folder")
    p.add_argument("--feature-set", default=None, choices=feature_set_names(), metavar="NAME",
                   help=f"feature set for audio folders (default {_default_feature_set()}); for CSV: the "
                        f"columns to expect (default: recognised); one of {', '.join(feature_set_names())}")
    p.add_argument("--segment-seconds", type=float, default=None, metavar="S",
                   help="audio folders: one row per S-second segment (rows of a clip share a group)")
    p.add_argument("--jobs", type=int, default=2, metavar="N", help="worker processes for extraction")
    p.add_argument("--scheduler", type=_scheduler, default=None, metavar="tcp://HOST:PORT",
                   help="extract audio features on a Dask cluster's workers (pip install genre_gui[cluster])")
    p.add_argument("--cache", default=None, metavar="PATH", help="feature cache file (default: user cache)")
    p.add_argument("--no-cache", action="store_true", help="do not use the feature cache")


def _add_protocol_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--protocol", choices=("stratified", "blocked", "holdout", "fault-filtered", "predefined"),
                   default=None,
                   help="stratified grouped k-fold, blocked k-fold (GTZAN ids: an artist filter), hold-out, "
                        "the fault-filtered GTZAN split (GTZAN ids: train + validation vs test), or the "
                        "dataset's own split (an MNIST folder: its train vs t10k files). Default: the "
                        "dataset's own split when it has one (an MNIST folder with train and t10k files), "
                        "else stratified")
    p.add_argument("--folds", type=int, default=10, metavar="N", help="number of folds (k-fold protocols)")
    p.add_argument("--repeats", type=int, default=1, metavar="R",
                   help="repeat k-fold R times with other splits (the same for every model)")
    p.add_argument("--test-size", type=float, default=0.2, metavar="F", help="hold-out test fraction")
    p.add_argument("--seed", type=int, default=0, help="random seed for splits and models")


def _scheduler(text: str) -> str:
    """--scheduler's type: the window's rule (core.cluster.check_address), before anything is created."""
    from .core.cluster import ClusterError, check_address

    try:
        return check_address(text)
    except ClusterError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _param(text: str) -> tuple[str, Any]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    k, v = text.split("=", 1)
    try:
        val = json.loads(v)
    except ValueError:
        val = v  # plain strings need no quotes: solver=adam
    return k.strip(), val


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and shell completion)."""
    parser = _Parser(prog="genre-gui-cli", description=__doc__.split("\n", 1)[0])
    names = model_names()
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    parser.add_argument("--version", action="version", version=f"genre-gui-cli {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    # -q is accepted before or after the command; SUPPRESS keeps a top-level -q from being reset
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                        help="no progress bars")

    p = sub.add_parser("extract", parents=[common],
                       help="extract features of an audio folder to .csv or .npz")
    p.add_argument("folder", metavar="FOLDER")
    p.add_argument("--out", required=True, metavar="PATH", help="output .csv or .npz")
    p.add_argument("--feature-set", default=_default_feature_set(), choices=feature_set_names(),
                   metavar="NAME",
                   help=f"one of {', '.join(feature_set_names())} (default {_default_feature_set()})")
    p.add_argument("--segment-seconds", type=float, default=None, metavar="S")
    p.add_argument("--jobs", type=int, default=2, metavar="N")
    p.add_argument("--scheduler", type=_scheduler, default=None, metavar="tcp://HOST:PORT",
                   help="extract on a Dask distributed cluster's workers (pip install genre_gui[cluster])")
    p.add_argument("--cache", default=None, metavar="PATH")
    p.add_argument("--no-cache", action="store_true")

    p = sub.add_parser("train", parents=[common], help="train one model on a whole dataset and save it")
    _add_dataset_args(p)
    p.add_argument("--model", choices=names, default=names[0])
    p.add_argument("--set", dest="params", type=_param, action="append", default=[], metavar="NAME=VALUE",
                   help="a model hyperparameter (repeatable), e.g. --set n_neighbors=7 ("
                        + _hyperparameter_help() + ")")
    p.add_argument("--out", required=True, metavar="PATH", help="model file (.npz)")
    p.add_argument("--seed", type=int, default=0, help="random seed of the model")
    p.add_argument("--protocol", choices=("all", "predefined"), default=None,
                   help="train on all rows, or on the dataset's own training part and score its test part "
                        "(an MNIST folder: train vs t10k files). Default: the dataset's own split when it "
                        "has one, else all rows")

    p = sub.add_parser("evaluate", parents=[common], help="cross-validate one model")
    _add_dataset_args(p)
    p.add_argument("--model", choices=names, default=names[0])
    p.add_argument("--set", dest="params", type=_param, action="append", default=[], metavar="NAME=VALUE",
                   help="a model hyperparameter (repeatable)")
    _add_protocol_args(p)
    p.add_argument("--json", nargs="?", const="-", default=None, metavar="PATH",
                   help="write results as JSON (to stdout when no PATH)")

    p = sub.add_parser("compare", parents=[common],
                       help="cross-validate all three models: table + confusion matrices")
    _add_dataset_args(p)
    p.add_argument("--models", default=",".join(names), metavar="LIST",
                   help="comma-separated subset of " + ", ".join(names))
    _add_protocol_args(p)
    p.add_argument("--json", nargs="?", const="-", default=None, metavar="PATH",
                   help="write results as JSON (to stdout when no PATH)")
    p.add_argument("--csv", nargs="?", const="-", default=None, metavar="PATH",
                   help="write the comparison table as CSV (to stdout when no PATH)")

    p = sub.add_parser("learning-curve", parents=[common],
                       help="accuracy against training clips per class, for each model")
    _add_dataset_args(p)
    p.add_argument("--models", default=",".join(names), metavar="LIST",
                   help="comma-separated subset of " + ", ".join(names))
    p.add_argument("--sizes", default=None, metavar="LIST",
                   help="training clips per class, e.g. 1,2,5,10 (default: 1, 2, 3, 5, 10, ... below the "
                        "smallest class)")
    p.add_argument("--repeats", type=int, default=5, metavar="R", help="random draws per size")
    p.add_argument("--json", nargs="?", const="-", default=None, metavar="PATH",
                   help="write the curves as JSON (to stdout when no PATH)")

    p = sub.add_parser("predict", parents=[common], help="classify audio files with a saved model")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--model", default=None, metavar="PATH",
                   help=f"model file (default: {DEFAULT_MODEL.name})")
    p.add_argument("--json", action="store_true", help="print a JSON list instead of text")
    p.add_argument("--timeline", action="store_true",
                   help="also give the genre probabilities of every window (3 s for the default model)")

    _add_classify_parser(sub, common)

    p = sub.add_parser("train-default", parents=[common],
                       help="train the shipped default model (musicnn on the shared GTZAN clips + not music) "
                            "or, with --table, the gtzan57 table model")
    p.add_argument("--out", required=True, metavar="PATH")
    p.add_argument("--clips", default=str(SHARED_CLIPS), metavar="DIR",
                   help="the GTZAN clips (<genre>/<clip>) the musicnn model learns from")
    p.add_argument("--table", action="store_true",
                   help="train the gtzan57 model on the GTZAN feature table instead (best of three, "
                        "blocked CV)")
    p.add_argument("--csv", default=str(DEMO_CSV), metavar="PATH", help="with --table: the feature table")
    p.add_argument("--folds", type=int, default=10, metavar="N", help="with --table: folds")
    p.add_argument("--jobs", type=int, default=2, metavar="N", help="worker processes for extraction")
    return parser


# -- shared steps ---------------------------------------------------------------------------------------
def _open_cache(args: argparse.Namespace) -> Any:
    if getattr(args, "no_cache", False):
        return None
    from .core.cache import FeatureCache

    cache = FeatureCache(args.cache)
    for w in cache.warnings:
        _eprint(f"warning: {w}")
    return cache


def _load(args: argparse.Namespace, quiet: bool) -> Any:
    from .core.cache import LazyCache
    from .core.datasets import load_dataset

    # the cache is created only for an audio folder that holds audio (core.datasets.open_dataset)
    bar = ProgressBar("extracting", quiet=quiet)
    try:
        with LazyCache(lambda: _open_cache(args)) as open_cache:
            ds = load_dataset(args.dataset, feature_set=args.feature_set, progress=bar, n_jobs=args.jobs,
                              segment_seconds=args.segment_seconds, scheduler=args.scheduler,
                              open_cache=open_cache)
    finally:
        bar.close()
    _report_failures(ds)
    return ds


def _report_failures(ds: Any) -> None:
    if ds.failures:
        n_warn = sum(1 for _, r in ds.failures if r.startswith("warning:"))
        _eprint(f"{len(ds.failures) - n_warn} file(s) skipped, {n_warn} warning(s):")
        for path, reason in ds.failures[:20]:
            _eprint(f"  {reason if path in reason else f'{path}: {reason}'}")
        if len(ds.failures) > 20:
            _eprint(f"  ... and {len(ds.failures) - 20} more")


def _make_factory(name: str, params: dict, seed: int = 0) -> Callable[[], Any]:
    """The model's factory; a value its hyperparameter spec refuses is a usage error naming it."""
    from .core.models import MODELS, estimator_factory

    specs = {h.name: h for h in MODELS[name].hyperparameters}
    for key, value in params.items():
        if key in specs:
            h = specs[key]
            try:
                params[key] = h.parse(value) if isinstance(value, str) else h.check(value)
            except ValueError as exc:
                raise UsageError(f"{name}: {exc}") from exc
    try:
        return estimator_factory(name, params, seed)
    except TypeError as exc:
        raise UsageError(f"invalid hyperparameter for {name}: {exc}") from exc


def _protocol(args: argparse.Namespace, ds: Any = None) -> Any:
    """The experiment protocol the options describe (usage errors name the option).

    Without ``--protocol``: the loaded dataset's own split when it has one (``ds.split``: an MNIST folder's
    train and t10k files), else stratified k-fold; ``args.protocol`` is set to the one chosen once ``ds``
    is known (before loading, the options are checked as for stratified k-fold)."""
    from .core.experiment import Protocol

    if args.protocol is None and ds is not None:
        args.protocol = "predefined" if getattr(ds, "split", None) is not None else "stratified"
    kind = args.protocol or "stratified"
    if kind == "holdout":
        if not 0 < args.test_size < 1:
            raise UsageError("--test-size must be between 0 and 1")
        return Protocol("holdout", test_percent=100.0 * args.test_size, random_state=args.seed)
    if kind in ("fault-filtered", "predefined"):
        return Protocol(kind, random_state=args.seed)
    if args.folds < 2:
        raise UsageError("--folds must be at least 2")
    if args.repeats < 1:
        raise UsageError("--repeats must be at least 1")
    return Protocol("kfold", n_splits=args.folds, fold_kind=kind, repeats=args.repeats,
                    random_state=args.seed)


def _splits(ds: Any, protocol: Any) -> list:
    try:
        return protocol.splits(ds)
    except ValueError as exc:  # e.g. blocked folds or the fault-filtered split on ids that are not GTZAN's
        raise UsageError(f"{protocol.describe()}: {exc}") from exc


def _cv_callback(bar: ProgressBar) -> Callable[[Any], None]:
    def cb(event: Any) -> None:
        fold, n_folds = event.extra.get("fold", 0), max(1, event.extra.get("n_folds", 1))
        frac = min(1.0, event.epoch / max(1, event.n_epochs))
        loss = event.train_loss
        msg = f"fold {fold + 1}/{n_folds}" + (f" loss {loss:.4f}" if loss is not None else "")
        bar(int(1000 * (fold + frac) / n_folds), 1000, msg)

    return cb


def run_cv(ds: Any, name: str, params: dict, protocol: Any, splits: list, quiet: bool,
           scaler_params: dict | None = None) -> Any:
    """Score one model under ``protocol`` (``core.experiment.evaluate_model``, no final fit)."""
    from .core.experiment import ModelSpec, evaluate_model

    _make_factory(name, params, protocol.random_state)  # an unknown hyperparameter is a usage error
    bar = ProgressBar(f"{name:<12}", quiet=quiet)
    try:
        return evaluate_model(ModelSpec(name, dict(params)), ds, protocol, splits=splits,
                              callback=_cv_callback(bar), scaler_params=scaler_params, fit_final=False,
                              monitor=False, progress=lambda d, t, m: bar(int(1000 * d / max(1, t)), 1000, m))
    except ValueError as exc:  # the data was validated on loading: this is a bad hyperparameter value
        raise UsageError(f"{name}: {exc}") from exc
    finally:
        bar.close()


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def _fit_pipeline(ds: Any, name: str, params: dict, metadata: dict, quiet: bool, seed: int = 0,
                  scaler_params: dict | None = None) -> Any:
    from .core.experiment import ModelSpec, fit_on_all
    from .core.pipeline import Pipeline

    _make_factory(name, params, seed)  # an unknown hyperparameter is a usage error
    bar = ProgressBar(f"training {name}", quiet=quiet)
    try:
        scaler, model = fit_on_all(
            ModelSpec(name, dict(params)), ds, seed, scaler_params=scaler_params,
            callback=lambda e: bar(e.epoch, max(1, e.n_epochs), "" if e.train_loss is None
                                   else f"loss {e.train_loss:.4f}"))
    except ValueError as exc:
        raise UsageError(f"{name}: {exc}") from exc
    finally:
        bar.close()
    return Pipeline(ds.feature_set, scaler, model, list(model.classes_), metadata)


# -- commands -------------------------------------------------------------------------------------------
def cmd_extract(args: argparse.Namespace) -> int:
    from .core.cache import LazyCache
    from .core.datasets import DatasetSource, open_dataset, save_feature_csv, save_npz

    out = Path(args.out)
    if out.suffix.lower() not in (".csv", ".npz"):
        raise UsageError(f"{out}: the output must end in .csv or .npz")
    if not Path(args.folder).is_dir():  # before the cache is created: a typo must leave nothing behind
        raise UsageError(f"{args.folder}: no such folder")
    bar = ProgressBar("extracting", quiet=args.quiet)
    try:  # the cache is created once the folder is known to hold audio (core.datasets.open_dataset)
        with LazyCache(lambda: _open_cache(args)) as open_cache:
            ds = open_dataset(DatasetSource("audio_folder", (args.folder,)), feature_set=args.feature_set,
                              progress=bar, n_jobs=args.jobs, segment_seconds=args.segment_seconds,
                              scheduler=args.scheduler, open_cache=open_cache)
    finally:
        bar.close()
    _report_failures(ds)
    (save_npz if out.suffix.lower() == ".npz" else save_feature_csv)(ds, out)
    print(f"{out}: {len(ds)} rows x {len(ds.columns)} features ({ds.feature_set}), {len(ds.classes)} classes")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from .core.persistence import save_pipeline

    ds = _load(args, args.quiet)
    split = getattr(ds, "split", None)
    if args.protocol == "predefined" and split is None:
        raise UsageError(f"{args.dataset}: --protocol predefined needs a dataset with its own train/test "
                         "split (an MNIST folder with train and t10k files)")
    test = None
    if split is not None and args.protocol != "all":  # the dataset's own split unless told otherwise
        train_rows = np.asarray(split) == "train"
        ds, test = ds.subset(train_rows), ds.subset(~train_rows)
    params = dict(args.params)
    meta = {
        "dataset": ds.name, "n_train": len(ds), "classes": [_plain(c) for c in ds.classes],
        "segment_seconds": args.segment_seconds or 30.0, "params": params,
        "created_by": "genre-gui-cli train",
    }
    pipe = _fit_pipeline(ds, args.model, params, meta, args.quiet, args.seed)
    save_pipeline(pipe, args.out)
    acc = float(np.mean(pipe.predict_features(ds.X) == ds.y))
    if test is not None:
        test_acc = float(np.mean(pipe.predict_features(test.X) == test.y))
        print(f"{args.out}: {args.model} trained on the {len(ds)} training rows of the dataset's own split, "
              f"{len(ds.classes)} classes (training accuracy {acc:.1%}; accuracy on its {len(test)} test "
              f"rows {test_acc:.1%})")
        return 0
    print(f"{args.out}: {args.model} trained on {len(ds)} rows, {len(ds.classes)} classes "
          f"(training accuracy {acc:.1%}; use 'evaluate' for an honest estimate)")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    _protocol(args)  # bad options are refused before loading
    ds = _load(args, args.quiet)
    protocol = _protocol(args, ds)
    result = run_cv(ds, args.model, dict(args.params), protocol, _splits(ds, protocol), args.quiet)
    report = _report(ds, args, protocol, [result])
    r = report["models"][0]
    if args.json is not None:
        _write_out(args.json, json.dumps(report, indent=2))
        if args.json == "-":
            return 0
    print(_table(report))
    print()
    print(_confusion_text(r))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    names = _model_names(args.models)
    _protocol(args)  # bad options are refused before loading
    ds = _load(args, args.quiet)
    protocol = _protocol(args, ds)
    splits = _splits(ds, protocol)  # one set of splits for every model, so their scores pair up
    report = _report(ds, args, protocol, [run_cv(ds, n, {}, protocol, splits, args.quiet) for n in names])
    to_stdout = args.json == "-" or args.csv == "-"
    if args.json is not None:
        _write_out(args.json, json.dumps(report, indent=2))
    if args.csv is not None:
        _write_out(args.csv, _csv_table(report))
    if not to_stdout:
        print(_table(report))
        if report["pairwise"]:
            print()
            print(_pairwise_text(report))
        for r in report["models"]:
            print()
            print(_confusion_text(r))
    return 0


def _model_names(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    bad = [n for n in names if n not in model_names()]
    if bad or not names:
        raise UsageError(
            f"unknown model(s) {', '.join(bad) or '(none)'}; choose from {', '.join(model_names())}"
        )
    return names


def cmd_learning_curve(args: argparse.Namespace) -> int:
    from .core.experiment import ModelSpec, learning_curve

    names = _model_names(args.models)
    try:
        sizes = None if args.sizes is None else [int(v) for v in args.sizes.split(",") if v.strip()]
    except ValueError:
        raise UsageError(f"--sizes must be whole numbers separated by commas, got {args.sizes!r}") from None
    if sizes is not None and (not sizes or min(sizes) < 1):
        raise UsageError("--sizes must be at least 1 clip per class")
    if args.repeats < 1:
        raise UsageError("--repeats must be at least 1")
    ds = _load(args, args.quiet)
    curves = []
    for name in names:
        bar = ProgressBar(f"{name:<12}", quiet=args.quiet)
        try:
            curves.append(learning_curve(ModelSpec(name), ds, sizes, args.repeats,
                                         progress=lambda d, t, m, bar=bar: bar(d, t, m)))
        except ValueError as exc:
            raise UsageError(f"{name}: {exc}") from exc
        finally:
            bar.close()
    doc = {"dataset": str(args.dataset), "n_clips": int(len(set(ds.groups.tolist()))),
           "repeats": args.repeats, "curves": [c.to_json() for c in curves]}
    if args.json is not None:
        _write_out(args.json, json.dumps(doc, indent=2))
        if args.json == "-":
            return 0
    print(f"{args.dataset}: accuracy on the other clips against training clips per class "
          f"(mean ± std over {args.repeats} random draws)")
    print(f"{'clips/class':<12}" + "".join(f"{n:>18}" for n in names))
    for i, size in enumerate(curves[0].sizes):
        cells = "".join(f"{100 * c.mean[i]:>9.1f} ± {100 * c.std[i]:4.1f} %" for c in curves)
        print(f"{size:<12}{cells}")
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    from .core.persistence import load_pipeline

    model_path = Path(args.model) if args.model else DEFAULT_MODEL
    if args.model is None and not DEFAULT_MODEL.exists():  # only a broken install lacks it
        raise UsageError(f"no default model at {DEFAULT_MODEL}; pass --model PATH, or create it with "
                         "'genre-gui-cli train-default --out " + str(DEFAULT_MODEL) + "'")
    pipe = load_pipeline(model_path)
    out, n_bad = [], 0
    for f in args.files:
        try:
            pred = pipe.predict_file(f)
        except GenreGuiError as exc:
            n_bad += 1
            out.append({"file": f, "error": str(exc)})
            if not args.json:
                _eprint(f"error: {exc}")
            continue
        entry = {"file": f, "genre": str(pred.label), "answer": pred.headline(),
                 "probabilities": pred.as_dict(), "not_music": bool(pred.not_music),
                 "unsure": bool(pred.unsure), "tags": pred.tags or {}}
        if args.timeline:
            entry["timeline"] = pred.timeline()
        out.append(entry)
        if not args.json:
            _print_prediction(f, pred, args.timeline)
    if args.json:
        print(json.dumps(out, indent=2))
    return 2 if n_bad else 0


def _print_prediction(name: str, pred: Any, timeline: bool) -> None:
    line = f"{name}: {pred.headline()}"
    if not pred.not_music and not pred.unsure:
        then = ", ".join(f"{g} {p:.0%}".replace("%", " %") for g, p in pred.genre_ranking()[1:3])
        line += f" (then {then})"
    if pred.sounds_like(3) and not pred.not_music:
        line += f"; sounds like: {', '.join(pred.sounds_like(3))}"
    print(line)
    if timeline:
        for row in pred.timeline():
            best = max(row["probabilities"].items(), key=lambda kv: kv[1])
            print(f"  {row['start']:7.1f}-{row['end']:6.1f} s  {best[0]} {best[1]:.0%}")


# -- classify: a whole music library (core/library.py, core/tags.py) -------------------------------------
def _add_classify_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("classify", parents=[common],
                       help="classify every audio file under folders; CSV/JSON, playlists, genre tags")
    p.add_argument("dirs", nargs="*", metavar="DIR", help="folders (walked) or files")
    p.add_argument("--out", default=None, metavar="PATH", help="results as .csv or .json")
    p.add_argument("--model", default=None, metavar="PATH",
                   help=f"model file (default: {DEFAULT_MODEL.name})")
    p.add_argument("--playlists", default=None, metavar="DIR",
                   help="write one <genre>.m3u8 per genre (relative paths) into DIR")
    p.add_argument("--include-unsure", action="store_true",
                   help="playlists: put unsure answers in their top genre's playlist too")
    p.add_argument("--write-tags", choices=("missing", "replace", "append"), default=None,
                   help="write the genre into the files' tags: only where none (missing), replacing, or "
                        "appending; unsure and not-music answers are never written")
    p.add_argument("--dry-run", action="store_true",
                   help="with --write-tags: list every change, write nothing")
    p.add_argument("--tag-log", default=None, metavar="PATH",
                   help="change log of --write-tags (default: beside --out, <out>.tag-log.json)")
    p.add_argument("--undo-tags", default=None, metavar="LOG",
                   help="put back the tags a --write-tags run changed (its change log), then stop")
    p.add_argument("--jobs", type=int, default=2, metavar="N", help="worker processes for decoding")
    p.add_argument("--scheduler", type=_scheduler, default=None, metavar="tcp://HOST:PORT",
                   help="analyse on a Dask cluster's workers (pip install genre_gui[cluster]); they need no "
                        "access to the music")
    p.add_argument("--cache", default=None, metavar="PATH", help="feature cache file (default: user cache)")
    p.add_argument("--no-cache", action="store_true", help="do not use the feature cache")
    p.add_argument("--state", default=None, metavar="PATH",
                   help="where answers are remembered for the next run (default: beside the user cache)")
    p.add_argument("--no-resume", action="store_true",
                   help="analyse every file again (the earlier answers are neither used nor updated)")


def _print_tag_report(report: Any, verb: str) -> int:
    for path, reason in report.failed:
        _eprint(f"error: {path}: {reason}")
    for path, reason in report.skipped:
        _eprint(f"skipped: {path}: {reason}")
    print(f"{verb} {len(report.done)} file(s); {len(report.skipped)} left as they were; "
          f"{len(report.failed)} failed")
    return 2 if report.failed else 0


def cmd_classify(args: argparse.Namespace) -> int:
    from .core import library, tags
    from .core.persistence import load_pipeline

    if args.undo_tags is not None:
        if args.dirs or args.write_tags:
            raise UsageError("--undo-tags LOG undoes an earlier tagging and does nothing else; give no DIR "
                             "and no --write-tags")
        return _print_tag_report(tags.undo_tagging(args.undo_tags), "restored the tags of")
    if not args.dirs:
        raise UsageError("give at least one DIR to classify (or --undo-tags LOG)")
    if args.out is None:
        raise UsageError("--out PATH is required (.csv or .json)")
    kind = Path(args.out).suffix.lower()
    if kind not in (".csv", ".json"):
        raise UsageError(f"--out {args.out}: use a .csv or .json file name")
    if args.dry_run and not args.write_tags:
        raise UsageError("--dry-run goes with --write-tags (it lists the tag changes without writing them)")
    for d in args.dirs:
        if not os.path.exists(d):
            raise UsageError(f"{d}: no such file or folder")
    if next(library.iter_audio_files(args.dirs), None) is None:  # before the cache and state are created
        raise UsageError(f"no audio files found in {', '.join(args.dirs)} (extensions: "
                         + " ".join(_audio_exts()) + ")")
    model_path = Path(args.model) if args.model else DEFAULT_MODEL
    pipe = load_pipeline(model_path)
    cache = _open_cache(args)
    state = None
    if not args.no_resume:
        from .core.cache import default_cache_path

        state = library.LibraryState(args.state or default_cache_path().parent / "library_state.sqlite")
    bar = ProgressBar("classifying", quiet=getattr(args, "quiet", False))
    results = []
    try:
        job = library.LibraryJob(args.dirs, pipe, cache=cache, state=state, n_jobs=args.jobs,
                                 scheduler=args.scheduler)
        for r in job.run(progress=lambda done, total, msg: bar(done, total, msg) if total else None):
            results.append(r)
            if not r.ok:
                bar.close()
                _eprint(f"error: {' '.join(str(r.error).split())}")
    finally:
        bar.close()
        if cache is not None:
            cache.close()
    stats = job.stats
    for path, reason in stats.skipped:
        _eprint(f"skipped: {path}: {reason}")
    results.sort(key=lambda r: os.fsencode(r.path))
    try:
        if kind == ".csv":
            library.write_csv(results, args.out)
        else:
            library.write_json(results, args.out, extra={"model": str(model_path),
                                                          "feature_set": pipe.feature_set})
    except OSError as exc:
        raise UsageError(f"{args.out}: cannot write ({exc.strerror or exc})") from exc
    n_bad = sum(not r.ok for r in results)
    _eprint(f"classified {len(results) - n_bad} of {len(results)} file(s) in {stats.seconds:.1f} s "
            f"({stats.reused} unchanged since the last run, {stats.cached} from the feature cache, "
            f"{stats.analysed} analysed, {n_bad} failed); results in {args.out}")
    code = 2 if n_bad else 0
    if args.playlists:
        written = library.write_playlists(results, args.playlists, include_unsure=args.include_unsure)
        _eprint(f"wrote {len(written)} playlist(s) into {args.playlists}")
    if args.write_tags:
        plan = tags.plan_genre_tags([(r.path, r.tag_genre) for r in results if r.tag_genre], args.write_tags)
        for line in plan.preview():
            print(("would change " if args.dry_run else "") + line)
        for path, reason in plan.unsupported:
            _eprint(f"skipped: {path}: {reason}")
        if args.dry_run:
            print(f"dry run: {len(plan.changes)} file(s) would change, {len(plan.kept)} kept as they are, "
                  f"{len(plan.unsupported)} cannot take a genre tag; nothing was written")
        else:
            log = args.tag_log or f"{args.out}.tag-log.json"
            report = tags.write_genre_tags(plan, log)
            if state is not None:  # the audio is unchanged: keep the answers of the files just tagged
                state.refresh(report.done, job.model_key)
            code = max(code, _print_tag_report(report, "tagged"))
            print(f"change log: {log} (undo with: genre-gui-cli classify --undo-tags {log})")
    if state is not None:
        state.close()
    return code


def _audio_exts() -> tuple[str, ...]:
    from .core.audio_io import AUDIO_EXTENSIONS

    return AUDIO_EXTENSIONS


def reserved_mask(groups: np.ndarray) -> np.ndarray:
    """True for the GTZAN clips kept out of the default model (numbers 00000-00012, jazz.00054)."""
    out = np.zeros(len(groups), dtype=bool)
    for i, g in enumerate(groups.tolist()):
        parts = str(g).split(".")
        if str(g) in RESERVED_EXTRA:
            out[i] = True
        elif len(parts) == 2 and parts[1].isdigit() and int(parts[1]) <= RESERVED_MAX_CLIP:
            out[i] = True
    return out


#: the default model's candidates: each model family over a small regularisation grid
DEFAULT_MODEL_GRID: dict[str, list[dict]] = {
    "softmax": [{"alpha": a} for a in (1e-3, 1e-2, 3e-2)],
    "ovr_logistic": [{"alpha": a} for a in (1e-3, 1e-2)],
    "knn": [{"n_neighbors": k, "weights": "distance"} for k in (5, 9, 15)],
}


def default_scaler_options(columns: list[str]) -> dict[str, dict]:
    """Preprocessing candidates for the default model, by name.

    Tempo is always ignored: the table's tempo came from an older librosa that differs by an octave from
    what any current extractor computes on about a third of the clips, so a model meant for the user's
    audio must not depend on it. Whether to take the log of the heavy-tailed ``*_var`` columns is left
    to cross-validation.
    """
    ignore = [i for i, c in enumerate(columns) if c == "tempo"]
    log_var = [i for i, c in enumerate(columns) if c.endswith("_var")]
    return {"standardised": {"ignore_columns": ignore},
            "log-variances": {"ignore_columns": ignore, "log_columns": log_var}}


def cmd_train_default(args: argparse.Namespace) -> int:
    if args.table:
        return _train_table_model(args)
    from .core.musicnn_default import train_default
    from .core.persistence import save_pipeline

    clips = Path(args.clips)
    if not clips.is_dir():
        raise UsageError(f"{clips}: no such folder (the GTZAN clips the default model learns from)")
    bar = ProgressBar("default model", quiet=args.quiet)
    try:
        pipe = train_default(clips, n_jobs=args.jobs, progress=bar)
    finally:
        bar.close()
    save_pipeline(pipe, args.out)
    m = pipe.metadata
    print(f"{args.out}: {m['model']} {json.dumps(m['params'])} on musicnn segments; CV clip accuracy "
          f"{m['cv_accuracy']:.1%} (music clips {m['cv_music_accuracy']:.1%}); unsure below "
          f"{m['unsure_below']:.2f}")
    return 0


def _train_table_model(args: argparse.Namespace) -> int:
    from .core.datasets import load_feature_csv
    from .core.persistence import save_pipeline

    full = load_feature_csv(args.csv, "gtzan57")
    keep = ~reserved_mask(full.groups)
    ds = full.subset(keep)
    from .core.experiment import Protocol

    protocol = Protocol("kfold", n_splits=args.folds, fold_kind="blocked")
    splits = _splits(ds, protocol)
    scheme = protocol.describe()
    results = []
    for prep, scaler_params in default_scaler_options(ds.columns).items():
        for name in DEFAULT_MODEL_GRID:
            for params in DEFAULT_MODEL_GRID[name]:
                r = run_cv(ds, name, params, protocol, splits, args.quiet,
                           scaler_params=scaler_params).to_json()
                r.update(preprocessing=prep, scaler_params=scaler_params, grid_params=params)
                results.append(r)
    # ties go to the earlier (simpler) candidate
    best = max(results, key=lambda r: round(r["accuracy_mean"], 6))
    meta = {
        "created_by": "genre-gui-cli train-default --table",
        "trained_on": f"{Path(args.csv).name}: gtzan57 rows of the GTZAN feature table",
        "n_train": int(len(ds)),
        "excluded": f"reserved clips 00000-{RESERVED_MAX_CLIP:05d} of every genre and "
                    f"{', '.join(RESERVED_EXTRA)} ({int((~keep).sum())} rows)",
        "selection": f"best of {len(results)} candidates ({', '.join(DEFAULT_MODEL_GRID)} x regularisation x "
                     f"preprocessing) by {args.folds}-fold blocked grouped CV accuracy; tempo ignored",
        "protocol": scheme,
        "cv_accuracy": best["accuracy_mean"],
        "cv_accuracy_std": best["accuracy_std"],
        "cv_all": [{"model": r["model"], "params": r["grid_params"], "preprocessing": r["preprocessing"],
                    "accuracy": r["accuracy_mean"], "std": r["accuracy_std"]} for r in results],
        "model": best["model"],
        "params": best["params"],
        "preprocessing": best["preprocessing"],
        "segment_seconds": 30.0,
        "classes": [_plain(c) for c in ds.classes],
    }
    pipe = _fit_pipeline(ds, best["model"], best["grid_params"], meta, args.quiet,
                         scaler_params=best["scaler_params"])
    save_pipeline(pipe, args.out)
    for r in results:
        print(f"{r['model']:<13} {r['preprocessing']:<14} {json.dumps(r['grid_params']):<42} "
              f"{r['accuracy_mean']:.1%} ± {r['accuracy_std']:.1%}")
    print(f"{args.out}: {best['model']} {json.dumps(best['grid_params'])} on {best['preprocessing']} "
          f"features (blocked {args.folds}-fold CV accuracy {best['accuracy_mean']:.1%}), "
          f"trained on {len(ds)} clips")
    return 0


# -- output formatting ---------------------------------------------------------------------------------
def _report(ds: Any, args: argparse.Namespace, protocol: Any, results: list) -> dict:
    """The run's JSON form (``core.experiment.TrainingRun.to_json``) with the command's options."""
    from .core.experiment import TrainingRun

    n_clips = int(len(set(ds.groups.tolist())))
    doc = TrainingRun(results, protocol.describe(ds.row_word), str(args.dataset), n_clips,
                      spec=protocol, row_word=ds.row_word).to_json()
    doc.update({
        "dataset": str(args.dataset), "n_rows": int(len(ds)), "n_clips": n_clips,
        "classes": [_plain(c) for c in ds.classes], "feature_set": ds.feature_set,
        "protocol": args.protocol, "folds": args.folds if protocol.kind == "kfold" else 1,
        "repeats": protocol.n_repeats, "description": protocol.describe(ds.row_word), "seed": args.seed,
    })
    return doc


def _table(report: dict) -> str:
    lines = [f"{report['dataset']}: {report['n_clips']} clips, {len(report['classes'])} classes; "
             f"{report['description']}",
             f"{'model':<14}{'accuracy':>18}{'macro F1':>10}{'log loss':>10}{'seconds':>9}"]
    for r in report["models"]:
        acc = f"{r['accuracy_mean'] * 100:.1f} ± {r['accuracy_std'] * 100:.1f} %"
        ll = "n/a" if r["log_loss"] is None else f"{r['log_loss']:.3f}"
        lines.append(f"{r['model']:<14}{acc:>18}{r['macro_f1']:>10.3f}{ll:>10}{r['seconds']:>9.1f}")
    return "\n".join(lines)


def _pairwise_text(report: dict) -> str:
    """Each pair of models: difference, corrected resampled t-test and the Bayesian probabilities."""
    n = report["pairwise"][0]["n_folds"]
    lines = [f"paired tests on accuracy over the same {n} folds (corrected resampled t-test, "
             f"Bayesian correlated t-test with a ±{100 * report['pairwise'][0]['rope']:g} point region of "
             "practical equivalence)"]
    for t in report["pairwise"]:
        verdict = ("significant" if t["p_value"] < 0.05 else "not significant") + " at 5 %"
        lines.append(f"  {t['model_a']} - {t['model_b']}: {100 * t['mean_difference']:+.1f} points, "
                     f"t = {_num(t['t_statistic'])}, p = {t['p_value']:.3g} ({verdict}); "
                     f"P(better) {t['p_better']:.2f}, P(equivalent) {t['p_equivalent']:.2f}, "
                     f"P(worse) {t['p_worse']:.2f}")
    wtl = report["win_tie_loss"]
    lines.append("  wins/ties/losses: " + ", ".join(f"{m} {v['wins']}/{v['ties']}/{v['losses']}"
                                                   for m, v in wtl.items()))
    return "\n".join(lines)


def _num(v: Any) -> str:
    return v if isinstance(v, str) else f"{v:.3f}"


def _confusion_text(r: dict) -> str:
    classes = [str(c) for c in r["classes"]]
    w = max(6, max(len(c) for c in classes) + 1)
    cw = max(4, max(len(c[:6]) for c in classes) + 1)
    head = " " * w + "".join(f"{c[:6]:>{cw}}" for c in classes)
    lines = [f"{r['model']}: confusion matrix (rows true, columns predicted)", head]
    for c, row in zip(classes, r["confusion"]):
        lines.append(f"{c:<{w}}" + "".join(f"{v:>{cw}}" for v in row))
    return "\n".join(lines)


def _csv_table(report: dict) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    n = max(len(r["fold_accuracies"]) for r in report["models"])
    w.writerow(["model", "accuracy_mean", "accuracy_std", "macro_f1", "log_loss", "seconds", "protocol",
                *[f"fold{i + 1}" for i in range(n)]])
    for r in report["models"]:
        w.writerow([r["model"], f"{r['accuracy_mean']:.6f}", f"{r['accuracy_std']:.6f}",
                    f"{r['macro_f1']:.6f}", "" if r["log_loss"] is None else f"{r['log_loss']:.6f}",
                    f"{r['seconds']:.3f}", report["protocol"],
                    *[f"{a:.6f}" for a in r["fold_accuracies"]]])
    return buf.getvalue()


def _write_out(dest: str, text: str) -> None:
    if dest == "-":
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    from .core.persistence import atomic_write

    try:
        atomic_write(dest, text.encode("utf-8"))
    except OSError as exc:
        raise UsageError(f"{dest}: cannot write ({exc.strerror or exc})") from exc


def _eprint(msg: str) -> None:
    print(msg, file=sys.stderr)


COMMANDS = {
    "extract": cmd_extract, "train": cmd_train, "evaluate": cmd_evaluate, "compare": cmd_compare,
    "predict": cmd_predict, "train-default": cmd_train_default, "learning-curve": cmd_learning_curve,
    "classify": cmd_classify,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 2 bad input, 130 interrupted)."""
    for stream in (sys.stdout, sys.stderr):  # file names need not be valid UTF-8
        if hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "jobs", 1) < 1:
        parser.error("--jobs must be at least 1")
    keep_freed_memory()  # as the GUI does: work done in this process reuses its arrays' memory
    try:
        code = COMMANDS[args.command](args)
        sys.stdout.flush()  # here, where a closed pipe is caught, not at exit (exit 120 and a message)
        return code
    except GenreGuiError as exc:
        _eprint(f"genre-gui-cli: error: {' '.join(str(exc).split())}")
        return 2
    except KeyboardInterrupt:
        _eprint("genre-gui-cli: interrupted")
        return 130
    except BrokenPipeError:  # e.g. piped into head: the reader has all it wanted
        try:  # point fd 1 at /dev/null, so the interpreter's own flush at exit has nowhere to fail
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        except (OSError, ValueError):
            pass
        return 0


if __name__ == "__main__":  # also the pool workers' import guard: python -m genre_gui.cli
    sys.exit(main())
