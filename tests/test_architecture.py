"""The layers: statically by import-linter (pyproject.toml's [tool.importlinter], every import, the ones
inside functions too), and at run time in a fresh interpreter (what importing a layer really loads)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    # cwd first on sys.path (lint-imports puts it there), so a copy of the package in cwd is the one analysed
    exe = Path(sys.executable).with_name("lint-imports")
    return subprocess.run([str(exe), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(cwd)})


def test_import_contracts_hold():
    out = _lint_imports(ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout


def test_import_contracts_catch_a_breach_inside_a_function(tmp_path):
    """The contracts are live: a lazy Qt import planted in a copy of core breaks one (the runtime checks
    below would miss it: the function never runs)."""
    shutil.copytree(ROOT / "genre_gui", tmp_path / "genre_gui", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    spectral = tmp_path / "genre_gui" / "core" / "spectral.py"
    planted = "\n\ndef _planted():\n    from PySide6 import QtCore  # noqa: F401\n"
    spectral.write_text(spectral.read_text(encoding="utf-8") + planted, encoding="utf-8")
    out = _lint_imports(tmp_path)
    assert out.returncode != 0, out.stdout
    assert "genre_gui.core.spectral -> PySide6" in out.stdout
    broken = out.stdout.split("Broken contracts", 1)[1]
    assert "core and audio are Qt-free" in broken  # and the CLI's, which reaches it through core


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

    root = ROOT / "genre_gui"
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
