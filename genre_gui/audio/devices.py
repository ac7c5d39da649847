"""Listing and choosing audio devices, robust to odd names and missing hardware.

Device names come from drivers and may not be valid UTF-8 (friture #283 crashed on them); sounddevice
raises ``UnicodeDecodeError`` for such a device, so each device is queried on its own and an undecodable
name is rebuilt from the raw bytes with replacement characters. Nothing here raises anything other than
:class:`~genre_gui.audio.errors.LiveAudioError` subclasses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .backend import get_sounddevice
from .errors import InvalidDeviceError, LiveAudioError, NoInputDeviceError

__all__ = [
    "DeviceInfo",
    "safe_text",
    "list_devices",
    "list_input_devices",
    "list_output_devices",
    "default_input_device",
    "find_input_device",
    "supported_input_samplerates",
    "rescan_devices",
    "COMMON_SAMPLERATES",
]

#: rates offered in the sample-rate picker (filtered by what the device accepts)
COMMON_SAMPLERATES = (8000, 11025, 16000, 22050, 32000, 44100, 48000, 88200, 96000)


@dataclass(frozen=True)
class DeviceInfo:
    """One PortAudio device, with a name that is always printable text."""

    index: int
    name: str
    hostapi: str
    max_input_channels: int
    max_output_channels: int
    default_samplerate: float

    @property
    def label(self) -> str:
        """Text for a device picker."""
        return f"{self.name} ({self.hostapi})" if self.hostapi else self.name


def safe_text(value: Any) -> str:
    """Return ``value`` as printable text: bytes decoded with replacement, control characters dropped."""
    if isinstance(value, bytes | bytearray):
        text = bytes(value).decode("utf-8", errors="replace")
    else:
        text = str(value)
    # a lone surrogate (from surrogateescape decoding) cannot be drawn or encoded: replace it too
    text = text.encode("utf-8", errors="replace").decode("utf-8", errors="replace")
    return "".join(ch if ch.isprintable() else "\ufffd" for ch in text).strip() or "(unnamed device)"


def _raw_name(sd: Any, index: int) -> str:
    """The device name from PortAudio's raw bytes, for names sounddevice cannot decode."""
    try:
        info = sd._lib.Pa_GetDeviceInfo(index)
        return safe_text(sd._ffi.string(info.name))
    except Exception:
        return f"device {index}"


def _hostapi_name(sd: Any, index: int, cache: dict[int, str]) -> str:
    if index not in cache:
        try:
            cache[index] = safe_text(sd.query_hostapis(index)["name"])
        except Exception:
            cache[index] = ""
    return cache[index]


def list_devices() -> list[DeviceInfo]:
    """All devices PortAudio knows, in index order.

    Raises
    ------
    PortAudioMissingError
        PortAudio is not available.
    LiveAudioError
        PortAudio failed while enumerating.
    """
    sd = get_sounddevice()
    try:
        lib = getattr(sd, "_lib", None)
        count = int(lib.Pa_GetDeviceCount()) if lib is not None else len(sd.query_devices())
    except Exception as exc:
        raise LiveAudioError(f"Could not list audio devices: {exc}") from exc
    if count < 0:  # a PortAudio error code
        raise LiveAudioError(f"Could not list audio devices (PortAudio error {count}).")
    hostapis: dict[int, str] = {}
    out = []
    for i in range(max(count, 0)):
        try:
            d = sd.query_devices(i)
            name = safe_text(d["name"])
        except UnicodeDecodeError:
            name = _raw_name(sd, i)
            try:
                info = sd._lib.Pa_GetDeviceInfo(i)
                d = {
                    "hostapi": info.hostApi,
                    "max_input_channels": info.maxInputChannels,
                    "max_output_channels": info.maxOutputChannels,
                    "default_samplerate": info.defaultSampleRate,
                }
            except Exception:
                continue
        except Exception:
            continue  # a device that cannot be queried cannot be opened either
        out.append(
            DeviceInfo(
                index=i,
                name=name,
                hostapi=_hostapi_name(sd, int(d.get("hostapi", -1)), hostapis),
                max_input_channels=int(d.get("max_input_channels", 0)),
                max_output_channels=int(d.get("max_output_channels", 0)),
                default_samplerate=float(d.get("default_samplerate", 0.0) or 0.0),
            )
        )
    return out


def list_input_devices() -> list[DeviceInfo]:
    """Devices with at least one input channel (may be empty)."""
    return [d for d in list_devices() if d.max_input_channels > 0]


def list_output_devices() -> list[DeviceInfo]:
    """Devices with at least one output channel (may be empty)."""
    return [d for d in list_devices() if d.max_output_channels > 0]


def default_input_device() -> DeviceInfo | None:
    """PortAudio's default input device, else the first input device, else None."""
    devices = list_input_devices()
    if not devices:
        return None
    sd = get_sounddevice()
    try:
        default = sd.default.device[0]
        default = int(default) if default is not None else -1
    except Exception:
        default = -1
    for d in devices:
        if d.index == default:
            return d
    return devices[0]


def find_input_device(device: int | str | None = None) -> DeviceInfo:
    """Resolve a device given by index, by name (or picker label), or the default (``None``).

    Raises
    ------
    NoInputDeviceError
        There is no input device at all.
    InvalidDeviceError
        ``device`` names or numbers no input device.
    """
    devices = list_input_devices()
    if not devices:
        raise NoInputDeviceError(
            "No recording device was found. Connect a microphone (or enable one in the system sound "
            "settings) and press Refresh; everything else keeps working."
        )
    if device is None or device == "":
        found = default_input_device()
        assert found is not None
        return found
    if isinstance(device, int):
        for d in devices:
            if d.index == device:
                return d
        raise InvalidDeviceError(f"There is no input device number {device}; choose another device.")
    wanted = safe_text(device)
    for d in devices:
        if wanted in (d.name, d.label):
            return d
    raise InvalidDeviceError(f"The input device '{wanted}' is not available; choose another device.")


def supported_input_samplerates(device: DeviceInfo) -> list[int]:
    """The rates of :data:`COMMON_SAMPLERATES` the device accepts for mono input (its default first)."""
    sd = get_sounddevice()
    rates = []
    for rate in COMMON_SAMPLERATES:
        try:
            sd.check_input_settings(device=device.index, channels=1, dtype="float32", samplerate=rate)
        except Exception:
            continue
        rates.append(rate)
    default = int(round(device.default_samplerate))
    if default > 0 and default not in rates:
        rates.append(default)
    return sorted(rates)


def rescan_devices() -> None:
    """Make PortAudio enumerate devices again (it caches them). Only call with no stream open."""
    sd = get_sounddevice()
    try:
        sd._terminate()
        sd._initialize()
    except Exception as exc:
        raise LiveAudioError(f"Could not rescan audio devices: {exc}") from exc
