"""Work around a reference-counting bug of PySide6 6.12.0 on Python < 3.12.

``SignalInstance.emit()`` there returns ``True`` without taking a new reference, so every emit (ours,
pyqtgraph's, any panel's) steals one reference of ``True``. ``True`` starts with a few hundred, so after a
few hundred emits CPython aborts with "Fatal Python error: bool_dealloc" (or "none_dealloc"). Python 3.12
made these singletons immortal, which is why the bug is invisible there; PySide6 6.11.x is not affected.

The cure is a PySide6 without the bug (``PySide6-Essentials!=6.12.0``). Until then, when a probe shows the
leak, :func:`apply` raises the reference counts of ``True``, ``False`` and ``None`` by 2**40: those objects
are never freed anyway, so the extra references cost nothing and outlast any session (a trillion emits).
"""

from __future__ import annotations

import ctypes
import logging
import platform
import sys

log = logging.getLogger(__name__)

_BOOST = 1 << 40
_applied = False


def emit_leaks_references() -> bool:
    """True when ``Signal.emit`` of the running PySide6 steals a reference of its return value."""
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        probed = Signal(object)

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.probed.emit(None)
    leaked = sys.getrefcount(True) < before - 4
    if leaked:  # give back what the probe took
        for _ in range(8):
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
    return leaked


def apply() -> bool:
    """Make the leak harmless when present; returns True when the workaround was applied."""
    global _applied
    if _applied:
        return True
    if platform.python_implementation() != "CPython" or sys.version_info >= (3, 12):
        return False
    try:
        if not emit_leaks_references():
            return False
        for obj in (True, False, None):
            # ob_refcnt is the first field of every object in a release build of CPython
            ctypes.c_ssize_t.from_address(id(obj)).value += _BOOST
    except Exception as exc:  # noqa: BLE001 - a workaround must never stop the app
        log.warning("PySide6 emit refcount workaround not applied: %s", exc)
        return False
    _applied = True
    import PySide6

    log.info("PySide6 %s leaks a reference per Signal.emit on Python %s; workaround applied "
             "(install PySide6-Essentials != 6.12.0 to remove the need)", PySide6.__version__,
             platform.python_version())
    return True
