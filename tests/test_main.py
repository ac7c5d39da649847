"""The GUI entry point: ``python -m genre_gui --smoke`` starts the real window and exits 0."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from genre_gui import __version__


def _env(tmp_path):
    env = dict(os.environ)
    env.update(QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_CACHE_HOME=str(tmp_path / "cache"), HOME=str(tmp_path))
    return env


def test_version(tmp_path):
    out = subprocess.run([sys.executable, "-m", "genre_gui", "--version"], capture_output=True, text=True,
                         timeout=60, env=_env(tmp_path))
    assert out.returncode == 0
    assert out.stdout.strip() == f"genre-gui {__version__}"


@pytest.mark.timeout(120)
def test_smoke_starts_window_loads_demo_and_exits_zero(tmp_path):
    out = subprocess.run([sys.executable, "-m", "genre_gui", "--smoke"], capture_output=True, text=True,
                         timeout=110, env=_env(tmp_path))
    assert out.returncode == 0, out.stderr  # --smoke returns 1 when the demo dataset did not load
    assert "Traceback" not in out.stderr
    # settings were written to the isolated config folder, not the user's
    assert (tmp_path / "config" / "genre_gui" / "genre_gui.ini").exists()
