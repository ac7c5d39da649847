"""Fixtures for the audio tests: a fake sounddevice backend and the real PulseAudio virtual devices."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fake_sounddevice import FakeSoundDevice  # noqa: E402

from genre_gui.audio import backend  # noqa: E402

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture
def fake_sd():
    """Install a fake sounddevice for the test; restore the real lazy import afterwards."""
    fake = FakeSoundDevice()
    backend.set_backend(fake)
    yield fake
    backend.reset_backend()


def require_pulse() -> None:
    """Skip unless scripts/with_pulse.sh started the virtual devices; fail under CI=true."""
    if os.environ.get("GENRE_GUI_PULSE") != "1":
        msg = "needs the PulseAudio virtual devices (run under scripts/with_pulse.sh)"
        if IN_CI:
            pytest.fail(msg + " and CI=true: they must be available")
        pytest.skip(msg)


@pytest.fixture
def pulse():
    require_pulse()
    backend.reset_backend()
    yield
    backend.reset_backend()


@pytest.fixture
def sine_source(pulse):
    """A 440 Hz PulseAudio source set as the default input; removed (and virtmic restored) afterwards."""
    out = subprocess.run(
        ["pactl", "load-module", "module-sine-source", "source_name=sine440", "frequency=440"],
        capture_output=True, text=True, check=True,
    )
    module = out.stdout.strip()
    subprocess.run(["pactl", "set-default-source", "sine440"], check=True)
    yield 440.0
    subprocess.run(["pactl", "set-default-source", "virtmic"], check=False)
    subprocess.run(["pactl", "unload-module", module], check=False)


def trained_pipeline():
    """The bundled default model (musicnn), as ``(pipeline, is_default)``; it always ships with the app."""
    from genre_gui.assets import DEFAULT_MODEL
    from genre_gui.core.persistence import load_pipeline

    return load_pipeline(DEFAULT_MODEL), True


@pytest.fixture(scope="session")
def live_pipeline():
    return trained_pipeline()
