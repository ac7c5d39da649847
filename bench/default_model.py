"""The shipped default model on data it never saw: the 50 real clips (our extraction and their table rows)
and all 131 reserved rows of the table, next to scikit-learn's LogisticRegression trained the same way."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CLIPS = ROOT.parent / "shared" / "data" / "gtzan_clips"


def main() -> int:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    from genre_gui import cli
    from genre_gui.core.batch import extract_batch
    from genre_gui.core.datasets import load_feature_csv
    from genre_gui.core.persistence import load_pipeline

    demo = load_feature_csv(cli.DEMO_CSV, "gtzan57")
    model = load_pipeline(cli.DEFAULT_MODEL)
    reserved = cli.reserved_mask(demo.groups)
    meta = model.metadata
    print(f"default model: {meta['model']} {meta.get('preprocessing', '')}, params {meta['params']}")
    print(f"  blocked 10-fold CV accuracy (training rows only): {meta['cv_accuracy']:.1%} "
          f"± {meta['cv_accuracy_std']:.1%}")
    acc_res = np.mean(model.predict_features(demo.X[reserved]) == demo.y[reserved])
    sk_scaler = StandardScaler().fit(demo.X[~reserved])
    sk = LogisticRegression(max_iter=5000).fit(sk_scaler.transform(demo.X[~reserved]), demo.y[~reserved])
    acc_sk = sk.score(sk_scaler.transform(demo.X[reserved]), demo.y[reserved])
    print(f"  reserved rows ({int(reserved.sum())}): ours {acc_res:.1%}, "
          f"sklearn LogisticRegression {acc_sk:.1%}")
    paths = sorted(CLIPS.glob("*/*.flac"))
    if not paths:
        print(f"  {CLIPS} not found: clip figures skipped")
        return 0
    t0 = time.perf_counter()
    X, ok, failures = extract_batch(paths, "gtzan57", n_jobs=2)
    secs = time.perf_counter() - t0
    ids = [Path(p).name.rsplit(".", 1)[0] for p in ok]
    rows = {g: i for i, g in enumerate(demo.groups.tolist())}
    table = demo.X[[rows[i] for i in ids]]
    truth = np.array([i.split(".")[0] for i in ids])
    ours_pred, table_pred = model.predict_features(X), model.predict_features(table)
    print(f"  50 real clips (extracted in {secs:.1f} s, {len(failures)} failures): accuracy from our "
          f"extraction {np.mean(ours_pred == truth):.1%}, "
          f"from their table rows {np.mean(table_pred == truth):.1%}; "
          f"same genre on {int(np.sum(ours_pred == table_pred))}/{len(ids)} clips")
    return 0


if __name__ == "__main__":
    sys.exit(main())
