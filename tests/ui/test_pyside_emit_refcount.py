"""PySide6 6.12.0 on Python < 3.12 steals a reference of True per Signal.emit and aborts the process
after a few hundred emits; pyproject excludes that release. This guards the installed PySide6 (run in a
fresh interpreter: a failure aborts the process)."""

from __future__ import annotations

import subprocess
import sys


def test_many_emits_do_not_abort_the_interpreter():
    code = (
        "import genre_gui.ui\n"
        "from PySide6.QtCore import QCoreApplication, QObject, Signal\n"
        "app = QCoreApplication([])\n"
        "class A(QObject):\n"
        "    s = Signal(object)\n"
        "a = A(); got = []\n"
        "a.s.connect(got.append)\n"
        "for i in range(20000):\n"
        "    a.s.emit(None)\n"
        "print(len(got))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "20000"
