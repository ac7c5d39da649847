"""gtzan57 parity on the 50 real GTZAN clips: against the published table and against librosa 0.11.

Errors are measured in standard deviations of each column over the table's 1000 rows (the models see
standardised features, so that is the scale that matters).
"""

from __future__ import annotations

import csv
import multiprocessing
import sys
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import librosa  # a test dependency, imported normally: a broken install fails the run, never skips it
import numpy as np
import pytest

from genre_gui.core.audio_io import load_audio

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from librosa_reference import librosa_gtzan57  # noqa: E402

from genre_gui.core.features import FEATURE_SETS

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]

SR = 22050
GTZAN57 = FEATURE_SETS["gtzan57"]
MFCC13 = FEATURE_SETS["mfcc13"]
TEMPO = GTZAN57.columns.index("tempo")

#: Per-column bars in table stds, (vs the published table, vs librosa 0.11): about 10x the worst error
#: over the 50 clips, rounded up; the table's bars are never looser than the former 0.1 for all columns.
#: The measured figures (table, librosa) are the worst clip's. The table is an older librosa's output,
#: hence its ~1e-2 errors; against librosa 0.11 the only differences are float32 rounding (~1e-7)
#: except where noted.
BARS = {
    "chroma_stft_mean": (0.1, 5e-6),  # measured 0.014, 4.5e-7
    "chroma_stft_var": (0.1, 2e-5),  # measured 0.031, 1.2e-6
    "rms_mean": (0.08, 4e-6),  # measured 0.0073, 3.9e-7
    "rms_var": (0.1, 3e-6),  # measured 0.021, 2.3e-7
    "spectral_centroid_mean": (0.04, 7e-8),  # measured 0.0039, 6.2e-9
    "spectral_centroid_var": (0.1, 2e-7),  # measured 0.014, 1.6e-8
    "spectral_bandwidth_mean": (0.05, 4e-7),  # measured 0.0043, 3.2e-8
    "spectral_bandwidth_var": (0.1, 4e-6),  # measured 0.012, 3.6e-7
    # roll-off is a bin index: where the cumulative energy ties the 85 % threshold to float32 rounding,
    # one frame lands one bin (10.8 Hz) away. 5.3e-6 is exactly one such frame in one clip; the bar
    # allows ~10 of them. (Every frame one bin low, an off-by-one, is 6.8e-3; a 0.86 threshold 0.16.)
    "rolloff_mean": (0.05, 6e-5),  # measured 0.0048, 5.3e-6
    "rolloff_var": (0.06, 3e-4),  # measured 0.0056, 2.2e-5
    # integer crossing counts: identical to librosa's, 1e-9 is only float64 rounding room
    # (one crossing more in one frame of one clip is ~1e-5 std)
    "zero_crossing_rate_mean": (0.05, 1e-9),  # measured 0.0046, 0
    "zero_crossing_rate_var": (0.1, 1e-9),  # measured 0.014, 0
    "harmony_mean": (0.1, 9e-7),  # measured 0.013, 8.2e-8
    "harmony_var": (0.1, 3e-6),  # measured 0.013, 2.7e-7
    "perceptr_mean": (0.1, 4e-6),  # measured 0.025, 3.5e-7
    "perceptr_var": (0.1, 5e-6),  # measured 0.011, 4.1e-7
    "mfcc1_mean": (0.05, 3e-6),  # measured 0.0046, 2.4e-7
    "mfcc1_var": (0.05, 3e-6),  # measured 0.0048, 2.5e-7
    "mfcc2_mean": (0.04, 5e-6),  # measured 0.0036, 4.5e-7
    "mfcc2_var": (0.09, 3e-6),  # measured 0.0089, 2.3e-7
    "mfcc3_mean": (0.1, 2e-6),  # measured 0.01, 1.5e-7
    "mfcc3_var": (0.09, 3e-6),  # measured 0.0086, 2.4e-7
    "mfcc4_mean": (0.1, 3e-6),  # measured 0.016, 2.6e-7
    "mfcc4_var": (0.1, 4e-6),  # measured 0.037, 3.8e-7
    "mfcc5_mean": (0.05, 3e-6),  # measured 0.0047, 2.8e-7
    "mfcc5_var": (0.1, 3e-6),  # measured 0.013, 2.7e-7
    "mfcc6_mean": (0.08, 4e-6),  # measured 0.0075, 3.7e-7
    "mfcc6_var": (0.1, 6e-6),  # measured 0.036, 5.2e-7
    "mfcc7_mean": (0.1, 4e-6),  # measured 0.011, 3.4e-7
    "mfcc7_var": (0.1, 5e-6),  # measured 0.014, 4.4e-7
    "mfcc8_mean": (0.04, 3e-6),  # measured 0.0032, 2.9e-7
    "mfcc8_var": (0.1, 4e-6),  # measured 0.016, 3.7e-7
    "mfcc9_mean": (0.04, 4e-6),  # measured 0.0033, 3.3e-7
    "mfcc9_var": (0.1, 5e-6),  # measured 0.027, 4.4e-7
    "mfcc10_mean": (0.06, 3e-6),  # measured 0.0056, 2.5e-7
    "mfcc10_var": (0.1, 6e-6),  # measured 0.018, 5.7e-7
    "mfcc11_mean": (0.09, 4e-6),  # measured 0.009, 3.3e-7
    "mfcc11_var": (0.1, 3e-6),  # measured 0.033, 3.0e-7
    "mfcc12_mean": (0.08, 2e-6),  # measured 0.0074, 2.0e-7
    "mfcc12_var": (0.1, 8e-6),  # measured 0.015, 7.4e-7
    "mfcc13_mean": (0.1, 3e-6),  # measured 0.018, 2.5e-7
    "mfcc13_var": (0.1, 5e-6),  # measured 0.018, 4.8e-7
    "mfcc14_mean": (0.07, 4e-6),  # measured 0.0062, 3.2e-7
    "mfcc14_var": (0.08, 6e-6),  # measured 0.0079, 5.3e-7
    "mfcc15_mean": (0.1, 4e-6),  # measured 0.0098, 3.3e-7
    "mfcc15_var": (0.09, 6e-6),  # measured 0.0088, 5.7e-7
    "mfcc16_mean": (0.08, 4e-6),  # measured 0.0075, 3.1e-7
    "mfcc16_var": (0.1, 7e-6),  # measured 0.014, 6.9e-7
    "mfcc17_mean": (0.1, 3e-6),  # measured 0.024, 2.9e-7
    "mfcc17_var": (0.1, 9e-6),  # measured 0.033, 8.0e-7
    "mfcc18_mean": (0.1, 3e-6),  # measured 0.037, 2.3e-7
    "mfcc18_var": (0.1, 5e-6),  # measured 0.06, 4.4e-7
    "mfcc19_mean": (0.1, 2e-6),  # measured 0.03, 2.0e-7
    "mfcc19_var": (0.1, 4e-6),  # measured 0.035, 3.1e-7
    "mfcc20_mean": (0.1, 3e-6),  # measured 0.017, 2.4e-7
    "mfcc20_var": (0.1, 5e-6),  # measured 0.015, 4.1e-7
}
assert list(BARS) == [c for c in GTZAN57.columns if c != "tempo"]
TABLE_BARS = np.array([BARS.get(c, (np.inf, np.inf))[0] for c in GTZAN57.columns])
LIBROSA_BARS = np.array([BARS.get(c, (np.inf, np.inf))[1] for c in GTZAN57.columns])

#: mfcc13 on the clips, per coefficient, in the clips' own std of that coefficient: ~10x the worst clip
#: measured 2.3e-7 5.3e-7 4.2e-7 3.6e-7 2.7e-7 3.8e-7 2.7e-7 4.3e-7 5.4e-7 3.1e-7 3.6e-7 3.1e-7 3.4e-7
MFCC13_BARS = np.array([3e-6, 6e-6, 5e-6, 4e-6, 3e-6, 4e-6, 3e-6, 5e-6, 6e-6, 4e-6, 4e-6, 4e-6, 4e-6])


def librosa_oracle(path: str) -> tuple[np.ndarray, np.ndarray]:
    """gtzan57 and mfcc13 of one clip with librosa 0.11 defaults (runs in a worker process)."""
    y = load_audio(path, SR)
    values = librosa_gtzan57(y, SR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m13 = librosa.feature.mfcc(y=y, sr=SR, n_mfcc=13)
    n = m13.shape[1]
    return values, m13[:, int(n * 0.1) : int(n * 0.9)].mean(axis=1)


@pytest.fixture(scope="module")
def table(gtzan_csv: Path) -> tuple[list[str], dict[str, np.ndarray], np.ndarray]:
    with open(gtzan_csv, newline="") as fh:
        rows = list(csv.reader(fh))
    values = {r[0]: np.array([float(v) for v in r[2:-1]]) for r in rows[1:]}
    std = np.array(list(values.values())).std(axis=0)
    assert len(values) == 1000
    return rows[0][2:-1], values, std


@pytest.fixture(scope="module")
def oracle_jobs(gtzan_clip_paths: list[Path]):
    """Start librosa on every clip in 2 worker processes; our extractor runs meanwhile in this one."""
    # librosa takes ~2 s a clip. "spawn" keeps the workers clean of whatever this process holds (Qt).
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
        yield [pool.submit(librosa_oracle, str(p)) for p in gtzan_clip_paths]


@pytest.fixture(scope="module")
def ours(oracle_jobs, gtzan_clip_paths: list[Path]) -> tuple[np.ndarray, np.ndarray]:
    g, m = [], []
    for p in gtzan_clip_paths:
        y = load_audio(p, SR)
        g.append(GTZAN57.extract(y, SR))
        m.append(MFCC13.extract(y, SR))
    return np.array(g), np.array(m)


@pytest.fixture(scope="module")
def oracle(oracle_jobs) -> tuple[np.ndarray, np.ndarray]:
    results = [job.result() for job in oracle_jobs]
    return np.array([r[0] for r in results]), np.array([r[1] for r in results])


def _clip_ids(paths: list[Path]) -> list[str]:
    return [p.name.replace(".flac", ".wav") for p in paths]


def _worst(err: np.ndarray, bars: np.ndarray, clips: list[str]) -> str:
    """The column furthest over its bar (relative to the bar), on its worst clip."""
    i, j = np.unravel_index(np.argmax(err / bars), err.shape)
    return f"{GTZAN57.columns[j]} on {clips[i]}: {err[i, j]:.3g} std (bar {bars[j]:.0e})"


def test_columns_are_the_tables(table):
    header, _, _ = table
    assert header == GTZAN57.columns


def test_within_a_tenth_of_a_std_of_the_published_table(ours, table, gtzan_clip_paths):
    _, values, std = table
    clips = _clip_ids(gtzan_clip_paths)
    ref = np.array([values[c] for c in clips])
    err = np.abs(ours[0] - ref) / std
    # the table's tempo came from an older librosa (octave errors, measured 3.9 std): not comparable
    err[:, TEMPO] = 0.0
    assert np.all(err <= TABLE_BARS), _worst(err, TABLE_BARS, clips)


def test_each_column_within_its_bar_of_librosa(ours, oracle, table, gtzan_clip_paths):
    _, _, std = table
    clips = _clip_ids(gtzan_clip_paths)
    err = np.abs(ours[0] - oracle[0]) / std
    err[:, TEMPO] = 0.0  # tempo is a discrete argmax: checked clip by clip below
    assert np.all(err <= LIBROSA_BARS), _worst(err, LIBROSA_BARS, clips)


def test_tempo_equals_librosas_on_every_clip(ours, oracle, gtzan_clip_paths):
    # measured: the same BPM on 50 of 50 clips (bit-identical). Tempo is an argmax over lags, but the
    # narrowest margin to the runner-up (classical.00004, 6e-4 in the log score) is 1e4 times the rounding
    # difference from librosa's score (measured 6e-8), so no clip may differ. (The former bar, within 2 %
    # on 9 clips of 10, let 5 clips have any tempo at all.)
    ours_bpm, ref_bpm = ours[0][:, TEMPO], oracle[0][:, TEMPO]
    agree = np.isclose(ours_bpm, ref_bpm, rtol=1e-9, atol=0.0)
    off = [f"{c}: {a:.2f} vs {b:.2f}" for c, a, b, ok in
           zip(_clip_ids(gtzan_clip_paths), ours_bpm, ref_bpm, agree, strict=True) if not ok]
    assert agree.all(), f"tempo differs on {len(off)} of {len(agree)} clips: {off}"


def test_mfcc13_matches_librosa_on_real_clips(ours, oracle):
    # scale: the spread of the clips' own values, so the bar means the same for every coefficient
    scale = oracle[1].std(axis=0)
    err = np.abs(ours[1] - oracle[1]) / scale
    worst = int(np.argmax(err.max(axis=0) / MFCC13_BARS))
    assert np.all(err <= MFCC13_BARS), (
        f"mfcc{worst + 1}: max error {err[:, worst].max():.3g} of the clips' std "
        f"(bar {MFCC13_BARS[worst]:.0e})"
    )
