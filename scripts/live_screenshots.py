"""Screenshots of the live panel for ``make screenshots`` (a developer tool, kept out of the shipped package).

``save_live_screenshots(out_dir, clip)`` writes ``live_file.png`` (a file opened, then played with Play:
the spectrum following the playhead with the cursor readout shown at 440 Hz, the level meter, its genre)
and, when the PulseAudio virtual devices run (``GENRE_GUI_PULSE=1``, see scripts/with_pulse.sh),
``live_microphone_silence.png`` (the virtual microphone with nothing played into it: "no signal") and
``live_microphone_sine.png`` (a 440 Hz sine played into the virtual sink and recorded from it, classified
live). Call it with a QApplication running, as scripts/screenshots.py does.
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

    def shoot(name: str) -> None:
        path = out / name
        panel.grab().save(str(path))
        written.append(path)

    try:
        process_events(5.0, until=lambda: panel.device_combo.count() > 0 or panel.error_text, interval=0.005)
        ended: list[str] = []  # play_file decodes in a worker: wait for its outcome first
        panel.file_loaded.connect(ended.append)
        panel.file_failed.connect(ended.append)
        panel.play_file(clip)  # shown and classified, silent until Play
        process_events(60.0, until=lambda: bool(ended), interval=0.005)
        panel.play()
        process_events(4.0, interval=0.005)
        # the readout the mouse shows over the spectrum (no pointer on a virtual screen: placed by hand)
        panel.spectrum.show_cursor(440.0)
        process_events(0.3, interval=0.005)
        shoot("live_file.png")
        panel.spectrum.show_cursor(None)
        panel.stop_playback()
        if os.environ.get("GENRE_GUI_PULSE") == "1":
            subprocess.run(["pactl", "set-default-source", "virtmic"], check=False)
            panel.refresh_devices()
            process_events(3.0, until=lambda: panel.device_combo.count() > 0, interval=0.005)
            # nothing played into the virtual sink: the microphone records digital silence
            if panel.start_microphone():
                process_events(4.0, interval=0.005)
                shoot("live_microphone_silence.png")
                panel.stop_microphone()
            # a sine played into vsink and recorded from virtmic, as a real microphone (module-sine-source
            # would deliver 2-s blocks)
            module = subprocess.run(
                ["pactl", "load-module", "module-sine", "sink=vsink", "frequency=440"],
                capture_output=True, text=True, check=True,
            ).stdout.strip()
            try:
                if panel.start_microphone():
                    process_events(8.0, interval=0.005)
                    panel.spectrum.show_cursor(880.0)
                    process_events(0.3, interval=0.005)
                    shoot("live_microphone_sine.png")
            finally:
                panel.stop_microphone()
                subprocess.run(["pactl", "unload-module", module], check=False)
    finally:
        panel.shutdown()
        panel.close()
    return written
