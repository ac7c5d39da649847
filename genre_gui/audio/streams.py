"""Real-time streams: the microphone into a ring buffer, and playback of a decoded file.

The PortAudio callbacks only copy samples (into the ring, or out of the decoded array) and count status
flags; every computation happens on the readers' side. A stream that stops delivering audio while it
should be running (a finished callback we did not ask for, an inactive stream, or no callback for
``stall_seconds``) is reported by :meth:`check` as :class:`~genre_gui.audio.errors.DeviceLostError`, so a
GUI timer can show the message instead of freezing or crashing.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from genre_gui.core.audio_io import audio_info, load_audio, resample

from .backend import get_sounddevice
from .devices import DeviceInfo, find_input_device
from .errors import DeviceLostError, LiveAudioError, StreamOpenError
from .ring_buffer import RingBuffer

__all__ = ["StreamStats", "MicStream", "FilePlayer", "DEFAULT_BLOCKSIZE", "RING_SECONDS"]

#: frames per callback: ~21 ms at 48 kHz, short enough for a 60 fps display, long enough for PulseAudio
DEFAULT_BLOCKSIZE = 1024
#: seconds the ring keeps: the live classifier's 30 s window plus slack for the display
RING_SECONDS = 35.0


@dataclass
class StreamStats:
    """Counters kept by a stream callback (plain ints and floats: cheap to update, safe to read)."""

    callbacks: int = 0
    frames: int = 0
    input_overflows: int = 0
    input_underflows: int = 0
    output_underflows: int = 0
    output_overflows: int = 0
    callback_seconds: float = 0.0  # time spent inside the callback, for its CPU share
    started_at: float = 0.0  # time.monotonic() at start
    last_callback_at: float = 0.0  # time.monotonic() of the newest callback
    device_delay: float = 0.0  # ADC->callback (input) or callback->DAC (output) delay, seconds

    def callback_cpu_share(self, now: float | None = None) -> float:
        """Fraction of wall time spent in the callback since the stream started."""
        elapsed = (time.monotonic() if now is None else now) - self.started_at
        return self.callback_seconds / elapsed if elapsed > 0 else 0.0

    def count_status(self, status: Any) -> None:
        if not status:
            return
        if getattr(status, "input_overflow", False):
            self.input_overflows += 1
        if getattr(status, "input_underflow", False):
            self.input_underflows += 1
        if getattr(status, "output_underflow", False):
            self.output_underflows += 1
        if getattr(status, "output_overflow", False):
            self.output_overflows += 1


class _Stream:
    """Shared lifecycle: open/start/stop/close, unexpected-finish and stall detection."""

    kind = "stream"

    def __init__(self, stall_seconds: float) -> None:
        self.stall_seconds = float(stall_seconds)
        self.stats = StreamStats()
        self._stream: Any = None
        self._running = False
        self._stopping = False
        self._lost_reason: str | None = None
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        return self._running

    def _on_finished(self) -> None:
        # PortAudio calls this whenever the stream stops; only a stop we did not ask for is a loss
        if self._running and not self._stopping and not self._finished_normally():
            self._lost_reason = "the audio device stopped the stream"

    def _finished_normally(self) -> bool:
        return False

    def _start_stream(self) -> None:
        self.stats.started_at = self.stats.last_callback_at = time.monotonic()
        self._lost_reason = None
        self._stopping = False
        try:
            self._stream.start()
        except Exception as exc:
            self._close_quietly()
            raise StreamOpenError(f"Could not start the {self.kind}: {_reason(exc)}") from exc
        self._running = True

    def _close_quietly(self) -> None:
        stream, self._stream = self._stream, None
        if stream is None:
            return
        try:
            # stop, never abort: PortAudio's ALSA backend aborts with pthread_cancel, and a callback
            # thread cancelled while it waits for the GIL leaves the GIL locked for ever (the whole
            # app then hangs); stop asks the callback thread to finish and joins it
            stream.stop()
        except Exception:
            pass
        try:
            stream.close()
        except Exception:
            pass

    def check(self, now: float | None = None) -> None:
        """Raise :class:`DeviceLostError` if the running stream stopped delivering audio.

        Cheap; meant to be called from the display timer. A loss also closes the stream.
        """
        if not self._running or self._finished_normally():
            return
        reason = self._lost_reason
        stream = self._stream
        if reason is None and stream is not None and not self._finished_normally():
            try:
                active = bool(stream.active)
            except Exception:
                active = False
            if not active:
                reason = "the stream is no longer active"
        if reason is None:
            now = time.monotonic() if now is None else now
            if now - self.stats.last_callback_at > self.stall_seconds:
                reason = f"no audio arrived for {self.stall_seconds:.0f} s"
        if reason is not None:
            self._running = False
            self._close_quietly()
            raise DeviceLostError(
                f"The audio device was lost ({reason}). It may have been unplugged or the sound "
                "server restarted; choose a device and start again."
            )

    def close(self) -> None:
        """Stop and release the stream. Idempotent, never raises."""
        with self._lock:
            self._stopping = True
            self._running = False
            stream, self._stream = self._stream, None
        if stream is not None:
            for op in ("stop", "close"):
                try:
                    getattr(stream, op)()
                except Exception:
                    pass


class MicStream(_Stream):
    """Record mono float32 from an input device into a :class:`RingBuffer`.

    Parameters
    ----------
    device : int, str or None
        Device index, name or picker label; ``None`` is the system default input.
    samplerate : int or None
        ``None`` uses the device's default rate.
    blocksize : int
        Frames per callback.
    ring_seconds : float
        Audio kept for readers.
    stall_seconds : float
        Silence from the driver (no callback) longer than this counts as a lost device. Some sources
        deliver in long bursts (PulseAudio's sine source: 2 s blocks), hence the generous default.
    """

    kind = "microphone"

    def __init__(
        self,
        device: int | str | None = None,
        samplerate: int | None = None,
        *,
        blocksize: int = DEFAULT_BLOCKSIZE,
        ring_seconds: float = RING_SECONDS,
        stall_seconds: float = 5.0,
        latency: str | float = "low",
    ) -> None:
        super().__init__(stall_seconds)
        self.device_request = device
        self.requested_samplerate = samplerate
        self.blocksize = int(blocksize)
        self.ring_seconds = float(ring_seconds)
        self.latency = latency
        self.device: DeviceInfo | None = None
        self.samplerate = int(samplerate) if samplerate else 0
        self.ring: RingBuffer | None = None

    def start(self) -> None:
        """Open the device and start recording.

        Raises
        ------
        PortAudioMissingError, NoInputDeviceError, InvalidDeviceError, StreamOpenError
        """
        self.close()
        sd = get_sounddevice()
        device = find_input_device(self.device_request)
        rate = int(self.requested_samplerate or round(device.default_samplerate) or 48000)
        self.device = device
        self.samplerate = rate
        self.ring = RingBuffer(int(self.ring_seconds * rate))
        self.stats = StreamStats()
        self._stopping = False
        try:
            self._stream = sd.InputStream(
                device=device.index,
                channels=1,
                samplerate=rate,
                dtype="float32",
                blocksize=self.blocksize,
                latency=self.latency,
                callback=self._callback,
                finished_callback=self._on_finished,
            )
        except Exception as exc:
            self._stream = None
            raise StreamOpenError(
                f"Could not open the microphone '{device.name}' at {rate} Hz: {_reason(exc)}"
            ) from exc
        self.stats.device_delay = _latency(self._stream)
        self._start_stream()

    def stop(self) -> None:
        """Stop recording (the ring keeps its content). Idempotent."""
        self.close()

    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        t0 = time.perf_counter()
        stats = self.stats
        if status:
            stats.count_status(status)
        self.ring.write(indata[:, 0])
        stats.frames += frames
        stats.callbacks += 1
        stats.last_callback_at = time.monotonic()
        stats.callback_seconds += time.perf_counter() - t0

    @property
    def position(self) -> int:
        """Absolute sample position just past the newest recorded sample."""
        return self.ring.written if self.ring is not None else 0

    def read(self, end: int, out: np.ndarray) -> int:
        """Copy the samples ending at ``end`` into ``out`` (see :meth:`RingBuffer.read`)."""
        if self.ring is None:
            out.fill(0.0)
            return 0
        return self.ring.read(end, out)


class FilePlayer(_Stream):
    """Play decoded mono audio through an output stream, exposing the heard position.

    The display reads any window of the decoded array around the playhead (:meth:`read`), so it
    follows playback exactly, also while paused or after a seek. The callback also copies what it
    plays into :attr:`ring`, like the microphone.

    Parameters
    ----------
    samples : ndarray
        Mono samples (converted to float32).
    samplerate : int
        Their rate.
    name : str
        Shown in messages (the file name).
    device : int or None
        Output device index; ``None`` is the default output.
    """

    kind = "playback"

    def __init__(
        self,
        samples: np.ndarray,
        samplerate: int,
        *,
        name: str = "audio",
        device: int | None = None,
        blocksize: int = DEFAULT_BLOCKSIZE,
        ring_seconds: float = RING_SECONDS,
        stall_seconds: float = 2.0,
    ) -> None:
        super().__init__(stall_seconds)
        samples = np.ascontiguousarray(samples, dtype=np.float32).reshape(-1)
        if samples.size == 0:
            raise LiveAudioError(f"{name}: nothing to play (no samples)")
        self.samples = samples
        self.samplerate = int(samplerate)
        self.name = name
        self.device = device
        self.blocksize = int(blocksize)
        self.ring_seconds = float(ring_seconds)
        self.ring = RingBuffer(int(ring_seconds * self.samplerate))
        self._pos = 0  # next sample the callback plays; written by the callback only
        self._seek: tuple[int, int] = (0, 0)  # (sequence, target): one atomic attribute for the GUI
        self._seek_seen = 0
        self._block_start = 0  # first sample of the newest block handed to PortAudio
        self._block_time = 0.0  # monotonic time of that callback
        self._origin = 0  # where the current uninterrupted playback began (start, resume or seek)
        self._ended = False
        self._paused = False

    @classmethod
    def from_file(cls, path: str | os.PathLike, **kwargs: Any) -> FilePlayer:
        """Decode ``path`` at its own rate (``load_audio(path, sr=None)``); raises ``AudioError``."""
        p = Path(path)
        y = load_audio(p, sr=None)
        return cls(y, int(audio_info(p).samplerate), name=p.name, **kwargs)

    # --- state -------------------------------------------------------------------------------------
    @property
    def duration(self) -> float:
        return self.samples.shape[0] / self.samplerate

    @property
    def state(self) -> str:
        """``"playing"``, ``"paused"`` or ``"stopped"``."""
        if self._running and not self._ended:
            return "playing"
        return "paused" if self._paused else "stopped"

    @property
    def ended(self) -> bool:
        """True once playback ran to the end of the samples."""
        return self._ended

    @property
    def position(self) -> int:
        """The sample being heard now (interpolated between callbacks, output latency removed)."""
        seq, target = self._seek
        if seq != self._seek_seen:
            return target
        n = self.samples.shape[0]
        if not self._running or self._ended:
            return min(self._pos, n)
        heard = self._block_start + (time.monotonic() - self._block_time - self.stats.device_delay) * (
            self.samplerate
        )
        return int(min(max(heard, self._origin), self._pos, n))

    @property
    def position_seconds(self) -> float:
        return self.position / self.samplerate

    def read(self, end: int, out: np.ndarray) -> int:
        """Copy ``samples[end - len(out):end]`` into ``out``, zeros outside the file; returns real count."""
        n = out.shape[0]
        total = self.samples.shape[0]
        a, b = max(end - n, 0), min(end, total)
        if b <= a:
            out.fill(0.0)
            return 0
        offset = a - (end - n)
        out[:offset].fill(0.0)
        out[offset : offset + (b - a)] = self.samples[a:b]
        out[offset + (b - a) :].fill(0.0)
        return b - a

    # --- control -----------------------------------------------------------------------------------
    def play(self) -> None:
        """Start or resume playback (from the start again once it ended).

        Raises
        ------
        PortAudioMissingError, StreamOpenError
        """
        if self._running and not self._ended:
            return
        if self._ended and self._stream is not None:
            # the callback ended the stream (CallbackStop): PortAudio needs an explicit stop to restart
            self._stopping = True
            self._running = False
            try:
                self._stream.stop()
            except Exception:
                self._close_quietly()
        if self._ended or self.position >= self.samples.shape[0]:
            self.seek(0.0)
        self._ended = False
        self._paused = False
        self._origin = self._block_start = self._pos
        if self._stream is None:
            self._open()
        self._start_stream()

    def pause(self) -> None:
        """Pause, keeping the position."""
        if not self._running:
            return
        pos = self.position
        self._stopping = True
        self._running = False
        try:
            self._stream.stop()
        except Exception:
            self._close_quietly()
        self._pos = pos
        self._paused = True

    def stop(self) -> None:
        """Stop and rewind to the start."""
        self.pause()
        self._paused = False
        self._ended = False
        self.seek(0.0)

    def seek(self, seconds: float) -> None:
        """Move the playhead (works while playing, paused or stopped)."""
        target = int(min(max(seconds, 0.0) * self.samplerate, self.samples.shape[0]))
        if not self._running:
            self._pos = target
            self._seek_seen = self._seek[0] + 1
            self._seek = (self._seek_seen, target)
            return
        self._seek = (self._seek[0] + 1, target)

    def _open(self) -> None:
        sd = get_sounddevice()
        try:
            self._stream = sd.OutputStream(
                device=self.device,
                channels=1,
                samplerate=self.samplerate,
                dtype="float32",
                blocksize=self.blocksize,
                callback=self._callback,
                finished_callback=self._on_finished,
            )
        except Exception as exc:
            self._stream = None
            if self.samplerate == 48000:
                raise StreamOpenError(f"Could not open audio output for {self.name}: {_reason(exc)}") from exc
            # some devices only play their native rate: resample once to 48 kHz and retry
            pos_s = self.position_seconds
            self.samples = resample(self.samples, self.samplerate, 48000).astype(np.float32)
            self.samplerate = 48000
            self.ring = RingBuffer(int(self.ring_seconds * 48000))
            self.seek(pos_s)
            try:
                self._stream = sd.OutputStream(
                    device=self.device, channels=1, samplerate=48000, dtype="float32",
                    blocksize=self.blocksize, callback=self._callback, finished_callback=self._on_finished,
                )
            except Exception as exc2:
                self._stream = None
                raise StreamOpenError(
                    f"Could not open audio output for {self.name}: {_reason(exc2)}"
                ) from exc2
        self.stats.device_delay = _latency(self._stream)

    def _finished_normally(self) -> bool:
        return self._ended

    def _callback(self, outdata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        t0 = time.perf_counter()
        stats = self.stats
        if status:
            stats.count_status(status)
        seq, target = self._seek
        pos = self._pos
        if seq != self._seek_seen:
            self._seek_seen = seq
            pos = self._origin = target
        samples = self.samples
        n = min(frames, samples.shape[0] - pos)
        if n > 0:
            block = samples[pos : pos + n]
            outdata[:n, 0] = block
            self.ring.write(block)
        if n < frames:
            outdata[max(n, 0) :] = 0.0
        now = time.monotonic()
        self._block_start = pos
        self._block_time = now
        self._pos = pos + max(n, 0)
        stats.frames += frames
        stats.callbacks += 1
        stats.last_callback_at = now
        stats.callback_seconds += time.perf_counter() - t0
        if n < frames:
            self._ended = True
            raise get_sounddevice().CallbackStop


def _latency(stream) -> float:
    """The stream's reported latency in seconds; 0 when the backend cannot say."""
    try:
        return float(stream.latency)
    except Exception:  # noqa: BLE001 - a display figure only; some backends raise or return odd types
        return 0.0


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
