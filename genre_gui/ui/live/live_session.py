"""What the live panel plays, records and classifies, without its widgets: the file player and the
microphone stream, the device probe, file decoding, the display timer and the live classifier.

Audio callbacks (``audio/streams``) only copy samples into a ring buffer; the display timer here runs in
the GUI thread, checks the source and emits ``frame(source, position)`` for the panel to draw. Threads
are the workers' (``workers/``): the device probe, the decoders and the classifier, all joined by
:meth:`LiveSession.shutdown`.

The model is the app's: :meth:`LiveSession.bind` follows ``AppState.pipeline``; without a state (a panel
on its own) it is whatever :meth:`LiveSession.set_pipeline` was given. A model that cannot classify
sound (trained on a feature table without an audio feature set) leaves the session without one.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from ...audio.errors import DeviceLostError, LiveAudioError, PortAudioMissingError
from ...audio.streams import FilePlayer, MicStream
from ...workers.base import WorkerRegistry
from ...workers.decoding import DecodedFile, FileDecodeWorker
from ...workers.devices import DeviceProbe
from ...workers.live_classifier import LIVE_WINDOW_SECONDS, LiveClassifier

#: 66 ticks per second nominal, so timer jitter on a busy machine still leaves >= 60 painted frames
DISPLAY_INTERVAL_MS = 15
#: microphone frames per callback: 256 = 5.3 ms at 48 kHz. The newest block is on average half a block old
#: when a display tick draws it, so the 1024-frame default (21 ms) alone added ~11 ms of latency
#: (bench/live.py); PulseAudio and ALSA deliver 256-frame blocks without overflows, and the callback
#: only copies them (its CPU share stays far below 1 %).
MIC_BLOCKSIZE = 256


def fmt_time(seconds: float) -> str:
    """``m:ss``."""
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def can_classify_audio(pipeline: Any) -> bool:
    """Whether ``pipeline`` can classify sound (it extracts its features from audio)."""
    return hasattr(pipeline, "predict_proba_audio") and bool(getattr(pipeline, "feature_set", True))


class LiveSession(QObject):
    """Streams, devices, decoding and classification of the live panel (see the module docstring).

    Signals (all in the GUI thread): ``status_message(str)``; ``error(str)`` (something failed: show it)
    and ``error_cleared()``; ``live_available_changed(bool)`` (PortAudio turned out to be missing);
    ``devices_probed(list | LiveAudioError)``; ``loading(path)``, ``load_ended()`` (the load in progress
    was dropped), ``file_opened(FilePlayer)``, ``file_loaded(path)``, ``file_failed(message)``;
    ``microphone_started(MicStream)``; ``source_changed()`` (the display follows another source, or the
    microphone stopped: peak holds restart); ``notice(str)`` (a visible switch the user did not ask for in
    so many words, e.g. the microphone stopped because a file is played); ``frame(source, position)``
    (draw the newest window) and
    ``redraw(reset)`` (draw the source now, after a pause, a stop or a seek); ``state_changed()``
    (playing, paused, recording changed); ``pipeline_changed(pipeline)``, ``no_model(rejected)``,
    ``waiting(text)``; ``live_prediction``, ``clip_prediction``, ``classifier_failed(message)``.
    """

    status_message = Signal(str)
    error = Signal(str)
    error_cleared = Signal()
    live_available_changed = Signal(bool)
    devices_probed = Signal(object)
    loading = Signal(str)
    load_ended = Signal()
    file_opened = Signal(object)
    file_loaded = Signal(str)
    file_failed = Signal(str)
    microphone_started = Signal(object)
    source_changed = Signal()
    notice = Signal(str)
    frame = Signal(object, int)
    redraw = Signal(bool)
    state_changed = Signal()
    pipeline_changed = Signal(object)
    no_model = Signal(bool)
    waiting = Signal(str)
    live_prediction = Signal(object)
    clip_prediction = Signal(object)
    classifier_failed = Signal(str)

    def __init__(
        self, parent: QObject | None = None, *, classifier_window: float = LIVE_WINDOW_SECONDS
    ) -> None:
        super().__init__(parent)
        self.player: FilePlayer | None = None
        self.mic: MicStream | None = None
        self.source: Any = None  # what the display follows: the player, the microphone, or None
        self.player_path = ""  # where the loaded file came from
        self.live_available = True  # False once PortAudio turned out to be missing
        self.shut = False
        self._pipeline: Any = None  # the app's model (or the one given to set_pipeline)
        self._state: Any = None
        self.probe = DeviceProbe(self)
        self.probe.probed.connect(self._on_devices_probed)
        self.decoders = WorkerRegistry(self)
        self._decode_worker: FileDecodeWorker | None = None  # the load in progress; older ones are stale
        self._play_when_loaded = False  # the load in progress was asked to play (load_file(play=True))
        self._clip_answer: tuple[Any, Any, Any] = (None, None, None)  # (player, pipeline, ClipPrediction)
        self.classifier = LiveClassifier(self, max_seconds=classifier_window)
        # a session deleted without shutdown() (its panel closed, a test) must still join the threads: a
        # running QThread destroyed with its owner aborts the process. destroyed fires before children die.
        classifier, decoders = self.classifier, self.decoders

        def join_threads(*_: Any) -> None:
            classifier.shutdown()
            decoders.stop_all()

        self.destroyed.connect(join_threads)
        self.classifier.classified.connect(self._on_live_prediction)
        self.classifier.clip_classified.connect(self._on_clip_prediction)
        self.classifier.failed.connect(self.classifier_failed.emit)
        self.display_timer = QTimer(self)
        self.display_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.display_timer.setInterval(DISPLAY_INTERVAL_MS)
        self.display_timer.timeout.connect(self._tick)

    # -- the model ---------------------------------------------------------------------------------
    def bind(self, state: Any) -> None:
        """Classify with ``state.pipeline`` (``AppState``), now and whenever it changes."""
        self._state = state
        state.pipeline_changed.connect(self.set_pipeline)
        self.set_pipeline(state.pipeline)

    @property
    def model_label(self) -> str:
        """The app's name of the model in use ("" when it was given directly, not the app's)."""
        state = self._state
        return state.model_label if state is not None and state.pipeline is self._pipeline else ""

    @property
    def pipeline(self) -> Any:
        """The pipeline used: the app's (or the one given), when it can classify sound; else None."""
        p = self._pipeline
        return p if p is not None and can_classify_audio(p) else None

    def set_pipeline(self, pipeline: Any) -> None:
        """Classify with ``pipeline`` (needs ``predict_proba_audio`` and ``classes``); None: no model."""
        self._pipeline = pipeline
        p = self.pipeline
        if self.shut:
            return
        self.classifier.set_pipeline(p)
        if p is None:
            self.classifier.stop()
            self.no_model.emit(pipeline is not None)
            return
        self.pipeline_changed.emit(p)
        if self.mic is not None and self.mic.running:
            self.waiting.emit("Listening…")
            self.classifier.start(self.mic)
        elif self.player is not None:
            self._classify_file()

    def _classify_file(self) -> None:
        p = self.pipeline
        if p is None or self.player is None:
            self.no_model.emit(False)
            return
        self.waiting.emit("Classifying…")
        self.classifier.classify_clip(self.player.samples, self.player.samplerate, self.player.name)

    def _on_live_prediction(self, pred: Any) -> None:
        if self.mic is not None and self.mic.running:  # else a late answer after stop
            self.live_prediction.emit(pred)

    def _on_clip_prediction(self, pred: Any) -> None:
        if self.player is not None and pred.name == self.player.name:
            self._clip_answer = (self.player, self._pipeline, pred)
            self.clip_prediction.emit(pred)

    def _show_file_answer(self) -> None:
        """The file's answer again (after the microphone's): the one computed, else a new one."""
        player, pipeline, pred = self._clip_answer
        if player is self.player and pipeline is self._pipeline and pred is not None:
            self.clip_prediction.emit(pred)  # a long file is not classified a second time
        else:
            self._classify_file()

    # -- files -------------------------------------------------------------------------------------
    @property
    def load_pending(self) -> bool:
        """True while a file given to :meth:`load_file` is being decoded."""
        return self._decode_worker is not None

    def load_file(self, path: str, play: bool = False) -> bool:
        """Decode ``path`` in a worker (a newer call supersedes a load in progress); False once shut.

        Once decoded the file is shown and classified; it plays only with ``play=True`` (or a later
        :meth:`play`): opening a song never makes a sound by itself. The microphone, if it runs, stops
        then (with a :attr:`notice`): the display and the answer follow one source.
        """
        if self.shut:
            return False
        self.discard_pending_load()
        self._play_when_loaded = bool(play)
        worker = FileDecodeWorker(path)
        worker.finished.connect(self._on_file_decoded)
        worker.failed.connect(self._on_file_decode_failed)
        worker.cancelled.connect(self._on_file_decode_cancelled)
        self._decode_worker = worker
        self.loading.emit(path)
        self.decoders.start(worker, "file-decode")
        return True

    def discard_pending_load(self) -> None:
        """Forget the load in progress: its thread finishes on its own, its result is dropped."""
        if self._decode_worker is not None:
            self._decode_worker.cancel()
            self._decode_worker = None
            self.load_ended.emit()

    def _current_decode(self) -> bool:
        """True when the signal being handled comes from the load in progress (not a superseded one)."""
        sender = self.sender()
        return sender is not None and sender is self._decode_worker

    @Slot(object)
    def _on_file_decoded(self, decoded: DecodedFile) -> None:
        if self.shut or not self._current_decode():
            decoded.player.close()
            return
        self._decode_worker = None
        player = decoded.player
        if self.recording:
            self._stop_mic()
            self.notice.emit(f"Microphone stopped: showing {player.name}")
        if self.player is not None:
            self.player.close()
        self.player, self.player_path, self.source = player, decoded.path, player
        self.error_cleared.emit()
        self.file_opened.emit(player)
        self.source_changed.emit()
        self._classify_file()
        self.status_message.emit(f"Loaded {player.name} ({fmt_time(player.duration)})"
                                 + ("" if self._play_when_loaded else ": press Play or Space to hear it"))
        if self._play_when_loaded and self.live_available:
            self.play()
        self.state_changed.emit()
        self.file_loaded.emit(decoded.path)

    @Slot(str)
    def _on_file_decode_failed(self, message: str) -> None:
        if self.shut or not self._current_decode():
            return
        self._decode_worker = None
        self.load_ended.emit()
        self.error.emit(message)
        self.file_failed.emit(message)

    @Slot()
    def _on_file_decode_cancelled(self) -> None:
        # only a superseded load or shutdown cancels, and both have moved on already
        if not self.shut and self._current_decode():
            self._decode_worker = None
            self.load_ended.emit()

    def play(self) -> None:
        """Start or resume playing the loaded file."""
        player = self.player
        if player is None or self.shut:
            return
        if self.recording:
            self._stop_mic()  # one source at a time: the switch is said, not silent
            self.notice.emit(f"Microphone stopped: playing {player.name}")
        switched = self.source is not player
        self.source = player
        if switched:
            self.source_changed.emit()
            self._show_file_answer()  # the answer shown was the microphone's
        try:
            player.play()
        except LiveAudioError as exc:
            self._audio_error(exc)
            return
        self.error_cleared.emit()
        self.display_timer.start()
        self.status_message.emit(f"Playing {player.name}")
        self.state_changed.emit()

    def pause(self) -> None:
        if self.player is not None:
            self.player.pause()
        self.display_timer.stop()
        self.redraw.emit(False)
        self.state_changed.emit()

    def stop_playback(self) -> None:
        if self.player is None:
            return
        self.player.stop()
        self.display_timer.stop()
        self.redraw.emit(True)
        self.state_changed.emit()

    def seek(self, seconds: float) -> None:
        if self.player is None:
            return
        self.player.seek(seconds)
        if self.source is self.player:
            self.redraw.emit(True)

    # -- the microphone ----------------------------------------------------------------------------
    @property
    def recording(self) -> bool:
        return self.mic is not None and self.mic.running

    def start_microphone(self, device: str | None, samplerate: int | None) -> MicStream | None:
        """Record from ``device`` (a device label; None: the default) and classify it live; None (the
        reason emitted as ``error``) on failure."""
        if self.shut:
            return None
        self.discard_pending_load()  # the newer request wins: a file arriving later must not stop the mic
        paused = None
        if self.player is not None and self.player.state == "playing":
            self.player.pause()
            paused = self.player.name
        self._stop_mic()
        mic = MicStream(device=device or None, samplerate=samplerate or None, blocksize=MIC_BLOCKSIZE)
        try:
            mic.start()
        except LiveAudioError as exc:
            self._audio_error(exc)
            return None
        self.mic, self.source = mic, mic
        self.error_cleared.emit()
        self.microphone_started.emit(mic)
        self.source_changed.emit()
        if paused:
            self.notice.emit(f"{paused} paused: listening to the microphone")
        if self.pipeline is not None:
            self.waiting.emit("Listening…")
            self.classifier.start(mic)
        else:
            self.no_model.emit(False)
        self.display_timer.start()
        name = mic.device.name if mic.device else "default"
        self.status_message.emit(f"Microphone: {name} at {mic.samplerate} Hz")
        self.state_changed.emit()
        return mic

    def stop_microphone(self) -> None:
        was = self.recording
        self._stop_mic()
        if was:
            self.source_changed.emit()
        self.state_changed.emit()

    def _stop_mic(self) -> None:
        if self.mic is not None:
            self.classifier.stop()
            self.mic.stop()
            if self.source is self.mic:
                self.display_timer.stop()

    # -- devices -----------------------------------------------------------------------------------
    def refresh_devices(self, rescan: bool = False) -> bool:
        """List recording devices in a background thread (PortAudio can be slow or hang on start);
        False when no probe started (shut, a probe running, or a recording that must not change).

        ``rescan`` makes PortAudio look for new hardware (it caches the list), which it can only do
        with no stream open; otherwise the cached list is shown.
        """
        if self.shut or self.probe.running() or self.recording:
            return False
        streams_open = self.player is not None and self.player._stream is not None
        self.probe.start(rescan and not streams_open)
        return True

    def _on_devices_probed(self, result: Any) -> None:
        if self.shut:
            return
        if isinstance(result, PortAudioMissingError):
            self.set_live_available(False)
        self.devices_probed.emit(result)

    def set_live_available(self, on: bool) -> None:
        self.live_available = on
        if not on:
            self._stop_mic()
        self.live_available_changed.emit(on)
        self.state_changed.emit()

    def _audio_error(self, exc: LiveAudioError) -> None:
        if isinstance(exc, PortAudioMissingError):
            self.set_live_available(False)
        self.error.emit(str(exc))
        self.state_changed.emit()

    # -- the display -------------------------------------------------------------------------------
    def _tick(self) -> None:
        """Display timer: have the newest window drawn; notice lost devices and the end of a file."""
        src = self.source
        if src is None or self.shut:
            self.display_timer.stop()
            return
        try:
            src.check()
        except DeviceLostError as exc:
            self.display_timer.stop()
            if src is self.mic:
                self.classifier.stop()
            self.error.emit(str(exc))
            self.state_changed.emit()
            return
        self.frame.emit(src, int(src.position))
        if src is self.player and self.player.state != "playing":
            self.display_timer.stop()
            self.state_changed.emit()

    # -- shutdown ----------------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Stop the display, the streams, a file load and the classifier thread (joined). Idempotent."""
        if self.shut:
            return
        self.shut = True
        if self._state is not None:
            try:
                self._state.pipeline_changed.disconnect(self.set_pipeline)
            except (RuntimeError, TypeError):  # the state is gone already
                pass
        self.display_timer.stop()
        self._decode_worker = None
        self.decoders.stop_all()
        self.classifier.shutdown()
        for stream in (self.mic, self.player):
            if stream is not None:
                stream.close()
        self.probe.join(timeout=3.0)
