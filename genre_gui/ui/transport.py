"""One sound transport for every tab: Space plays or pauses the song in the Live panel (the selected
answer's song when none is loaded), Stop silences everything the app plays, Listen starts the microphone.
Nothing plays unless the person asks (opening or dropping a song only loads it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from ..audio.playback import stop_playback

if TYPE_CHECKING:
    from .live.live_dock import LiveDock
    from .panels.home_panel import HomePanel


class Transport(QObject):
    """Signals: ``message(text, timeout_ms)``. ``raise_panel(key)`` brings a dock to the front."""

    message = Signal(str, int)

    def __init__(self, live: LiveDock, home: HomePanel, raise_panel: Callable[[str], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.live, self.home, self.raise_panel = live, home, raise_panel

    def toggle_play(self) -> None:
        """Space, from any tab: pause what plays; else play the song of the answer selected on Home (loaded
        first when another file is in the Live panel); else play the Live panel's file."""
        panel = self.live.panel
        if panel is None:
            self.message.emit("Playback is not ready yet (or there is no audio output here)", 5000)
            return
        selected = self.home.selected_path()
        playing = panel.player is not None and panel.player.state == "playing"
        loaded = panel.file_path
        if selected and not playing and selected != loaded:
            panel.play_file(selected, play=True)
            return
        if not panel.toggle_play():
            self.message.emit("Nothing to play: classify a song or open one in the Live panel", 5000)

    def stop(self) -> None:
        """Stop the Live panel's song and a clip played from a table."""
        if self.live.panel is not None:
            self.live.panel.stop_playback()
        stop_playback()

    def listen(self) -> None:
        """Classify the microphone: the Live panel, recording."""
        self.raise_panel("live")
        if self.live.panel is None:
            self.message.emit("Live audio is not ready yet (or there is no audio input here)", 6000)
            return
        self.live.panel.start_microphone()
