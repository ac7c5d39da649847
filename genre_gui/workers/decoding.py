"""Decode an audio file for playback in a worker: a long file (up to 20 minutes) takes seconds to decode,
which must never happen on the GUI thread."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from ..audio.streams import FilePlayer
from .base import Worker


@dataclass(frozen=True)
class DecodedFile:
    """A decoded file, ready to play: the ``path`` asked for, its ``player`` and the decoding time."""

    path: str
    player: FilePlayer
    elapsed_seconds: float


class FileDecodeWorker(Worker):
    """Produces a :class:`DecodedFile` (``finished``), or ``failed(str)`` with the file and the reason.

    Decoding itself cannot be interrupted; a job cancelled meanwhile closes what it decoded and emits
    ``cancelled()`` instead of handing out a player nobody wants.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        super().__init__()
        self.path = str(path)

    def work(self) -> DecodedFile:
        self.check_cancelled()
        t0 = time.perf_counter()
        player = FilePlayer.from_file(self.path)
        if self.is_cancelled():
            player.close()
            self.check_cancelled()
        return DecodedFile(self.path, player, time.perf_counter() - t0)
