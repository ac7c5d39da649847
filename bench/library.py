"""The library job on a generated library: the shared GTZAN clips re-encoded as MP3, AAC .m4a, Ogg Vorbis
and FLAC at 44.1 kHz stereo (PyAV's encoders, each copy at its own gain so no two files are alike).

Prints ratios measured in this run: files/s of the 2-process pool against one process (target >= 1.7),
a second run over the unchanged tree against the first (target >= 20x faster), and the main process's
resident memory growth from file 100 to file 400 (target <= 50 MB; needs --files 400).

    python bench/library.py [--files N] [--jobs 2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CLIPS = ROOT.parent / "shared" / "data" / "gtzan_clips"
FORMATS = ((".mp3", "mp3", "libmp3lame", {}), (".m4a", "ipod", "aac", {}),
           (".ogg", "ogg", "vorbis", {"strict": "experimental"}), (".flac", "flac", "flac", {}))


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


def make_library(folder: Path, n: int) -> list[Path]:
    import soundfile as sf

    from genre_gui.core.audio_io import resample
    from tests.core.encoded_audio import encode

    clips = sorted(CLIPS.glob("*/*.flac"))
    out = []
    for i in range(n):
        clip = clips[i % len(clips)]
        ext, fmt, codec, options = FORMATS[i % len(FORMATS)]
        y, sr = sf.read(clip, dtype="float64")
        y = resample(y, sr, 44100) * (0.5 + 0.4 * ((i * 37) % 100) / 100)
        stereo = np.stack([y, np.roll(y, 11)]).astype(np.float32)
        p = folder / clip.parent.name / f"{i:04d}_{clip.stem}{ext}"
        p.parent.mkdir(parents=True, exist_ok=True)
        out.append(encode(p, stereo, 44100, fmt, codec, options))
    return out


def run(folder: Path, pipe, n_jobs: int, state: Path | None) -> tuple[float, int, list[float]]:
    from genre_gui.core.library import LibraryJob

    rss = []
    t0 = time.perf_counter()
    job = LibraryJob([folder], pipe, state=state, n_jobs=n_jobs)
    n = 0
    for r in job.run():
        n += 1
        rss.append(_rss_mb())
        if not r.ok:
            print("  failed:", r.error)
    return time.perf_counter() - t0, n, rss


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=40)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    if not CLIPS.exists():
        print(f"{CLIPS} not found: nothing to measure")
        return 0
    from genre_gui.assets import DEFAULT_MODEL
    from genre_gui.core.persistence import load_pipeline

    pipe = load_pipeline(DEFAULT_MODEL)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "library"
        t0 = time.perf_counter()
        make_library(folder, args.files)
        print(f"library: {args.files} files (MP3, AAC .m4a, Ogg Vorbis, FLAC; 44.1 kHz stereo) made in "
              f"{time.perf_counter() - t0:.0f} s")
        one, n1, _ = run(folder, pipe, 0, None)
        pool, n2, rss = run(folder, pipe, args.jobs, Path(tmp) / "state.sqlite")
        again, n3, _ = run(folder, pipe, args.jobs, Path(tmp) / "state.sqlite")
    assert n1 == n2 == n3 == args.files
    print(f"one process: {n1 / one:.2f} files/s; {args.jobs}-process pool: {n2 / pool:.2f} files/s")
    print(f"pool / one process: {one / pool:.2f}x (target >= 1.7)")
    print(f"second run over the unchanged tree: {pool / again:.0f}x faster than the first (target >= 20)")
    if len(rss) >= 400:
        print(f"resident memory growth from file 100 to 400: {rss[399] - rss[99]:+.1f} MB (target <= 50)")
    else:
        print(f"resident memory: {rss[0]:.0f} MB after the first file, {rss[-1]:.0f} MB after the last "
              "(--files 400 for the 100-to-400 figure)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
