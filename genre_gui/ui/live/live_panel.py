"""The live panel: play a file or listen to the microphone, watch its spectrum and spectrogram, and see
the genre the current model hears.

Contract for the main window::

    panel = LivePanel(parent, settings)     # settings: QSettings or None (nothing remembered)
    panel.status_message.connect(status_bar.showMessage)
    panel.set_pipeline(pipeline_or_None)    # None: the bundled default model, if any
    panel.play_file(path)                   # decode in a worker; then show, play, classify the whole file
    panel.file_loaded / panel.file_failed   # when that load ended (path / message shown)
    panel.shutdown()                        # on close: streams stopped, workers joined (idempotent)

PortAudio is touched only in a background probe and on user actions; when it (or a device) is missing
the panel says so, disables the live controls and everything else keeps working.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, QSignalBlocker, Qt, QTimer, Signal, Slot
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

from ...assets import DEFAULT_MODEL
from ...audio.devices import COMMON_SAMPLERATES, DeviceInfo
from ...audio.errors import DeviceLostError, LiveAudioError, PortAudioMissingError
from ...audio.streams import FilePlayer, MicStream
from ...core.audio_io import AUDIO_EXTENSIONS
from ...core.errors import GenreGuiError
from ...workers.base import WorkerRegistry
from ...workers.decoding import DecodedFile, FileDecodeWorker
from ...workers.devices import DeviceProbe
from ...workers.live_classifier import ClipPrediction, LiveClassifier, LivePrediction
from .classification_view import ClassificationView
from .spectrogram_view import SpectrogramView
from .spectrum_view import FFT_SIZES, WINDOWS, SpectrumView

log = logging.getLogger(__name__)

__all__ = ["LivePanel", "DEFAULT_MODEL_PATH", "DISPLAY_INTERVAL_MS"]

DEFAULT_MODEL_PATH = DEFAULT_MODEL
#: 66 ticks per second nominal, so timer jitter on a busy machine still leaves >= 60 painted frames
DISPLAY_INTERVAL_MS = 15
SPECTROGRAM_SECONDS = 10.0
#: seconds of a file shown after the playhead (the future of a file is known)
FILE_LOOKAHEAD = 2.5


def _fmt_time(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


class LivePanel(QWidget):
    """Spectrum, spectrogram and live genre of a playing file or the microphone."""

    status_message = Signal(str)
    #: a :meth:`play_file` load ended: the file is shown (and playing if audio works) / why it is not
    file_loaded = Signal(str)
    file_failed = Signal(str)

    def __init__(
        self,
        parent: QWidget | None = None,
        settings: QSettings | None = None,
        *,
        probe_devices: bool = True,
        classifier_window: float = 30.0,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("LivePanel")
        self._settings = settings
        self._player: FilePlayer | None = None
        self._mic: MicStream | None = None
        self._source: Any = None
        self._explicit_pipeline: Any = None
        self._default_pipeline: Any = None
        self._default_loaded = False
        self._live_available = True
        self._shut = False
        self._probe = DeviceProbe(self)
        self._decoders = WorkerRegistry(self)
        self._decode_worker: FileDecodeWorker | None = None  # the load in progress; older ones are stale
        self._player_path = ""  # where the loaded file came from (the label's tooltip)
        self._updating_slider = False
        self.tick_seconds: deque[float] = deque(maxlen=600)  # main-thread cost of recent display ticks
        self.last_prediction: LivePrediction | None = None
        self.last_clip_prediction: ClipPrediction | None = None
        self.error_text = ""

        self.classifier = LiveClassifier(self, max_seconds=classifier_window)
        # a widget deleted without shutdown() (a closed dock, a test) must still join the thread: a running
        # QThread destroyed with its owner aborts the process. destroyed fires before children are deleted.
        classifier, decoders = self.classifier, self._decoders

        def join_threads(*_: Any) -> None:
            classifier.shutdown()
            decoders.stop_all()

        self.destroyed.connect(join_threads)
        self.classifier.classified.connect(self._on_live_prediction)
        self.classifier.clip_classified.connect(self._on_clip_prediction)
        self.classifier.failed.connect(self._on_classifier_failed)

        self.display_timer = QTimer(self)
        self.display_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.display_timer.setInterval(DISPLAY_INTERVAL_MS)
        self.display_timer.timeout.connect(self._tick)

        self._build_ui()
        self._restore_settings()
        self._configure_views(48000)
        self._probe.probed.connect(self._on_devices_probed)
        self.setAcceptDrops(True)
        self._apply_pipeline()
        if probe_devices:
            self.refresh_devices()

    # ---------------------------------------------------------------------------------------- layout
    def _build_ui(self) -> None:
        self.open_button = QPushButton("Open…")
        self.open_button.setToolTip("Choose an audio file to play and analyse")
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
        view_row.addStretch(1)

        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setStyleSheet("QLabel { color: #c0392b; font-weight: bold; }")
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

    # ---------------------------------------------------------------------------------------- public
    @property
    def source(self) -> Any:
        """What the display follows: the file player, the microphone, or None."""
        return self._source

    @property
    def player(self) -> FilePlayer | None:
        return self._player

    @property
    def mic(self) -> MicStream | None:
        return self._mic

    @property
    def live_available(self) -> bool:
        """False once PortAudio turned out to be missing."""
        return self._live_available

    @property
    def pipeline(self) -> Any:
        """The pipeline used: the one given to :meth:`set_pipeline`, else the bundled default."""
        return self._effective_pipeline()

    def set_pipeline(self, pipeline: Any) -> None:
        """Classify with ``pipeline`` (needs ``predict_proba_audio`` and ``classes``); None: default model."""
        self._explicit_pipeline = pipeline
        self._apply_pipeline()

    @property
    def loading(self) -> bool:
        """True while a file given to :meth:`play_file` is being decoded."""
        return self._decode_worker is not None

    def play_file(self, path: str | Path) -> bool:
        """Start loading ``path`` in a worker and return at once.

        While it decodes the panel shows "Loading …" and the previous file stays usable. Then its
        spectrum and spectrogram are shown, it is classified and it starts playing, and ``file_loaded``
        fires; a file that cannot be loaded shows why, keeps the previous file and fires ``file_failed``.
        A newer call supersedes a load still in progress (its result is discarded).

        Returns True when loading started, False only once the panel is shut down.
        """
        if self._shut:
            return False
        self._discard_pending_load()
        path = str(path)
        name = Path(path).name
        worker = FileDecodeWorker(path)
        worker.finished.connect(self._on_file_decoded)
        worker.failed.connect(self._on_file_decode_failed)
        worker.cancelled.connect(self._on_file_decode_cancelled)
        self._decode_worker = worker
        self.file_label.setText(f"Loading {name}…")
        self.file_label.setToolTip(path)
        self.status_message.emit(f"Loading {name}…")
        self._decoders.start(worker, "file-decode")
        return True

    def _discard_pending_load(self) -> None:
        """Forget the load in progress: its thread finishes on its own, its result is dropped."""
        if self._decode_worker is not None:
            self._decode_worker.cancel()
            self._decode_worker = None
            self._restore_file_label()

    def _current_decode(self) -> bool:
        """True when the signal being handled comes from the load in progress (not a superseded one)."""
        sender = self.sender()
        return sender is not None and sender is self._decode_worker

    @Slot(object)
    def _on_file_decoded(self, decoded: DecodedFile) -> None:
        if self._shut or not self._current_decode():
            decoded.player.close()
            return
        self._decode_worker = None
        player, path = decoded.player, decoded.path
        self._stop_mic()
        if self._player is not None:
            self._player.close()
        self._player = player
        self._player_path = path
        self._source = player
        self._clear_error()
        self._restore_file_label()
        self._updating_slider = True
        self.seek_slider.setRange(0, int(player.duration * 1000))
        self.seek_slider.setValue(0)
        self._updating_slider = False
        self.seek_slider.setEnabled(True)
        self._configure_views(player.samplerate)
        self._redraw_now()
        self._classify_current_file()
        self.status_message.emit(f"Loaded {player.name} ({_fmt_time(player.duration)})")
        if self._live_available:
            self.play()
        self._update_buttons()
        self.file_loaded.emit(path)

    @Slot(str)
    def _on_file_decode_failed(self, message: str) -> None:
        if self._shut or not self._current_decode():
            return
        self._decode_worker = None
        self._restore_file_label()
        self._show_error(message)
        self.file_failed.emit(message)

    @Slot()
    def _on_file_decode_cancelled(self) -> None:
        # only a superseded load or shutdown cancels, and both have moved on already
        if not self._shut and self._current_decode():
            self._decode_worker = None
            self._restore_file_label()

    def _restore_file_label(self) -> None:
        """The label names the file still loaded (a failed load keeps it)."""
        if self._player is not None:
            self.file_label.setText(self._player.name)
            self.file_label.setToolTip(self._player_path)
        else:
            self.file_label.setText("No file")
            self.file_label.setToolTip("")

    def play(self) -> None:
        """Start or resume playing the loaded file."""
        player = self._player
        if player is None or self._shut:
            return
        self._stop_mic()
        self._source = player
        try:
            player.play()
        except LiveAudioError as exc:
            self._on_audio_error(exc)
            return
        self.display_timer.start()
        self.status_message.emit(f"Playing {player.name}")
        self._update_buttons()

    def pause(self) -> None:
        if self._player is not None:
            self._player.pause()
        self.display_timer.stop()
        self._redraw_now()
        self._update_buttons()

    def toggle_play(self) -> None:
        if self._player is not None and self._player.state == "playing":
            self.pause()
        else:
            self.play()

    def stop_playback(self) -> None:
        if self._player is None:
            return
        self._player.stop()
        self.display_timer.stop()
        self._redraw_now(reset=True)
        self._update_buttons()

    def seek(self, seconds: float) -> None:
        if self._player is None:
            return
        self._player.seek(seconds)
        if self._source is self._player:
            self._redraw_now(reset=True)

    def start_microphone(self) -> bool:
        """Record from the chosen device and classify it live; False (message shown) on failure."""
        if self._shut:
            return False
        self._discard_pending_load()  # the newer request wins: a file arriving later must not stop the mic
        if self._player is not None and self._player.state == "playing":
            self._player.pause()
        self._stop_mic()
        label = self.device_combo.currentData()
        rate = self.rate_combo.currentData()
        mic = MicStream(device=label or None, samplerate=rate or None)
        try:
            mic.start()
        except LiveAudioError as exc:
            self._on_audio_error(exc)
            return False
        self._mic = mic
        self._source = mic
        self._clear_error()
        if mic.device is not None:
            self._save("live/input_device", mic.device.label)
        self._save("live/samplerate", int(rate or 0))
        self._configure_views(mic.samplerate)
        self._redraw_now(reset=True)
        pipeline = self._effective_pipeline()
        if pipeline is not None:
            self.classification.show_waiting("Listening…")
            self.classifier.start(mic)
        else:
            self.classification.show_no_model()
        self.display_timer.start()
        name = mic.device.name if mic.device else "default"
        self.status_message.emit(f"Microphone: {name} at {mic.samplerate} Hz")
        self._update_buttons()
        return True

    def stop_microphone(self) -> None:
        self._stop_mic()
        self._update_buttons()

    def refresh_devices(self, rescan: bool = False) -> None:
        """List recording devices in a background thread (PortAudio can be slow or hang on start).

        ``rescan`` makes PortAudio look for new hardware (it caches the list), which it can only do
        with no stream open; otherwise the cached list is shown.
        """
        if self._shut or self._probe.running():
            return
        if self._mic is not None and self._mic.running:
            return  # the device cannot change under a running recording
        streams_open = self._player is not None and self._player._stream is not None
        self.refresh_button.setEnabled(False)
        self._probe.start(rescan and not streams_open)

    def shutdown(self) -> None:
        """Stop the display, the streams, a file load and the classifier thread (joined). Idempotent."""
        if self._shut:
            return
        self._shut = True
        self.display_timer.stop()
        self._decode_worker = None
        self._decoders.stop_all()
        self.classifier.shutdown()
        for stream in (self._mic, self._player):
            if stream is not None:
                stream.close()
        self._probe.join(timeout=3.0)

    def closeEvent(self, event: Any) -> None:
        self.shutdown()
        super().closeEvent(event)

    # ------------------------------------------------------------------------------------- pipeline
    def _effective_pipeline(self) -> Any:
        p = self._explicit_pipeline
        if p is not None and self._can_classify_audio(p):
            return p
        if not self._default_loaded:
            self._default_loaded = True
            if DEFAULT_MODEL_PATH.exists():
                try:
                    from ...core.persistence import load_pipeline

                    self._default_pipeline = load_pipeline(DEFAULT_MODEL_PATH)
                except GenreGuiError as exc:
                    self._show_error(f"The bundled default model cannot be used: {exc}")
        d = self._default_pipeline
        return d if d is not None and self._can_classify_audio(d) else None

    @staticmethod
    def _can_classify_audio(p: Any) -> bool:
        return hasattr(p, "predict_proba_audio") and bool(getattr(p, "feature_set", True))

    def _apply_pipeline(self) -> None:
        p = self._effective_pipeline()
        if self._shut:
            return
        self.classifier.set_pipeline(p)
        if p is None:
            self.classifier.stop()
            self.classification.show_no_model()
            if self._explicit_pipeline is not None:
                self.classification.detail.setText(
                    "The current model was trained on feature tables, not audio; it cannot classify sound."
                )
            return
        self.classification.set_classes([str(c) for c in p.classes])
        self.classification.unsure_below = float(getattr(p, "unsure_below", self.classification.unsure_below))
        if self._mic is not None and self._mic.running:
            self.classification.show_waiting("Listening…")
            self.classifier.start(self._mic)
        elif self._player is not None:
            self._classify_current_file()

    def _classify_current_file(self) -> None:
        p = self._effective_pipeline()
        if p is None or self._player is None:
            self.classification.show_no_model()
            return
        self.classification.show_waiting("Classifying…")
        self.classifier.classify_clip(self._player.samples, self._player.samplerate, self._player.name)

    # ------------------------------------------------------------------------------------ callbacks
    def _on_live_prediction(self, pred: LivePrediction) -> None:
        if self._mic is None or not self._mic.running:
            return  # a late answer after stop
        self.last_prediction = pred
        self.classification.show_live(pred.probabilities, pred.classes, pred.seconds)

    def _on_clip_prediction(self, pred: ClipPrediction) -> None:
        if self._player is None or pred.name != self._player.name:
            return
        self.last_clip_prediction = pred
        self.classification.show_clip(pred.probabilities, pred.classes, pred.name, pred.n_segments)
        self.status_message.emit(f"{pred.name}: {self.classification.title.text()}")  # the answer in words

    def _on_classifier_failed(self, message: str) -> None:
        self.classification.title.setText("—")
        self.classification.detail.setText(message)
        self.status_message.emit(message)

    def _on_audio_error(self, exc: LiveAudioError) -> None:
        if isinstance(exc, PortAudioMissingError):
            self._set_live_available(False)
        self._show_error(str(exc))
        self._update_buttons()

    def _on_slider(self, value: int) -> None:
        if not self._updating_slider:
            self.seek(value / 1000.0)

    def _on_mic_button(self) -> None:
        if self._mic is not None and self._mic.running:
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
        src = self._source
        self._configure_views(src.samplerate if src is not None else 48000)
        self._redraw_now(reset=True)

    def _on_peak_hold(self, on: bool) -> None:
        self._save("live/peak_hold", bool(on))
        self.spectrum.set_peak_hold(on)

    # ------------------------------------------------------------------------------------- devices
    def _on_devices_probed(self, result: Any) -> None:
        if self._shut:
            return
        self.refresh_button.setEnabled(True)
        if isinstance(result, LiveAudioError):
            if isinstance(result, PortAudioMissingError):
                self._set_live_available(False)
            self._set_mic_controls_enabled(False)
            self.refresh_button.setEnabled(self._live_available)
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
            self._show_error("No recording device was found. Connect a microphone and press Refresh; "
                             "files can still be played and analysed.")
            return
        self._set_mic_controls_enabled(True)
        if remembered and i < 0:
            self.status_message.emit(f"The remembered input device '{remembered}' is not available; "
                                     f"using '{self.device_combo.currentText()}'.")
        elif "No recording device" in self.error_text:
            self._clear_error()

    def _set_mic_controls_enabled(self, on: bool) -> None:
        for w in (self.device_combo, self.rate_combo, self.mic_button):
            w.setEnabled(on and self._live_available)

    def _set_live_available(self, on: bool) -> None:
        self._live_available = on
        if not on:
            self._stop_mic()
            self._set_mic_controls_enabled(False)
            self.refresh_button.setEnabled(False)
        self._update_buttons()

    # ------------------------------------------------------------------------------------- display
    def _configure_views(self, samplerate: int) -> None:
        n_fft = int(self.fft_combo.currentData())
        window = str(self.window_combo.currentData())
        self.spectrum.configure(samplerate, n_fft, window)
        lookahead = FILE_LOOKAHEAD if self._source is not None and self._source is self._player else 0.0
        self.spectrogram.configure(
            samplerate, n_fft, window, seconds=SPECTROGRAM_SECONDS, lookahead=lookahead
        )

    def _frame_end(self, source: Any, position: int) -> int:
        # a file's frame is centred on the playhead; the microphone's ends at the newest sample
        return position + self.spectrum.n_fft // 2 if source is self._player else position

    def _redraw_now(self, reset: bool = False) -> None:
        src = self._source
        if src is None:
            return
        pos = int(src.position)
        self.spectrum.update_frame(src, self._frame_end(src, pos))
        if reset:
            self.spectrogram.reset(src, pos)
        else:
            self.spectrogram.advance(src, pos)
        self._update_time()

    def _tick(self) -> None:
        """Display timer: draw the newest window; notice lost devices and the end of a file."""
        t0 = time.perf_counter()
        src = self._source
        if src is None or self._shut:
            self.display_timer.stop()
            return
        try:
            src.check()
        except DeviceLostError as exc:
            self._on_device_lost(exc)
            return
        pos = int(src.position)
        self.spectrum.update_frame(src, self._frame_end(src, pos))
        self.spectrogram.advance(src, pos)
        if src is self._player:
            self._update_time()
            if self._player.state != "playing":
                self.display_timer.stop()
                self._update_buttons()
        self.tick_seconds.append(time.perf_counter() - t0)

    def _update_time(self) -> None:
        p = self._player
        if p is None or self._source is not p:
            return
        self.time_label.setText(f"{_fmt_time(p.position_seconds)} / {_fmt_time(p.duration)}")
        if not self.seek_slider.isSliderDown():
            self._updating_slider = True
            self.seek_slider.setValue(int(p.position_seconds * 1000))
            self._updating_slider = False

    def _on_device_lost(self, exc: DeviceLostError) -> None:
        self.display_timer.stop()
        if self._source is self._mic:
            self.classifier.stop()
        self._show_error(str(exc))
        self._update_buttons()

    def _stop_mic(self) -> None:
        if self._mic is not None:
            self.classifier.stop()
            self._mic.stop()
            if self._source is self._mic:
                self.display_timer.stop()

    def _update_buttons(self) -> None:
        playing = self._player is not None and self._player.state == "playing"
        have_file = self._player is not None
        self.play_button.setText("Pause" if playing else "Play")
        self.play_button.setEnabled(have_file and self._live_available)
        self.stop_button.setEnabled(have_file and self._live_available and self._player.state != "stopped")
        recording = self._mic is not None and self._mic.running
        with QSignalBlocker(self.mic_button):
            self.mic_button.setChecked(recording)
        self.mic_button.setText("Stop microphone" if recording else "Start microphone")
        self.device_combo.setEnabled(not recording and self._live_available and self.device_combo.count() > 0)
        self.rate_combo.setEnabled(not recording and self._live_available and self.device_combo.count() > 0)

    # ------------------------------------------------------------------------------------ messages
    def _show_error(self, text: str) -> None:
        self.error_text = text
        self.message_label.setText(text)
        self.message_label.show()
        self.status_message.emit(text)

    def _clear_error(self) -> None:
        self.error_text = ""
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
