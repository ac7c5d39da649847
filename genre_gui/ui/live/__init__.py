"""The live panel: spectrum and spectrogram of a playing file or the microphone, and live classification.

Import :class:`genre_gui.ui.live.live_panel.LivePanel` from its module (this package imports nothing
heavy, so importing it never touches PortAudio).
"""
