"""Benchmarks of the NumPy models against scikit-learn, every ratio measured in this same run.

Prints one table:
- MNIST (pixels / 255): softmax test accuracy (target >= 93.6 %); time until the softmax reaches 92 %
  test accuracy against scikit-learn's LogisticRegression (lbfgs) fit time (target ratio <= 0.33);
  k-NN (k=3) predict time on the 10,000 test images against scikit-learn's brute force (target
  <= 1.0x), with the predictions that differ and how many of those are equal-distance ties;
- the linear ceiling: the best test accuracy of a softmax over an L2 grid and every epoch, selected on
  the test set (optimistic on purpose: it bounds what tuning could reach);
- seed 001's exact recipe (pixels > 100 -> 1, full-batch GD, lr 0.75 x 0.95 every 50 iterations, 1500
  iterations) next to the seed's 93.57 %;
- GTZAN feature table, 10-fold (random stratified and blocked): accuracy of our three models next to
  scikit-learn's counterparts.

Usage: ``python bench/models.py [--quick]`` (``--quick``: 2,000 k-NN queries, 300 seed iterations).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from genre_gui.core.datasets import load_feature_csv  # noqa: E402
from genre_gui.core.datasets.idx import load_idx  # noqa: E402
from genre_gui.core.evaluation import blocked_kfold, cross_validate  # noqa: E402
from genre_gui.core.models import (  # noqa: E402
    KNeighborsClassifier,
    OneVsRestLogisticRegression,
    SoftmaxRegression,
    TrainingEvent,
)

SHARED = ROOT.parent / "shared" / "data"
SEED_001_ACCURACY = 0.9357
#: softmax recipe for MNIST (pixels / 255)
MNIST_SOFTMAX = dict(solver="adam", learning_rate=1e-3, batch_size=128, alpha=0.0, max_iter=40,
                     lr_decay=0.5, decay_every=10, tol=-np.inf, random_state=0)

rows: list[tuple[str, str, str, str]] = []


def report(what: str, ours: str, reference: str, verdict: str) -> None:
    rows.append((what, ours, reference, verdict))
    print(f"  {what}: {ours} | {reference} | {verdict}", flush=True)


def load_mnist():
    d = SHARED / "mnist"
    train = load_idx(d / "train-images-idx3-ubyte.gz", d / "train-labels-idx1-ubyte.gz")
    test = load_idx(d / "t10k-images-idx3-ubyte.gz", d / "t10k-labels-idx1-ubyte.gz")
    return train, test


def bench_softmax(X, y, Xt, yt) -> None:
    from sklearn.linear_model import LogisticRegression

    print("MNIST softmax ...", flush=True)
    t0 = time.perf_counter()
    reached: list[float] = []

    def on_epoch(event: TrainingEvent) -> None:
        if not reached and event.val_accuracy is not None and event.val_accuracy >= 0.92:
            reached.append(time.perf_counter() - t0)

    model = SoftmaxRegression(**MNIST_SOFTMAX).fit(X, y, X_val=Xt, y_val=yt, callback=on_epoch)
    total = time.perf_counter() - t0
    acc = model.score(Xt, yt)
    train_acc = model.score(X, y)
    best = float(model.val_accuracy_curve_.max())
    verdict = "target >= 93.6 %: " + ("met" if acc >= 0.936 else "NOT met")
    report("MNIST softmax test accuracy", f"{100 * acc:.2f} % (best epoch {100 * best:.2f} %)",
           f"seed 001: {100 * SEED_001_ACCURACY:.2f} %", verdict)
    report("MNIST softmax train accuracy", f"{100 * train_acc:.2f} %", "", "")

    print("MNIST scikit-learn LogisticRegression (lbfgs) ...", flush=True)
    t1 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk = LogisticRegression().fit(X, y)
    sk_time = time.perf_counter() - t1
    sk_acc = sk.score(Xt, yt)
    t92 = reached[0] if reached else float("nan")
    ratio = t92 / sk_time
    report("time to 92 % test accuracy", f"{t92:.1f} s (full fit {total:.1f} s, {model.n_iter_} epochs)",
           f"sklearn lbfgs fit {sk_time:.1f} s ({100 * sk_acc:.2f} %)",
           f"ratio {ratio:.3f} (target <= 0.33: {'met' if ratio <= 0.33 else 'NOT met'})")


def bench_softmax_ceiling(X, y, Xt, yt) -> None:
    """How far a linear softmax on pixels / 255 can go here: the best test accuracy of any epoch over an
    L2 grid, chosen *on the test set* (so optimistic). It shows whether the 93.6 % target is in reach."""
    print("MNIST softmax ceiling (L2 grid, best epoch chosen on the test set) ...", flush=True)
    best = (0.0, None, 0)
    for alpha in (0.0, 1e-5, 1e-4, 1e-3):
        params = dict(MNIST_SOFTMAX, alpha=alpha, max_iter=60, decay_every=15)
        model = SoftmaxRegression(**params).fit(X, y, X_val=Xt, y_val=yt)
        curve = model.val_accuracy_curve_
        i = int(np.argmax(curve))
        print(f"  alpha {alpha:g}: best epoch {i + 1} test {100 * curve[i]:.2f} %, "
              f"last {100 * curve[-1]:.2f} %, train {100 * model.score(X, y):.2f} %", flush=True)
        if curve[i] > best[0]:
            best = (float(curve[i]), alpha, i + 1)
    report("MNIST linear softmax ceiling", f"{100 * best[0]:.2f} % (alpha {best[1]:g}, epoch {best[2]})",
           "chosen on the test set: optimistic", "target 93.6 % " + ("in reach" if best[0] >= 0.936
                                                                   else "above a linear model here"))


def bench_knn(X, y, Xt, yt, n_queries: int) -> None:
    from sklearn.neighbors import KNeighborsClassifier as SkKNN

    print(f"MNIST k-NN (k=3) on {n_queries} test images ...", flush=True)
    Q = Xt[:n_queries]
    ours = KNeighborsClassifier(3).fit(X, y)
    ref = SkKNN(3, algorithm="brute").fit(X, y)
    # alternate the two and keep each one's best time: the machine is shared
    times = {"ours": [], "sklearn": []}
    for _ in range(2 if n_queries <= 2000 else 1):
        t = time.perf_counter()
        pred = ours.predict(Q)
        times["ours"].append(time.perf_counter() - t)
        t = time.perf_counter()
        pred_ref = ref.predict(Q)
        times["sklearn"].append(time.perf_counter() - t)
    t_ours, t_ref = min(times["ours"]), min(times["sklearn"])
    differ = np.flatnonzero(pred != pred_ref)
    ties = 0
    if differ.size:
        dist, _ = ours.kneighbors(Q[differ], n_neighbors=4)
        # a tie "up to rounding": the 3rd and 4th neighbours at the same distance within 1e-9
        ties = int(np.count_nonzero(np.abs(dist[:, 3] - dist[:, 2]) <= 1e-9 * np.maximum(dist[:, 2], 1e-12)))
    acc = float(np.mean(pred == yt[:n_queries]))
    ratio = t_ours / t_ref
    report("k-NN k=3 predict time", f"{t_ours:.1f} s ({100 * acc:.2f} %)", f"sklearn brute {t_ref:.1f} s",
           f"ratio {ratio:.2f}x (target <= 1.0x: {'met' if ratio <= 1.0 else 'NOT met'})")
    verdict = "identical" if differ.size == 0 else ("all ties" if ties == differ.size else "CHECK")
    report("k-NN predictions that differ", f"{differ.size} of {n_queries}",
           f"{ties} of them equal-distance ties", verdict)


def bench_seed_recipe(train, test, n_iter: int) -> None:
    print(f"seed 001 recipe ({n_iter} full-batch iterations) ...", flush=True)
    Xb = (train.X > 100).astype(np.float64)
    Xtb = (test.X > 100).astype(np.float64)
    t = time.perf_counter()
    model = SoftmaxRegression(solver="gd", learning_rate=0.75, lr_decay=0.95, decay_every=50, max_iter=n_iter,
                              alpha=0.0, tol=-np.inf).fit(Xb, train.y)
    elapsed = time.perf_counter() - t
    acc = model.score(Xtb, test.y)
    # printed because a linear model's *training* accuracy on MNIST is where the seed's figure lies
    train_acc = model.score(Xb, train.y)
    diff = 100 * (acc - SEED_001_ACCURACY)
    report("seed 001 recipe test accuracy", f"{100 * acc:.2f} % ({elapsed:.0f} s, {model.n_iter_} it.)",
           f"seed 001: {100 * SEED_001_ACCURACY:.2f} %", f"difference {diff:+.2f} pp")
    report("seed 001 recipe train accuracy", f"{100 * train_acc:.2f} %", "", "")


def bench_gtzan() -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.neighbors import KNeighborsClassifier as SkKNN
    from sklearn.preprocessing import StandardScaler as SkScaler

    ds = load_feature_csv(SHARED / "gtzan_features" / "features_30_sec.csv")
    schemes = {
        "random 10-fold": list(StratifiedKFold(10, shuffle=True, random_state=0).split(ds.X, ds.y)),
        "blocked 10-fold": blocked_kfold(ds.groups, ds.y, n_splits=10),
    }
    pairs = {
        "softmax": (lambda: SoftmaxRegression(random_state=0), lambda: LogisticRegression(max_iter=5000)),
        "ovr_logistic": (lambda: OneVsRestLogisticRegression(random_state=0),
                         lambda: OneVsRestClassifier(LogisticRegression(max_iter=5000))),
        "knn (k=5)": (lambda: KNeighborsClassifier(5), lambda: SkKNN(5)),
    }
    for scheme, folds in schemes.items():
        print(f"GTZAN {scheme} ...", flush=True)
        for name, (ours, ref) in pairs.items():
            res = cross_validate(ours, ds, folds)
            accs = []
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for train, test in folds:
                    sc = SkScaler().fit(ds.X[train])
                    m = ref().fit(sc.transform(ds.X[train]), ds.y[train])
                    accs.append(m.score(sc.transform(ds.X[test]), ds.y[test]))
            diff = 100 * (res.mean["accuracy"] - np.mean(accs))
            report(f"GTZAN {scheme}: {name}",
                   f"{100 * res.mean['accuracy']:.1f} % +/- {100 * res.std['accuracy']:.1f}",
                   f"sklearn {100 * np.mean(accs):.1f} % +/- {100 * np.std(accs):.1f}", f"{diff:+.1f} pp")


def bench_fault_filtered() -> None:
    """The fault-filtered GTZAN split (Kereliuk, Sturm & Larsen 2015), where a GTZAN number means most."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier as SkKNN
    from sklearn.preprocessing import StandardScaler as SkScaler

    from genre_gui.core.experiment import ModelSpec, Protocol, evaluate_model, fault_filtered_split

    ds = load_feature_csv(SHARED / "gtzan_features" / "features_30_sec.csv")
    refs = {"softmax": lambda: LogisticRegression(max_iter=5000), "knn": lambda: SkKNN(5)}
    for use_validation in (False, True):
        train, test = fault_filtered_split(ds.groups, use_validation)
        what = "train + validation" if use_validation else "train"
        print(f"GTZAN fault-filtered ({what}: {len(train)} clips, test {len(test)}) ...", flush=True)
        proto = Protocol("fault-filtered", use_validation=use_validation)
        for name in ("softmax", "ovr_logistic", "knn"):
            r = evaluate_model(ModelSpec(name), ds, proto, fit_final=False)
            ref = ""
            if name in refs:
                sc = SkScaler().fit(ds.X[train])
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    m = refs[name]().fit(sc.transform(ds.X[train]), ds.y[train])
                ref = f"sklearn {100 * m.score(sc.transform(ds.X[test]), ds.y[test]):.1f} %"
            report(f"GTZAN fault-filtered ({what}): {name}", f"{100 * r.accuracy:.1f} %", ref,
                   "issue 15: softmax 51.7, k-NN 42.4 %; embedding probes 79-88 %")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 k-NN queries and 300 seed iterations")
    parser.add_argument("--skip", nargs="*", default=[],
                        choices=["softmax", "ceiling", "knn", "seed", "gtzan", "fault-filtered"])
    args = parser.parse_args(argv)
    if not (SHARED / "mnist").exists():
        print(f"needs {SHARED}/mnist and gtzan_features (the shared data beside the project)")
        return 1
    t_all = time.perf_counter()
    train, test = load_mnist()
    X, Xt = train.X / 255.0, test.X / 255.0
    if "softmax" not in args.skip:
        bench_softmax(X, train.y, Xt, test.y)
    if "ceiling" not in args.skip and not args.quick:
        bench_softmax_ceiling(X, train.y, Xt, test.y)
    if "knn" not in args.skip:
        bench_knn(X, train.y, Xt, test.y, 2000 if args.quick else 10000)
    if "seed" not in args.skip:
        bench_seed_recipe(train, test, 300 if args.quick else 1500)
    if "gtzan" not in args.skip:
        bench_gtzan()
    if "fault-filtered" not in args.skip:
        bench_fault_filtered()
    widths = [max(len(r[i]) for r in rows + [("what", "ours", "reference", "verdict")]) for i in range(4)]
    print()
    print(" | ".join(h.ljust(w) for h, w in zip(("what", "ours", "reference", "verdict"), widths)))
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(r, widths)))
    print(f"\ntotal {time.perf_counter() - t_all:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
