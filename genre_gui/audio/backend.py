"""Lazy, guarded access to the ``sounddevice`` module.

``import sounddevice`` loads the PortAudio shared library and initialises it; either step can fail
(``OSError`` when the library is absent, ``PortAudioError`` when no host API starts). The app must keep
working without live audio, so nothing imports sounddevice at module level: every caller goes through
:func:`get_sounddevice`, which turns those failures into :class:`PortAudioMissingError`.
"""

from __future__ import annotations

import threading
from types import ModuleType
from typing import Any

from .errors import PortAudioMissingError

__all__ = ["get_sounddevice", "set_backend", "reset_backend", "is_available"]

_lock = threading.Lock()
_module: Any = None


def _import_sounddevice() -> ModuleType:
    import sounddevice  # lazy on purpose: see the module docstring

    return sounddevice


def get_sounddevice() -> Any:
    """Return the sounddevice module (or the test double set by :func:`set_backend`).

    Raises
    ------
    PortAudioMissingError
        The package is not installed, the PortAudio library is missing, or it failed to initialise.
    """
    global _module
    with _lock:
        if _module is not None:
            return _module
        try:
            _module = _import_sounddevice()
        except OSError as exc:
            raise PortAudioMissingError(
                "Live audio is unavailable: the PortAudio library could not be loaded "
                f"({_first_line(exc)}). Install it (Debian/Ubuntu: apt install libportaudio2) and "
                "restart; everything else keeps working."
            ) from exc
        except ImportError as exc:
            raise PortAudioMissingError(
                "Live audio is unavailable: the Python package 'sounddevice' is not installed."
            ) from exc
        except Exception as exc:  # PortAudioError from Pa_Initialize at import time
            raise PortAudioMissingError(
                f"Live audio is unavailable: PortAudio could not start ({_first_line(exc)})."
            ) from exc
        return _module


def is_available() -> bool:
    """True when :func:`get_sounddevice` succeeds."""
    try:
        get_sounddevice()
    except PortAudioMissingError:
        return False
    return True


def set_backend(module: Any) -> None:
    """Use ``module`` instead of sounddevice (tests inject fakes through this)."""
    global _module
    with _lock:
        _module = module


def reset_backend() -> None:
    """Forget the cached module so the next call imports again."""
    set_backend(None)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
