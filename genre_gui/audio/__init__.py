"""Real-time audio without Qt: ring buffer, microphone and file-playback streams, device listing.

``sounddevice`` (and so PortAudio) is imported lazily by :mod:`genre_gui.audio.backend` on first use,
never when this package is imported, so a missing PortAudio cannot stop the app from starting.
"""
