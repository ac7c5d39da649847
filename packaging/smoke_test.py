"""Runs the built bundle offscreen with --smoke; fails on a non-zero exit or any traceback, or when a file
of resources/ is missing from the bundle."""

from __future__ import annotations

import math
import os
import struct
import subprocess
import sys
import tempfile
import tomllib
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    exe = ROOT / "dist" / f"genre-gui-{version}" / "genre-gui"
    if not exe.exists():
        print(f"smoke_test: {exe} not found; run 'make bundle'", file=sys.stderr)
        return 1
    # genre_gui/assets.py looks for them in <bundle>/resources, i.e. sys._MEIPASS (PyInstaller's _internal/)
    bundled = exe.parent / "_internal" / "resources"
    missing = [str(p.relative_to(ROOT / "resources")) for p in sorted((ROOT / "resources").rglob("*"))
               if p.is_file() and not (bundled / p.relative_to(ROOT / "resources")).is_file()]
    if missing:
        print(f"smoke_test: FAILED: not in {bundled}: {', '.join(missing)}", file=sys.stderr)
        return 1
    print(f"smoke_test: ok resources ({bundled.relative_to(ROOT)})")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    # a steady 440 Hz tone: the frozen app must find the network's weights, resample with soxr and say
    # "not music", which exercises the default model end to end inside the bundle
    tone = Path(tempfile.mkdtemp(prefix="genre_gui_smoke_")) / "tone.wav"
    with wave.open(str(tone), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(44100)
        w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / 44100)))
                               for i in range(4 * 44100)))
    checks = [([str(exe), "--smoke"], None), ([str(exe), "--version"], version),
              ([str(exe), "--smoke", str(tone)], "not music")]
    for cmd, expect in checks:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
        out = proc.stdout + proc.stderr
        if proc.returncode != 0 or "Traceback" in out:
            print(f"smoke_test: FAILED {' '.join(cmd)} (exit {proc.returncode})\n{out}", file=sys.stderr)
            return 1
        if expect and expect not in out:
            print(f"smoke_test: FAILED {' '.join(cmd)}: {expect!r} not in output {out!r}", file=sys.stderr)
            return 1
        print(f"smoke_test: ok {' '.join(cmd[1:])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
