"""The live panel: play a file or listen to the microphone, watch its spectrum and spectrogram, and see
the genre the current model hears. The widgets are here; streams, devices, decoding, the display timer
and the classifier are its :class:`~genre_gui.ui.live.live_session.LiveSession` (``panel.session``).

Contract for the main window::

    panel = LivePanel(parent, settings)     # settings: QSettings or None (nothing remembered)
    panel.bind(state)                       # classify with AppState.pipeline (else: set_pipeline(p))
    panel.status_message.connect(status_bar.showMessage)
    panel.play_file(path)                   # decode in a worker; then show and classify the whole file
    panel.play_file(path, play=True)        # ... and play it (opening a file never plays it by itself)
    panel.file_loaded / panel.file_failed   # when that load ended (path / message shown)
    panel.toggle_play()                     # the global transport's Space: play/pause the file, or stop
                                            # the microphone when it is what runs; False: nothing to do
    panel.stop_playback()                   # the global Stop: the file stops (rewound), the mic too
    panel.transport_state / transport_changed(str)   # "playing", "paused", "stopped", "recording", "idle"
    panel.shutdown()                        # on close: streams stopped, workers joined (idempotent)

Time axes: the newest audio is at the right edge, "0 s", older audio at negative seconds, for files and
the microphone alike (spectrogram and history strip).

PortAudio is touched only in a background probe and on user actions; when it (or a device) is missing
the panel says so, disables the live controls and everything else keeps working.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ...audio.devices import COMMON_SAMPLERATES, DeviceInfo
from ...audio.errors import LiveAudioError
from ...audio.streams import FilePlayer, MicStream
from ...core.audio_io import AUDIO_EXTENSIONS
from ...workers.live_classifier import LIVE_WINDOW_SECONDS, ClipPrediction, LiveClassifier, LivePrediction
from .classification_view import ClassificationView
from .level_meter import LevelMeter
from .live_session import DISPLAY_INTERVAL_MS, LiveSession, fmt_time
from .spectrogram_view import SpectrogramView
from .spectrum_view import FFT_SIZES, WINDOWS, SpectrumView

log = logging.getLogger(__name__)

__all__ = ["LivePanel", "DISPLAY_INTERVAL_MS"]

SPECTROGRAM_SECONDS = 10.0
#: a message (red error or grey notice) goes away after this long, or at the next successful action
MESSAGE_SECONDS = 12.0


class LivePanel(QWidget):
    """Spectrum, spectrogram and live genre of a playing file or the microphone."""

    status_message = Signal(str)
    #: a :meth:`play_file` load ended: the file is shown (and playing if audio works) / why it is not
    file_loaded = Signal(str)
    file_failed = Signal(str)
    #: :attr:`transport_state` changed (for the window's global transport buttons)
    transport_changed = Signal(str)

    def __init__(
        self,
        parent: QWidget | None = None,
        settings: QSettings | None = None,
        *,
        probe_devices: bool = True,
        classifier_window: float = LIVE_WINDOW_SECONDS,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("LivePanel")
        self._settings = settings
        self._updating_slider = False
        self.tick_seconds: deque[float] = deque(maxlen=600)  # main-thread cost of recent display ticks
        self.last_prediction: LivePrediction | None = None
        self.last_clip_prediction: ClipPrediction | None = None
        self.error_text = ""
        self.notice_text = ""
        self._transport = "idle"
        self.message_timer = QTimer(self)  # a message does not stay until the app is closed
        self.message_timer.setSingleShot(True)
        self.message_timer.setInterval(int(MESSAGE_SECONDS * 1000))
        self.message_timer.timeout.connect(self._clear_messages)
        self.session = LiveSession(self, classifier_window=classifier_window)
        self._build_ui()
        self._restore_settings()
        self._configure_views(48000)
        self._connect_session()
        self.setAcceptDrops(True)
        self.session.set_pipeline(None)
        if probe_devices:
            self.refresh_devices()

    # ---------------------------------------------------------------------------------------- layout
    def _build_ui(self) -> None:
        self.open_button = QPushButton("Open…")
        self.open_button.setToolTip("Choose an audio file to analyse (Play or Space plays it)")
        self.play_button = QPushButton("Play")
        self.stop_button = QPushButton("Stop")
        self.seek_slider = QSlider(Qt.Orientation.Horizontal)
        self.seek_slider.setEnabled(False)
        self.seek_slider.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.time_label = QLabel("0:00 / 0:00")
        self.file_label = QLabel("No file")
        self.file_label.setMinimumWidth(120)
        self.play_button.setEnabled(False)
        self.stop_button.setEnabled(False)
        file_row = QHBoxLayout()
        for w in (QLabel("File:"), self.open_button, self.play_button, self.stop_button, self.seek_slider,
                  self.time_label, self.file_label):
            file_row.addWidget(w)

        self.device_combo = QComboBox()
        self.device_combo.setMinimumWidth(200)
        self.device_combo.setToolTip("Recording device")
        self.rate_combo = QComboBox()
        self.rate_combo.setToolTip("Sample rate")
        self.rate_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Look for recording devices again")
        self.mic_button = QPushButton("Start microphone")
        self.mic_button.setCheckable(True)
        mic_row = QHBoxLayout()
        for w in (QLabel("Microphone:"), self.device_combo, self.rate_combo, self.refresh_button,
                  self.mic_button):
            mic_row.addWidget(w)
        mic_row.addStretch(1)

        self.fft_combo = QComboBox()
        for n in FFT_SIZES:
            self.fft_combo.addItem(str(n), n)
        self.window_combo = QComboBox()
        for label, name in WINDOWS.items():
            self.window_combo.addItem(label, name)
        self.peak_check = QCheckBox("Peak hold")
        self.reset_peak_button = QPushButton("Reset peak")
        view_row = QHBoxLayout()
        for w in (QLabel("FFT size:"), self.fft_combo, QLabel("Window:"), self.window_combo, self.peak_check,
                  self.reset_peak_button):
            view_row.addWidget(w)
        self.level_meter = LevelMeter(self)
        view_row.addSpacing(12)
        view_row.addWidget(QLabel("Level:"))
        view_row.addWidget(self.level_meter, 1)

        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message_label.hide()

        self.spectrum = SpectrumView(self)
        self.spectrogram = SpectrogramView(self)
        self.classification = ClassificationView(self)
        plots = QSplitter(Qt.Orientation.Vertical)
        plots.addWidget(self.spectrum)
        plots.addWidget(self.spectrogram)
        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(plots)
        main.addWidget(self.classification)
        main.setStretchFactor(0, 3)
        main.setStretchFactor(1, 1)

        layout = QVBoxLayout(self)
        layout.addLayout(file_row)
        layout.addLayout(mic_row)
        layout.addLayout(view_row)
        layout.addWidget(self.message_label)
        layout.addWidget(main, 1)

        self.open_button.clicked.connect(self._choose_file)
        self.play_button.clicked.connect(self.toggle_play)
        self.stop_button.clicked.connect(self.stop_playback)
        self.seek_slider.valueChanged.connect(self._on_slider)
        self.refresh_button.clicked.connect(lambda: self.refresh_devices(rescan=True))
        self.mic_button.clicked.connect(self._on_mic_button)
        self.device_combo.currentIndexChanged.connect(self._on_device_changed)
        self.fft_combo.currentIndexChanged.connect(self._on_view_settings)
        self.window_combo.currentIndexChanged.connect(self._on_view_settings)
        self.peak_check.toggled.connect(self._on_peak_hold)
        self.reset_peak_button.clicked.connect(self.spectrum.reset_peak)
        self._set_mic_controls_enabled(False)  # until the device probe answers

    # -------------------------------------------------------------------------------------- settings
    def _restore_settings(self) -> None:
        s = self._settings
        fft, window, peak = 4096, "hann", True
        if s is not None:
            try:
                fft = int(s.value("live/fft_size", fft))
                window = str(s.value("live/window", window))
                peak = str(s.value("live/peak_hold", "true")).lower() in ("true", "1")
            except (TypeError, ValueError):
                pass
        blockers = [QSignalBlocker(w) for w in (self.fft_combo, self.window_combo, self.peak_check)]
        try:
            i = self.fft_combo.findData(fft)
            self.fft_combo.setCurrentIndex(i if i >= 0 else self.fft_combo.findData(4096))
            i = self.window_combo.findData(window)
            self.window_combo.setCurrentIndex(max(i, 0))
            self.peak_check.setChecked(peak)
        finally:
            del blockers
        self.spectrum.peak_hold = peak

    def _save(self, key: str, value: Any) -> None:
        if self._settings is not None:
            self._settings.setValue(key, value)

    def _connect_session(self) -> None:
        """The session reports; the widgets show."""
        se = self.session
        se.status_message.connect(self.status_message.emit)
        se.error.connect(self._show_error)
        se.error_cleared.connect(self._clear_error)
        se.live_available_changed.connect(self._on_live_available)
        se.devices_probed.connect(self._on_devices_probed)
        se.loading.connect(self._on_loading)
        se.load_ended.connect(self._restore_file_label)
        se.file_opened.connect(self._on_file_opened)
        se.file_loaded.connect(self.file_loaded.emit)
        se.file_failed.connect(self.file_failed.emit)
        se.microphone_started.connect(self._on_microphone_started)
        se.source_changed.connect(self._on_source_changed)
        se.notice.connect(self._show_notice)
        se.frame.connect(self._draw_frame)
        se.redraw.connect(self._redraw_now)
        se.state_changed.connect(self._update_buttons)
        se.pipeline_changed.connect(self._on_pipeline)
        se.no_model.connect(self._on_no_model)
        se.waiting.connect(self.classification.show_waiting)
        se.live_prediction.connect(self._on_live_prediction)
        se.clip_prediction.connect(self._on_clip_prediction)
        se.classifier_failed.connect(self._on_classifier_failed)

    # ---------------------------------------------------------------------------------------- public
    @property
    def source(self) -> Any:
        """What the display follows: the file player, the microphone, or None."""
        return self.session.source

    @property
    def player(self) -> FilePlayer | None:
        return self.session.player

    @property
    def file_path(self) -> str:
        """The file in the player ("" when none is loaded)."""
        return self.session.player_path if self.player is not None else ""

    @property
    def mic(self) -> MicStream | None:
        return self.session.mic

    @property
    def live_available(self) -> bool:
        """False once PortAudio turned out to be missing."""
        return self.session.live_available

    @property
    def classifier(self) -> LiveClassifier:
        return self.session.classifier

    @property
    def display_timer(self):
        """The session's display timer (GUI thread): each tick draws the newest window."""
        return self.session.display_timer

    @property
    def pipeline(self) -> Any:
        """The pipeline used: the app's current model (see :meth:`bind`) or the one given to
        :meth:`set_pipeline`, when it can classify sound; else None."""
        return self.session.pipeline

    def bind(self, state: Any) -> None:
        """Classify with the app's current model (``AppState.pipeline``), now and whenever it changes."""
        self.session.bind(state)

    def set_pipeline(self, pipeline: Any) -> None:
        """Classify with ``pipeline`` (needs ``predict_proba_audio`` and ``classes``); None: no model."""
        self.session.set_pipeline(pipeline)

    @property
    def loading(self) -> bool:
        """True while a file given to :meth:`play_file` is being decoded."""
        return self.session.load_pending

    def play_file(self, path: str | Path, *, play: bool = False) -> bool:
        """Start loading ``path`` in a worker and return at once (the name is historic: see ``play``).

        While it decodes the panel shows "Loading …" and the previous file stays usable. Then its
        spectrum and spectrogram are shown, it is classified and ``file_loaded`` fires; it plays only
        with ``play=True`` or a later :meth:`play` / :meth:`toggle_play` (opening a song never makes a
        sound by itself). A running microphone stops then, with a notice. A file that cannot be loaded
        shows why, keeps the previous file and fires ``file_failed``. A newer call supersedes a load
        still in progress (its result is discarded).

        Returns True when loading started, False only once the panel is shut down.
        """
        return self.session.load_file(str(path), play=play)

    load_file = play_file

    def play(self) -> None:
        """Start or resume playing the loaded file (a running microphone stops, with a notice)."""
        self.session.play()

    def pause(self) -> None:
        self.session.pause()

    @property
    def transport_state(self) -> str:
        """``"playing"``, ``"paused"`` or ``"stopped"`` (a file loaded), ``"recording"`` (the
        microphone), ``"idle"`` (nothing to play)."""
        if self.session.recording:
            return "recording"
        return self.player.state if self.player is not None else "idle"

    def toggle_play(self) -> bool:
        """The global transport's play/pause (Space): pause a playing file, else play the loaded file
        (stopping the microphone visibly), else stop the microphone. False when there was nothing to do."""
        if self.player is not None and self.player.state == "playing":
            self.pause()
            return True
        if self.player is not None and self.live_available:
            self.play()
            return self.player.state == "playing"
        if self.session.recording:
            self.stop_microphone()
            return True
        return False

    def stop_playback(self) -> bool:
        """The global transport's Stop: the file stops and rewinds, the microphone stops. False when
        nothing was running."""
        did = self.session.recording or (self.player is not None and self.player.state != "stopped")
        self.session.stop_playback()
        if self.session.recording:
            self.stop_microphone()
        return did

    def seek(self, seconds: float) -> None:
        self.session.seek(seconds)

    def start_microphone(self) -> bool:
        """Record from the chosen device and classify it live; False (message shown) on failure."""
        mic = self.session.start_microphone(self.device_combo.currentData(), self.rate_combo.currentData())
        return mic is not None

    def stop_microphone(self) -> None:
        self.session.stop_microphone()

    def refresh_devices(self, rescan: bool = False) -> None:
        """List recording devices in a background thread (see :meth:`LiveSession.refresh_devices`)."""
        if self.session.refresh_devices(rescan):
            self.refresh_button.setEnabled(False)

    def shutdown(self) -> None:
        """Stop the display, the streams, a file load and the classifier thread (joined). Idempotent."""
        self.session.shutdown()

    def closeEvent(self, event: Any) -> None:
        self.shutdown()
        super().closeEvent(event)

    # ------------------------------------------------------------------------------------ session
    def _on_loading(self, path: str) -> None:
        name = Path(path).name
        self.file_label.setText(f"Loading {name}…")
        self.file_label.setToolTip(path)
        self.status_message.emit(f"Loading {name}…")

    def _restore_file_label(self) -> None:
        """The label names the file still loaded (a failed load keeps it)."""
        if self.player is not None:
            self.file_label.setText(self.player.name)
            self.file_label.setToolTip(self.session.player_path)
        else:
            self.file_label.setText("No file")
            self.file_label.setToolTip("")

    def _on_file_opened(self, player: FilePlayer) -> None:
        self._restore_file_label()
        self._updating_slider = True
        self.seek_slider.setRange(0, int(player.duration * 1000))
        self.seek_slider.setValue(0)
        self._updating_slider = False
        self.seek_slider.setEnabled(True)
        self._update_time()  # source_changed follows and draws it

    def _on_microphone_started(self, mic: MicStream) -> None:
        if mic.device is not None:
            self._save("live/input_device", mic.device.label)
        self._save("live/samplerate", int(self.rate_combo.currentData() or 0))

    def _on_source_changed(self) -> None:
        """Another source (or the microphone stopped): views for its rate, peak holds start again."""
        src = self.source
        self.level_meter.reset()
        if src is None:
            self.spectrum.reset_peak()
            return
        self._configure_views(src.samplerate)  # resets the spectrum's peak hold
        self._redraw_now(reset=True)
        if src is self.mic and not self.session.recording:
            self.level_meter.reset()  # a stopped microphone has no level (its last frame stays drawn)

    def _on_pipeline(self, p: Any) -> None:
        label = self.session.model_label
        self.classification.model_line.setText(f"Model: {label}" if label else "")
        self.classification.set_classes([str(c) for c in p.classes])
        self.classification.unsure_below = float(getattr(p, "unsure_below", self.classification.unsure_below))

    def _on_no_model(self, rejected: bool) -> None:
        self.classification.show_no_model()
        if rejected:
            self.classification.detail.setText(
                "The current model was trained on feature tables, not audio; it cannot classify sound.")

    def _on_live_prediction(self, pred: LivePrediction) -> None:
        self.last_prediction = pred
        if pred.silent:
            self.classification.show_no_signal(pred.level_db, at=pred.since_start)
        else:
            self.classification.show_live(pred.probabilities, pred.classes, pred.seconds, at=pred.since_start)

    def _on_clip_prediction(self, pred: ClipPrediction) -> None:
        self.last_clip_prediction = pred
        if pred.silent:
            self.classification.show_no_signal(pred.level_db, name=pred.name)
        else:
            self.classification.show_clip(pred.probabilities, pred.classes, pred.name, pred.n_segments)
        self.status_message.emit(f"{pred.name}: {self.classification.title.text()}")  # the answer in words

    def _on_classifier_failed(self, message: str) -> None:
        self.classification.title.setText("—")
        self.classification.detail.setText(message)
        self.status_message.emit(message)

    # ------------------------------------------------------------------------------------ widgets
    def _on_slider(self, value: int) -> None:
        if not self._updating_slider:
            self.seek(value / 1000.0)

    def _on_mic_button(self) -> None:
        if self.session.recording:
            self.stop_microphone()
        else:
            self.start_microphone()
        self._update_buttons()

    def _on_device_changed(self) -> None:
        info = self.device_combo.currentData(Qt.ItemDataRole.UserRole + 1)
        rates = info[1] if info else list(COMMON_SAMPLERATES)
        default = int(round(info[0].default_samplerate)) if info else 0
        remembered = 0
        if self._settings is not None:
            try:
                remembered = int(self._settings.value("live/samplerate", 0) or 0)
            except (TypeError, ValueError):
                remembered = 0
        with QSignalBlocker(self.rate_combo):
            self.rate_combo.clear()
            self.rate_combo.addItem(f"Default ({default} Hz)" if default else "Default", 0)
            for r in rates:
                self.rate_combo.addItem(f"{r} Hz", r)
            i = self.rate_combo.findData(remembered)
            self.rate_combo.setCurrentIndex(max(i, 0))

    def _on_view_settings(self) -> None:
        self._save("live/fft_size", int(self.fft_combo.currentData()))
        self._save("live/window", str(self.window_combo.currentData()))
        src = self.source
        self._configure_views(src.samplerate if src is not None else 48000)
        self._redraw_now(reset=True)

    def _on_peak_hold(self, on: bool) -> None:
        self._save("live/peak_hold", bool(on))
        self.spectrum.set_peak_hold(on)
    # ------------------------------------------------------------------------------------- devices
    def _on_devices_probed(self, result: Any) -> None:
        self.refresh_button.setEnabled(True)
        if isinstance(result, LiveAudioError):
            self._set_mic_controls_enabled(False)
            self.refresh_button.setEnabled(self.live_available)
            self._show_error(str(result))
            return
        devices: list[tuple[DeviceInfo, list[int]]] = result
        remembered = str(self._settings.value("live/input_device", "") or "") if self._settings else ""
        with QSignalBlocker(self.device_combo):
            self.device_combo.clear()
            for d, rates in devices:
                self.device_combo.addItem(d.label, d.label)
                self.device_combo.setItemData(self.device_combo.count() - 1, (d, rates),
                                              Qt.ItemDataRole.UserRole + 1)
            i = self.device_combo.findData(remembered) if remembered else -1
            self.device_combo.setCurrentIndex(max(i, 0))
        self._on_device_changed()
        if not devices:
            self._set_mic_controls_enabled(False)
            self.refresh_button.setEnabled(True)
            # the red message times out; the reason stays on the disabled button
            self.mic_button.setToolTip("No recording device was found: connect one and press Refresh")
            self._show_error("No recording device was found. Connect a microphone and press Refresh; "
                             "files can still be played and analysed.")
            return
        self._set_mic_controls_enabled(True)
        self.mic_button.setToolTip("Record from the chosen device and classify what it hears")
        if remembered and i < 0:
            self.status_message.emit(f"The remembered input device '{remembered}' is not available; "
                                     f"using '{self.device_combo.currentText()}'.")
        elif "No recording device" in self.error_text:
            self._clear_error()

    def _set_mic_controls_enabled(self, on: bool) -> None:
        for w in (self.device_combo, self.rate_combo, self.mic_button):
            w.setEnabled(on and self.live_available)

    def _on_live_available(self, on: bool) -> None:
        if not on:
            self._set_mic_controls_enabled(False)
            self.refresh_button.setEnabled(False)
            # the red message times out; the reason stays on the disabled controls
            for w in (self.mic_button, self.play_button, self.device_combo):
                w.setToolTip("Live audio is unavailable: PortAudio (the sound library) was not found")

    # ------------------------------------------------------------------------------------- display
    def _configure_views(self, samplerate: int) -> None:
        n_fft = int(self.fft_combo.currentData())
        window = str(self.window_combo.currentData())
        self.spectrum.configure(samplerate, n_fft, window)
        # no look-ahead for files: "now" is the right edge for a file as for the microphone
        self.spectrogram.configure(samplerate, n_fft, window, seconds=SPECTROGRAM_SECONDS, lookahead=0.0)

    def _frame_end(self, source: Any, position: int) -> int:
        # a file's frame is centred on the playhead; the microphone's ends at the newest sample
        return position + self.spectrum.n_fft // 2 if source is self.player else position

    def _redraw_now(self, reset: bool = False) -> None:
        src = self.source
        if src is None:
            return
        pos = int(src.position)
        self.spectrum.update_frame(src, self._frame_end(src, pos))
        if src is self.player and self.player.state != "playing":
            # a paused or stopped file holds no peak: the meter reads the frame at the playhead only
            self.level_meter.reset()
        self.level_meter.measure(src, pos, src.samplerate)
        if reset:
            self.spectrogram.reset(src, pos)
        else:
            self.spectrogram.advance(src, pos)
        self._update_time()

    def _draw_frame(self, src: Any, pos: int) -> None:
        """A display tick of the session: draw the newest window."""
        t0 = time.perf_counter()
        self.spectrum.update_frame(src, self._frame_end(src, pos))
        self.spectrogram.advance(src, pos)
        self.level_meter.measure(src, pos, src.samplerate)
        if src is self.player:
            self._update_time()
        self.tick_seconds.append(time.perf_counter() - t0)

    def _update_time(self) -> None:
        p = self.player
        if p is None or self.source is not p:
            return
        self.time_label.setText(f"{fmt_time(p.position_seconds)} / {fmt_time(p.duration)}")
        if not self.seek_slider.isSliderDown():
            self._updating_slider = True
            self.seek_slider.setValue(int(p.position_seconds * 1000))
            self._updating_slider = False

    def _update_buttons(self) -> None:
        player = self.player
        playing = player is not None and player.state == "playing"
        have_file = player is not None
        live = self.live_available
        self.play_button.setText("Pause" if playing else "Play")
        self.play_button.setEnabled(have_file and live)
        self.stop_button.setEnabled(have_file and live and player.state != "stopped")
        recording = self.session.recording
        with QSignalBlocker(self.mic_button):
            self.mic_button.setChecked(recording)
        self.mic_button.setText("Stop microphone" if recording else "Start microphone")
        self.device_combo.setEnabled(not recording and live and self.device_combo.count() > 0)
        self.rate_combo.setEnabled(not recording and live and self.device_combo.count() > 0)
        state = self.transport_state
        if state != self._transport:
            self._transport = state
            self.transport_changed.emit(state)

    # ------------------------------------------------------------------------------------ messages
    def _show_error(self, text: str) -> None:
        """A red message, until the next successful action or :data:`MESSAGE_SECONDS`."""
        self.error_text, self.notice_text = text, ""
        self.message_label.setStyleSheet("QLabel { color: #c0392b; font-weight: bold; }")
        self._show_message(text)

    def _show_notice(self, text: str) -> None:
        """A plain message for a switch the user should see (the microphone stopped for a file)."""
        if self.error_text:
            self.status_message.emit(text)  # an error is more important: it stays in the panel
            return
        self.notice_text = text
        self.message_label.setStyleSheet("QLabel { font-weight: bold; }")
        self._show_message(text)

    def _show_message(self, text: str) -> None:
        self.message_label.setText(text)
        self.message_label.show()
        self.message_timer.start()
        self.status_message.emit(text)

    def _clear_error(self) -> None:
        """The next successful action: the error goes (a notice of that action stays)."""
        if self.error_text:
            self._clear_messages()

    def _clear_messages(self) -> None:
        self.error_text = self.notice_text = ""
        self.message_timer.stop()
        self.message_label.clear()
        self.message_label.hide()

    # -------------------------------------------------------------------------------- file choosing
    def _choose_file(self) -> None:
        patterns = " ".join(f"*{e}" for e in AUDIO_EXTENSIONS)
        path, _ = QFileDialog.getOpenFileName(self, "Open audio file", "", f"Audio files ({patterns})")
        if path:
            self.play_file(path)

    @staticmethod
    def _dropped_audio(event: Any) -> str | None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if len(urls) != 1 or not urls[0].isLocalFile():
            return None
        path = urls[0].toLocalFile()
        return path if path.lower().endswith(AUDIO_EXTENSIONS) else None

    def dragEnterEvent(self, event: Any) -> None:
        if self._dropped_audio(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: Any) -> None:
        path = self._dropped_audio(event)
        if path:
            event.acceptProposedAction()
            self.play_file(path)
