"""Soak test of the live microphone path: PulseAudio's 440 Hz sine source -> MicStream -> ring buffer ->
display (spectrum + spectrogram at ~60 fps) + live classification every 0.5 s, for 10 minutes by default.

Prints RSS every minute, callback overflows and the number of classifications. Targets: RSS growth
<= 5 MB after the warm-up (the first minute), zero input overflows at the default block size.
Needs the virtual devices: ``bash scripts/with_pulse.sh .venv/bin/python bench/soak.py [--seconds N]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from live import SineSource, pulse_available, train_pipeline  # noqa: E402

RSS_TARGET_MB = 5.0


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


@dataclass
class SoakResult:
    seconds: float
    warmup: float
    rss: list[tuple[float, float]] = field(default_factory=list)  # (t, MB)
    rss_at_warmup: float = float("nan")
    input_overflows: int = 0
    ring_overflows: int = 0
    classifications: int = 0
    callbacks: int = 0
    errors: list[str] = field(default_factory=list)
    display_ticks: int = 0

    @property
    def rss_growth(self) -> float:
        return self.rss[-1][1] - self.rss_at_warmup if self.rss else float("nan")

    @property
    def rss_peak_growth(self) -> float:
        """Largest RSS seen after the warm-up minus the RSS at the warm-up (allocator swings included)."""
        after = [mb for t, mb in self.rss if t >= self.warmup]
        return max(after) - self.rss_at_warmup if after else float("nan")

    @property
    def passed(self) -> bool:
        return (self.rss_growth <= RSS_TARGET_MB and self.input_overflows == 0 and self.ring_overflows == 0
                and self.classifications > 0 and not self.errors)


def run_soak(seconds: float, report_every: float = 60.0, warmup: float = 60.0, window: float = 30.0,
             out=print) -> SoakResult:
    """Run the soak in this process (a QApplication must exist); returns the figures."""
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from genre_gui.ui.live.live_panel import LivePanel

    app = QApplication.instance()
    assert app is not None, "create a QApplication first"

    def wait(s: float) -> None:
        loop = QEventLoop()
        QTimer.singleShot(int(s * 1000), loop.quit)
        loop.exec()

    result = SoakResult(seconds, warmup)
    pipeline, what = train_pipeline()
    with SineSource():
        panel = LivePanel(settings=None, classifier_window=window)
        panel.resize(1200, 700)
        panel.show()
        panel.set_pipeline(pipeline)
        panel.status_message.connect(lambda m: None)
        panel.classifier.failed.connect(result.errors.append)
        counted = []
        panel.classifier.classified.connect(lambda p: counted.append(p.index))
        t_probe = time.monotonic()
        while panel.device_combo.count() == 0 and time.monotonic() - t_probe < 10:
            wait(0.1)
        i = panel.rate_combo.findData(48000)
        if i >= 0:
            panel.rate_combo.setCurrentIndex(i)
        if not panel.start_microphone():
            raise RuntimeError(f"could not start the microphone: {panel.error_text}")
        mic = panel.mic

        def settled_rss() -> float:
            # sample just after a classification finished, so the worker's temporaries (tens of MB for
            # a 30 s window) are freed: the figure tracks what stays allocated, not where a job was
            before = len(counted)
            t_wait = time.monotonic()
            while len(counted) == before and time.monotonic() - t_wait < 3.0:
                wait(0.02)
            return rss_mb()

        out(f"soak: {seconds:.0f} s, sine440 at {mic.samplerate} Hz, block {mic.blocksize}, "
            f"classifier window {window:.0f} s ({what}); warm-up {warmup:.0f} s")
        t0 = time.monotonic()
        result.rss.append((0.0, rss_mb()))
        out(f"  t={0:5.0f} s  RSS {result.rss[-1][1]:7.1f} MB")
        next_report = report_every
        warm_done = False
        while True:
            elapsed = time.monotonic() - t0
            if elapsed >= seconds:
                break
            step = min(next_report, seconds, warmup if not warm_done else seconds) - elapsed
            wait(max(step, 0.05))
            elapsed = time.monotonic() - t0
            if not warm_done and elapsed >= warmup:
                warm_done = True
                result.rss_at_warmup = settled_rss()
            if elapsed >= next_report or elapsed >= seconds:
                rss = settled_rss()
                result.rss.append((elapsed, rss))
                out(f"  t={elapsed:5.0f} s  RSS {rss:7.1f} MB  overflows {mic.stats.input_overflows}  "
                    f"classifications {len(counted)}  callbacks {mic.stats.callbacks}")
                next_report += report_every
            if panel.error_text:
                result.errors.append(panel.error_text)
                break
        result.input_overflows = mic.stats.input_overflows
        result.ring_overflows = mic.ring.overflows
        result.callbacks = mic.stats.callbacks
        result.classifications = len(counted)
        result.display_ticks = panel.spectrum.frames_drawn
        if not warm_done:
            result.rss_at_warmup = result.rss[0][1]
        panel.shutdown()
        panel.close()
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--report-every", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=60.0)
    parser.add_argument("--window", type=float, default=30.0, help="live classification window (s)")
    args = parser.parse_args(argv[1:])
    if not pulse_available():
        print("soak: needs the PulseAudio virtual devices: bash scripts/with_pulse.sh .venv/bin/python "
              "bench/soak.py", file=sys.stderr)
        return 2
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    _app = QApplication.instance() or QApplication([])
    r = run_soak(args.seconds, args.report_every, args.warmup, args.window)
    print(f"\nRSS growth after the {r.warmup:.0f} s warm-up: {r.rss_growth:+.2f} MB "
          f"(target <= {RSS_TARGET_MB:.0f} MB): {'PASS' if r.rss_growth <= RSS_TARGET_MB else 'FAIL'}; "
          f"largest swing above it {r.rss_peak_growth:+.2f} MB")
    print(f"input overflows: {r.input_overflows}, ring overflows: {r.ring_overflows} (target 0): "
          f"{'PASS' if r.input_overflows == 0 and r.ring_overflows == 0 else 'FAIL'}")
    print(f"classifications: {r.classifications} in {r.seconds:.0f} s "
          f"({r.classifications / r.seconds:.2f}/s); callbacks {r.callbacks}; "
          f"display frames {r.display_ticks}")
    if r.errors:
        print("errors: " + "; ".join(r.errors))
    return 0 if r.passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
