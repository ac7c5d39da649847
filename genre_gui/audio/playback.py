"""Play a clip through sounddevice, imported lazily: without PortAudio or an output device the app only
says so (returns a message) and carries on. No Qt: the UI calls it from a worker (workers/playback.py)."""

from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)

#: never decode more than this for a preview
MAX_PREVIEW_SECONDS = 60.0


def play_clip(path: str) -> str:
    """Start playing ``path`` (non-blocking) and return a status-bar message saying what happened."""
    if not path or not os.path.isfile(path):
        return f"No audio file for {os.path.basename(path) or 'this row'} (feature tables have no audio)"
    try:
        import sounddevice as sd
    except (OSError, ImportError) as exc:  # PortAudio library missing
        return f"Cannot play audio: PortAudio is not available ({exc})"
    try:
        sd.query_devices(kind="output")
    except Exception as exc:  # noqa: BLE001 - no default output device, or PortAudio errors
        return f"Cannot play audio: no output device ({exc})"
    from ..core.audio_io import load_audio
    from ..core.errors import AudioError

    try:
        y = load_audio(path, sr=22050, max_seconds=None)[: int(MAX_PREVIEW_SECONDS * 22050)]
    except AudioError as exc:
        return f"Cannot play: {exc}"
    try:
        sd.stop()
        sd.play(y, 22050)
    except Exception as exc:  # noqa: BLE001 - a device can vanish between the query and the play
        return f"Cannot play audio: {exc}"
    return f"Playing {os.path.basename(path)}"


def stop_playback() -> None:
    import sys

    sd = sys.modules.get("sounddevice")  # only if it was ever imported
    if sd is not None:
        try:
            sd.stop()
        except Exception:  # noqa: BLE001 - stopping is best effort at shutdown
            pass
