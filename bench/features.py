"""Benchmark: gtzan57 extraction against librosa 0.11, and batch extraction on 2 processes against 1.

Run by ``make bench`` (or ``.venv/bin/python bench/features.py [--clips N] [--batch-clips N]``). Uses the
real clips in ../shared/data/gtzan_clips. Prints:

- our time and librosa's time per 30 s clip for the gtzan57 columns, warm, and their ratio
  (target: ours <= 0.33 x librosa), plus both first-call times;
- the batch speed-up of ``extract_batch(..., n_jobs=2)`` over ``n_jobs=1`` (target >= 1.7x).

Both sides are timed in the same run, interleaved clip by clip, so a busy machine slows both alike.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
from librosa_reference import librosa_gtzan57  # bench/ is on sys.path: scripts run from here

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GENRE_GUI_SHARED_DATA", ROOT.parent / "shared" / "data"))
SR = 22050


def _timed(fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def bench_single(paths: list[Path], n_clips: int) -> None:
    from genre_gui.core.audio_io import load_audio
    from genre_gui.core.features import FEATURE_SETS

    fs = FEATURE_SETS["gtzan57"]
    clips = [load_audio(p, SR) for p in paths[: n_clips + 1]]
    seconds = np.mean([len(y) / SR for y in clips])

    t_ours_first, _ = _timed(fs.extract, clips[0], SR)
    try:
        t_import, librosa = _timed(__import__, "librosa")
    except ImportError:
        print("gtzan57 vs librosa: SKIPPED, librosa is not installed (pip install -e '.[test]')")
        return
    t_lib_first, _ = _timed(librosa_gtzan57, clips[0])

    ours, theirs, worst = [], [], 0.0
    for y in clips[1:]:
        t_l, ref = _timed(librosa_gtzan57, y)
        t_o, out = _timed(fs.extract, y, SR)
        theirs.append(t_l)
        ours.append(t_o)
        rel = np.abs(out - ref) / np.maximum(np.abs(ref), 1e-3)
        rel[fs.columns.index("tempo")] = 0.0
        worst = max(worst, float(rel.max()))
    ours_mean, theirs_mean = float(np.mean(ours)), float(np.mean(theirs))
    ratio = ours_mean / theirs_mean
    print(f"gtzan57 per {seconds:.1f} s clip, warm, mean of {len(ours)} clips (load avg "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores):")
    print(f"  ours     {ours_mean * 1000:8.1f} ms  (median {np.median(ours) * 1000:.1f} ms)")
    print(f"  librosa  {theirs_mean * 1000:8.1f} ms  (median {np.median(theirs) * 1000:.1f} ms)")
    print(f"  ratio ours/librosa = {ratio:.3f}  (target <= 0.33: {'OK' if ratio <= 0.33 else 'MISSED'})")
    print(f"  first call: ours {t_ours_first * 1000:.0f} ms; librosa {t_lib_first * 1000:.0f} ms "
          f"(+ {t_import * 1000:.0f} ms import)")
    print(f"  sanity: max relative difference to librosa (tempo aside) {worst:.2e}")


def _spin(seconds_of_work: int) -> float:
    t0 = time.perf_counter()
    x = 0
    for i in range(seconds_of_work * 5_000_000):
        x += i * i
    return time.perf_counter() - t0


def machine_parallelism() -> float:
    """How much faster 2 CPU-bound processes finish 2 units of work than 1 process, right now.

    The machine may be shared: this is the ceiling for the batch speed-up measured just after it.
    """
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        pool.map(_spin, [0, 0])  # workers started and imported before timing
        t_one = _spin(2)
        t0 = time.perf_counter()
        pool.map(_spin, [1, 1], chunksize=1)
        t_two = time.perf_counter() - t0
    return t_one / t_two


def bench_batch(paths: list[Path]) -> None:
    try:
        from genre_gui.core.batch import extract_batch
    except ImportError as exc:
        print(f"batch speed-up: SKIPPED, genre_gui.core.batch.extract_batch is not available ({exc})")
        return
    # the app starts the worker server at launch (batch.prewarm), so time a warm pool as the user gets
    # it, and report the one-off cold start on its own
    t_cold, _ = _timed(lambda: extract_batch(paths[:4], "gtzan57", n_jobs=2))
    times = {}
    for n_jobs in (1, 2):
        t, (X, ok, failures) = _timed(lambda n=n_jobs: extract_batch(paths, "gtzan57", n_jobs=n))
        if failures or len(ok) != len(paths):
            print(f"batch speed-up: n_jobs={n_jobs} failed on {len(failures)} files: {failures[:2]}")
            return
        times[n_jobs] = t
    speedup = times[1] / times[2]
    ceiling = machine_parallelism()
    print(f"batch extraction of {len(paths)} clips (gtzan57, no cache; load avg "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores):")
    print(f"  1 process  {times[1]:6.2f} s   ({times[1] / len(paths) * 1000:.0f} ms/clip)")
    print(f"  2 processes {times[2]:5.2f} s   ({times[2] / len(paths) * 1000:.0f} ms/clip)")
    print(f"  speed-up = {speedup:.2f}x  (target >= 1.7: {'OK' if speedup >= 1.7 else 'MISSED'})")
    print(f"  for reference, 2 pure-CPU processes run {ceiling:.2f}x as fast as 1 on this machine right now")
    print(f"  (one-off cold start of the worker server, done at app launch: a first 4-clip batch took "
          f"{t_cold:.2f} s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=10, help="clips timed against librosa (warm)")
    parser.add_argument("--batch-clips", type=int, default=50, help="clips in the batch speed-up run")
    args = parser.parse_args(argv)
    paths = sorted((SHARED / "gtzan_clips").glob("*/*.flac"))
    if not paths:
        print(f"features benchmark: SKIPPED, no clips under {SHARED / 'gtzan_clips'}")
        return 0
    bench_single(paths, min(args.clips, len(paths) - 1))
    bench_batch(paths[: args.batch_clips])
    return 0


if __name__ == "__main__":
    sys.exit(main())
