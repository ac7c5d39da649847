"""Shared fixtures: the real data in ../shared/data, skipped with a reason when absent (failing under CI)."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("GENRE_GUI_SHARED_DATA", ROOT.parent / "shared" / "data"))
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def pytest_configure(config) -> None:
    """Tests never write into the user's home: without scripts/with_pulse.sh (which gives the run a
    temporary home), point HOME and the XDG folders at a temporary one here, before any test runs."""
    if Path(os.path.expanduser("~")).resolve().is_relative_to(Path(tempfile.gettempdir()).resolve()):
        return
    home = Path(tempfile.mkdtemp(prefix="genre_gui_test_home_"))
    os.environ["HOME"] = str(home)
    for var, sub in (("XDG_CONFIG_HOME", ".config"), ("XDG_CACHE_HOME", ".cache"),
                     ("XDG_DATA_HOME", ".local/share")):
        (home / sub).mkdir(parents=True)
        os.environ[var] = str(home / sub)


def require_shared(*parts: str) -> Path:
    """Return ``SHARED_DATA/parts``; skip when it is absent, but fail under ``CI=true``."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        msg = f"needs {path} (the shared data beside the project)"
        if IN_CI:
            pytest.fail(msg + " and CI=true: shared data must be present")
        pytest.skip(msg)
    return path


@pytest.fixture(scope="session")
def gtzan_csv() -> Path:
    return require_shared("gtzan_features", "features_30_sec.csv")


@pytest.fixture(scope="session")
def gtzan_clips_dir() -> Path:
    return require_shared("gtzan_clips")


@pytest.fixture(scope="session")
def gtzan_clip_paths(gtzan_clips_dir: Path) -> list[Path]:
    paths = sorted(gtzan_clips_dir.glob("*/*.flac"))
    assert len(paths) == 50, f"expected 50 clips in {gtzan_clips_dir}, found {len(paths)}"
    return paths


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    return require_shared("mnist")


@pytest.fixture
def idx_folder(tmp_path) -> SimpleNamespace:
    """A small MNIST-style folder made here: ``train-*`` (60 images) and ``t10k-*`` (24 images) IDX
    pairs of 4x4 pixels, three classes that the pixel level separates. ``.path``, ``.n_train``,
    ``.n_test``."""
    import struct

    import numpy as np

    def idx_bytes(arr: np.ndarray) -> bytes:
        return bytes([0, 0, 0x08, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape) + arr.tobytes()

    folder = tmp_path / "mnist_like"
    folder.mkdir()
    rng = np.random.default_rng(3)
    for stem, n in (("train", 60), ("t10k", 24)):
        y = (np.arange(n) % 3).astype(np.uint8)
        X = (rng.integers(0, 60, size=(n, 4, 4)) + 80 * y[:, None, None]).astype(np.uint8)
        (folder / f"{stem}-images-idx3-ubyte").write_bytes(idx_bytes(X))
        (folder / f"{stem}-labels-idx1-ubyte").write_bytes(idx_bytes(y))
    return SimpleNamespace(path=folder, n_train=60, n_test=24)


@pytest.fixture(scope="session")
def musicnn_reference_dir() -> Path:
    return require_shared("musicnn_reference")


# -- permission checks as root: run the loader as the user nobody ------------------------------------
_CALL_AS_NOBODY = """
import importlib, json, os, sys
module, _, name = sys.argv[1].partition(":")
path = sys.argv[2]
out = {"uid": os.geteuid(), "readable": os.access(path, os.R_OK), "type": None, "message": "",
       "bound": not os.access(sys.argv[4], os.R_OK)}
try:
    getattr(importlib.import_module(module), name)(path, **json.loads(sys.argv[3]))
except Exception as exc:
    out.update(type=type(exc).__name__, message=str(exc))
print(json.dumps(out))
"""


def _env() -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return dict(os.environ, PYTHONPATH=path)


class Unprivileged:
    """A folder every user can enter, and ``call`` to run a loader on a file in it as the user nobody.

    chmod 000 stops nothing when the tests run as root (as CI does): the permission checks are then
    exercised in a subprocess that dropped to nobody (``setpriv``, else ``runuser``). The subprocess
    imports ``genre_gui`` from this tree.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @staticmethod
    @functools.cache
    def _drop() -> tuple[str, ...]:
        """The command prefix that makes a root process subject to file permissions.

        The user nobody when it can run this interpreter; otherwise (a checkout inside a folder nobody
        may enter) root without the capabilities that bypass permissions (CAP_DAC_OVERRIDE and
        CAP_DAC_READ_SEARCH): it owns its files but their mode bits now apply to it as to anyone.
        """
        import pwd

        if not shutil.which("setpriv"):
            pytest.fail("running as root without setpriv: cannot test file permissions")
        nobody = pwd.getpwnam("nobody")
        as_nobody = ("setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups")
        if subprocess.run([*as_nobody, sys.executable, "-c", "import genre_gui"], capture_output=True,
                          cwd=tempfile.gettempdir(), env=_env(), timeout=120).returncode == 0:
            return as_nobody
        return ("setpriv", "--bounding-set=-dac_override,-dac_read_search")

    def _probe(self) -> Path:
        """A file nobody may read (mode 000): the subprocess proves it is bound by permissions."""
        probe = self.folder / ".mode000"
        if not probe.exists():
            probe.write_text("x")
            probe.chmod(0)
        return probe

    def run_cli(self, *args: str) -> subprocess.CompletedProcess:
        """``python -m genre_gui.cli ARGS`` as nobody, in this folder; stdout and stderr as text."""
        cmd = [*(self._drop() if IS_ROOT else []), sys.executable, "-m", "genre_gui.cli", *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=self.folder, env=_env())

    def call(self, func: str, path: os.PathLike | str, **kwargs) -> SimpleNamespace:
        """Run ``func(path, **kwargs)`` (``"module:name"``) as nobody.

        Returns ``uid``, ``readable`` (``os.access(path, R_OK)`` for nobody), and the exception raised:
        ``type`` (class name, or None when nothing was raised) and ``message``.
        """
        env = _env()
        cmd = [*(self._drop() if IS_ROOT else []), sys.executable, "-c", _CALL_AS_NOBODY, func,
               os.fspath(path), json.dumps(kwargs), os.fspath(self._probe())]
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=self.folder, env=env)
        assert run.returncode == 0 and run.stdout.strip(), f"the unprivileged run failed:\n{run.stderr}"
        out = SimpleNamespace(**json.loads(run.stdout.strip().splitlines()[-1]))
        assert out.bound, "the subprocess still reads files whatever their mode (root's capabilities)"
        return out


@pytest.fixture
def unprivileged():
    """:class:`Unprivileged` on a fresh folder (mode 0755 under the system temp folder; pytest's own
    ``tmp_path`` sits in a 0700 folder of root's that the user nobody cannot enter)."""
    folder = Path(tempfile.mkdtemp(prefix="genre_gui_nobody_"))
    folder.chmod(0o755)
    try:
        yield Unprivileged(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
