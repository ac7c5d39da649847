"""The 30-second soak: microphone (sine source) + display + live classification, memory and overflows."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from soak import RSS_TARGET_MB, run_soak  # noqa: E402

pytestmark = [pytest.mark.pulse, pytest.mark.slow, pytest.mark.timeout(120)]


def test_soak_30_seconds(qapp, pulse):
    lines = []
    # the classifier window saturates at 10 s, so the last 18 s are steady state for the RSS check
    r = run_soak(30.0, report_every=6.0, warmup=12.0, window=10.0, out=lines.append)
    report = "\n".join(lines)
    assert not r.errors, report + "\n" + "; ".join(r.errors)
    assert r.input_overflows == 0 and r.ring_overflows == 0, report
    assert r.classifications >= 30, report  # ~2 per second once 1 s of audio is in
    assert r.callbacks > 30 * 48000 / 1024 * 0.8, report
    # 30 s cannot resolve the 10-minute target (RSS_TARGET_MB, checked by bench/soak.py): the allocator
    # still settles here (CI saw +5.4 MB over these 18 s, the 10-minute run swings by ~12 MB). A leak per
    # classification or per callback still shows: ~45 classifications and ~850 callbacks in these 18 s,
    # so 0.4 MB per classification or 20 kB per callback would break this bound.
    assert r.rss_growth <= 3 * RSS_TARGET_MB, report
