"""Runs the built bundle offscreen with --smoke; fails on a non-zero exit or any traceback."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    exe = ROOT / "dist" / f"genre-gui-{version}" / "genre-gui"
    if not exe.exists():
        print(f"smoke_test: {exe} not found; run 'make bundle'", file=sys.stderr)
        return 1
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    checks = [([str(exe), "--smoke"], None), ([str(exe), "--version"], version)]
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
