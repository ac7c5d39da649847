"""Typed errors of the live-audio layer; each message is fit to show a user as is."""

from __future__ import annotations

from genre_gui.core.errors import GenreGuiError

__all__ = [
    "LiveAudioError",
    "PortAudioMissingError",
    "NoInputDeviceError",
    "InvalidDeviceError",
    "DeviceLostError",
    "StreamOpenError",
]


class LiveAudioError(GenreGuiError):
    """Base of every live-audio failure (playback or recording); the GUI shows the message."""


class PortAudioMissingError(LiveAudioError):
    """The PortAudio library (or the sounddevice package) cannot be loaded or initialised."""


class NoInputDeviceError(LiveAudioError):
    """The system has no recording device at all."""


class InvalidDeviceError(LiveAudioError):
    """A device name or index does not match any device (for example one remembered from another run)."""


class DeviceLostError(LiveAudioError):
    """A device stopped delivering audio while a stream was running (unplugged, server restarted)."""


class StreamOpenError(LiveAudioError):
    """PortAudio refused to open or start a stream with the requested settings."""
