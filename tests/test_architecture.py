"""The compute core must never pull in Qt: checked in a fresh interpreter."""

import os
import subprocess
import sys


def test_core_and_audio_do_not_import_qt():
    code = (
        "import sys, pkgutil, importlib, genre_gui.core, genre_gui.audio\n"
        "for pkg in (genre_gui.core, genre_gui.audio):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(m.name)\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'pyqtgraph')))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"core/audio imported Qt modules: {out.stdout.strip()}"


def test_core_does_not_import_sounddevice():
    code = (
        "import sys, pkgutil, importlib, genre_gui.core\n"
        "for m in pkgutil.walk_packages(genre_gui.core.__path__, 'genre_gui.core.'):\n"
        "    importlib.import_module(m.name)\n"
        "print('sounddevice' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_main_window_import_leaves_heavy_dsp_for_later():
    # scipy.signal alone costs ~1 s of start-up; the window must show before any of it is needed
    code = (
        "import sys, genre_gui.ui.main_window, genre_gui.__main__\n"
        "print(','.join(sorted(m for m in ('scipy.signal', 'sounddevice', 'genre_gui.core.features')\n"
        "                      if m in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"imported at start-up: {out.stdout.strip()}"


def test_only_workers_create_threads_for_the_ui():
    """The UI package never starts a thread itself; genre_gui.workers owns every one (and joins it)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "genre_gui"
    banned = {"Thread", "QThread", "ThreadPoolExecutor", "QThreadPool", "Timer", "start_new_thread"}
    offenders = []
    for path in [root / "__main__.py", *sorted((root / "ui").rglob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
                if name in banned:
                    offenders.append(f"{path.relative_to(root.parent)}:{node.lineno} {name}(...)")
    assert offenders == [], "threads created outside genre_gui/workers: " + ", ".join(offenders)
