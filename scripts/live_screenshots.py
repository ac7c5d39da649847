"""Screenshots of the live panel for ``make screenshots`` (a developer tool, kept out of the shipped package).

``save_live_screenshots(out_dir, clip)`` writes ``live_file.png`` (a file playing, the spectrum following
the playhead, its genre shown) and, when the PulseAudio virtual devices run (``GENRE_GUI_PULSE=1``,
see scripts/with_pulse.sh), ``live_microphone_sine.png`` (the microphone fed by the 440 Hz sine source,
classified live). Call it with a QApplication running, as scripts/screenshots.py does.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from genre_gui.ui.event_loop import process_events

__all__ = ["save_live_screenshots"]


def save_live_screenshots(out_dir: str | os.PathLike, clip: str | os.PathLike, pipeline: Any = None,
                          size: tuple[int, int] = (1400, 820)) -> list[Path]:
    """Save PNGs of the live panel; returns the paths written."""
    from genre_gui.ui.live.live_panel import LivePanel

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    panel = LivePanel(settings=None)
    panel.resize(*size)
    panel.show()
    if pipeline is not None:
        panel.set_pipeline(pipeline)
    try:
        process_events(5.0, until=lambda: panel.device_combo.count() > 0 or panel.error_text, interval=0.005)
        ended: list[str] = []  # play_file decodes in a worker: wait for its outcome first
        panel.file_loaded.connect(ended.append)
        panel.file_failed.connect(ended.append)
        panel.play_file(clip)
        process_events(60.0, until=lambda: bool(ended), interval=0.005)
        process_events(4.0, interval=0.005)
        path = out / "live_file.png"
        panel.grab().save(str(path))
        written.append(path)
        panel.stop_playback()
        if os.environ.get("GENRE_GUI_PULSE") == "1":
            module = subprocess.run(
                ["pactl", "load-module", "module-sine-source", "source_name=sine440", "frequency=440"],
                capture_output=True, text=True, check=True,
            ).stdout.strip()
            subprocess.run(["pactl", "set-default-source", "sine440"], check=True)
            try:
                panel.refresh_devices()
                process_events(3.0, until=lambda: panel.device_combo.count() > 0, interval=0.005)
                if panel.start_microphone():
                    # the sine source delivers 2 s blocks: give the view and the classifier a few
                    process_events(8.0, interval=0.005)
                    path = out / "live_microphone_sine.png"
                    panel.grab().save(str(path))
                    written.append(path)
            finally:
                panel.stop_microphone()
                subprocess.run(["pactl", "set-default-source", "virtmic"], check=False)
                subprocess.run(["pactl", "unload-module", module], check=False)
    finally:
        panel.shutdown()
        panel.close()
    return written
