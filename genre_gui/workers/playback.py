"""Decode and start playing a clip off the GUI thread (decoding 30 s of audio is not GUI work)."""

from __future__ import annotations

from .base import Worker


class PlaybackWorker(Worker):
    """``finished(str)``: the status-bar message saying what happened (playing, or why not)."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def work(self) -> str:
        from ..audio.playback import play_clip

        return play_clip(self.path)
