"""A scriptable stand-in for the ``sounddevice`` module, for failure paths no real device can produce on
demand: no PortAudio, no input device, undecodable names, streams that refuse to open, devices lost
mid-stream. Callbacks are driven synchronously by the test (``stream.feed``), so nothing is timing-bound.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np


class PortAudioError(Exception):
    pass


class CallbackStop(Exception):  # noqa: N818 - sounddevice's name
    pass


class CallbackFlags:
    def __init__(self, **flags: bool) -> None:
        self.input_overflow = flags.get("input_overflow", False)
        self.input_underflow = flags.get("input_underflow", False)
        self.output_underflow = flags.get("output_underflow", False)
        self.output_overflow = flags.get("output_overflow", False)

    def __bool__(self) -> bool:
        return any(vars(self).values())


class FakeStream:
    def __init__(self, owner: FakeSoundDevice, kind: str, **kwargs) -> None:
        if owner.open_error:
            raise PortAudioError(owner.open_error)
        if kwargs.get("samplerate") in owner.refused_rates:  # as a device with a few native rates
            raise PortAudioError("Invalid sample rate [PaErrorCode -9997]")
        self.owner = owner
        self.kind = kind
        self.kwargs = kwargs
        self.samplerate = kwargs["samplerate"]
        self.callback = kwargs["callback"]
        self.finished_callback = kwargs.get("finished_callback")
        self.latency = 0.01
        self.active = False
        self.closed = False
        self.phase = 0
        owner.streams.append(self)

    def start(self) -> None:
        if self.owner.start_error:
            raise PortAudioError(self.owner.start_error)
        self.active = True

    def stop(self) -> None:
        was = self.active
        self.active = False
        if was and self.finished_callback:
            self.finished_callback()

    abort = stop

    def close(self) -> None:
        self.stop()
        self.closed = True

    def feed(self, frames: int = 1024, freq: float = 440.0, status: CallbackFlags | None = None):
        """Run one callback; input streams get a sine, output streams return what was played."""
        status = status or CallbackFlags()
        if self.kind == "input":
            t = (np.arange(frames) + self.phase) / self.samplerate
            self.phase += frames
            data = (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)[:, None]
            self.callback(data, frames, SimpleNamespace(inputBufferAdcTime=0.0, currentTime=0.0), status)
            return data[:, 0]
        out = np.full((frames, 1), np.nan, dtype=np.float32)
        try:
            self.callback(out, frames, SimpleNamespace(outputBufferDacTime=0.0, currentTime=0.0), status)
        except CallbackStop:
            self.active = False
            if self.finished_callback:
                self.finished_callback()
        return out[:, 0]

    def lose(self) -> None:
        """Simulate the device vanishing: PortAudio stops the stream and calls the finished callback."""
        self.active = False
        if self.finished_callback:
            self.finished_callback()


class _Lib:
    """Enough of sounddevice._lib for the raw-name fallback."""

    def __init__(self, owner: FakeSoundDevice) -> None:
        self.owner = owner

    def Pa_GetDeviceCount(self) -> int:
        return len(self.owner.devices)

    def Pa_GetDeviceInfo(self, i: int):
        d = self.owner.devices[i]
        raw = d["name"] if isinstance(d["name"], bytes) else d["name"].encode()
        return SimpleNamespace(
            name=raw,
            hostApi=0,
            maxInputChannels=d["max_input_channels"],
            maxOutputChannels=d["max_output_channels"],
            defaultSampleRate=d["default_samplerate"],
        )


def device(name, inputs=2, outputs=2, rate=48000.0) -> dict:
    return {
        "name": name,
        "hostapi": 0,
        "max_input_channels": inputs,
        "max_output_channels": outputs,
        "default_samplerate": rate,
    }


class FakeSoundDevice:
    PortAudioError = PortAudioError
    CallbackStop = CallbackStop
    CallbackFlags = CallbackFlags

    def __init__(self, devices: list[dict] | None = None, default: int = 0) -> None:
        self.devices = devices if devices is not None else [device("Fake mic"), device("Fake out", inputs=0)]
        self.default = SimpleNamespace(device=[default, default])
        self.open_error: str | None = None
        #: rates a stream refuses to open at (the others open): how real devices say no
        self.refused_rates: set[int] = set()
        self.start_error: str | None = None
        self.streams: list[FakeStream] = []
        self._lib = _Lib(self)
        self._ffi = SimpleNamespace(string=lambda b: b)

    def query_devices(self, i=None, kind=None):
        if i is None:
            return [self.query_devices(k) for k in range(len(self.devices))]
        d = dict(self.devices[i])
        if isinstance(d["name"], bytes):
            d["name"].decode("utf-8")  # raises UnicodeDecodeError like sounddevice does
        d["index"] = i
        return d

    def query_hostapis(self, i=None):
        return {"name": "FakeAPI"}

    def check_input_settings(self, device=None, channels=None, dtype=None, samplerate=None):
        if samplerate not in (44100, 48000):
            raise PortAudioError("Invalid sample rate")

    def InputStream(self, **kwargs) -> FakeStream:
        return FakeStream(self, "input", **kwargs)

    def OutputStream(self, **kwargs) -> FakeStream:
        return FakeStream(self, "output", **kwargs)

    def _terminate(self) -> None:
        pass

    def _initialize(self) -> None:
        pass

    @property
    def last_stream(self) -> FakeStream:
        return self.streams[-1]
