"""genre-gui-cli's exit codes for Ctrl-C (130, one line) and a closed output pipe (0, no traceback).

Each test runs ``python -m genre_gui.cli`` in a real subprocess of this tree. Ctrl-C is sent as a terminal
sends it: SIGINT to the whole process group (the CLI and its worker processes). The pipe tests give the
CLI's stdout a pipe whose reader goes away early, as ``genre-gui-cli ... | head -c 1`` does.
"""

from __future__ import annotations

import fcntl
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from genre_gui.assets import DEMO_CSV

ROOT = Path(__file__).resolve().parents[1]
TABLE = DEMO_CSV
PROGRESS = re.compile(r"[\w ]+: \d+/\d+ \(\d+%\)")  # the non-terminal progress line
INTERRUPTED = "genre-gui-cli: interrupted"
PIPE_BYTES = 4096  # the smallest pipe Linux makes: the CLI's output cannot all fit in it


def _env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell: this tree's package, Python's normal block-buffered stdout."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return {**env, **extra}


def _cli(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "genre_gui.cli", *args], cwd=ROOT, env=_env(), **kwargs)


def _alive_in_group(pgid: int) -> list[int]:
    """Processes (not zombies) still in process group ``pgid``."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # exited meanwhile
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            alive.append(int(stat.parent.name))
    return alive


def _interrupt_when(proc: subprocess.Popen, line_matches: re.Pattern) -> tuple[list[str], str, list[int]]:
    """Read the CLI's stderr until a line matches, then press Ctrl-C.

    Returns the stderr lines before, the rest of stderr, and the processes of the CLI's group still
    running 20 s after the CLI itself exited (its worker processes must not outlive it).
    """
    before = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        assert line, f"the CLI ended before the moment to interrupt it:\n{''.join(before)}"
        before.append(line)
        if line_matches.fullmatch(line.rstrip("\n")):
            break
    else:
        raise AssertionError(f"never saw {line_matches.pattern!r}:\n{''.join(before)}")
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    try:
        proc.wait(timeout=60)  # the CLI itself; a leftover process may still hold its pipes open
        deadline = time.monotonic() + 20
        while _alive_in_group(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        leftover = _alive_in_group(proc.pid)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    out, rest = proc.communicate(timeout=60)
    assert out == ""
    return before, rest, leftover


def _assert_interrupted(proc: subprocess.Popen, rest: str) -> None:
    assert proc.returncode == 130, rest
    lines = rest.splitlines()
    # progress lines already on their way may still come; then exactly one line, the message
    assert lines and lines[-1] == INTERRUPTED, rest
    assert all(PROGRESS.fullmatch(line) for line in lines[:-1]), rest
    assert "Traceback" not in rest and "KeyboardInterrupt" not in rest, rest


def test_ctrl_c_during_compare_exits_130_with_one_line():
    proc = _cli("compare", "--dataset", str(TABLE), "--folds", "50", stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True, start_new_session=True)
    before, rest, leftover = _interrupt_when(proc, re.compile(r"softmax *: \d+/1000 \(\d+%\)"))
    _assert_interrupted(proc, rest)
    assert leftover == []
    assert not any("ovr_logistic" in line for line in before + rest.splitlines())  # stopped in softmax


def _folder(root: Path, per_class: int = 30, seconds: float = 10.0) -> Path:
    rng = np.random.default_rng(0)
    for genre in ("blues", "rock"):
        (root / genre).mkdir(parents=True)
        for i in range(per_class):
            y = 0.1 * rng.standard_normal(int(22050 * seconds))
            sf.write(root / genre / f"{genre}.{i:05d}.wav", y, 22050)
    return root


def test_ctrl_c_during_extract_with_workers_exits_130_and_leaves_no_process(tmp_path):
    folder = _folder(tmp_path / "music")
    out = tmp_path / "features.csv"
    proc = _cli("extract", str(folder), "--out", str(out), "--no-cache", "--jobs", "2",
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    # once files are done the worker processes are running: Ctrl-C reaches them too
    _, rest, leftover = _interrupt_when(proc, re.compile(r"extracting: \d+/60 \((?:[2-9]0)%\)"))
    _assert_interrupted(proc, rest)
    assert not out.exists()
    assert leftover == [], "processes of the CLI outlived it after Ctrl-C"


def _pipe_into_early_reader(*args: str) -> tuple[subprocess.Popen, bytes, str]:
    """The CLI with stdout into a small pipe whose reader takes one byte, then closes it (``| head -c 1``)."""
    r, w = os.pipe()
    fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    try:
        proc = _cli(*args, stdout=w, stderr=subprocess.PIPE, text=True)
    finally:
        os.close(w)
    try:
        first = os.read(r, 1)
    finally:
        os.close(r)
    try:
        err = proc.stderr.read()
        proc.wait(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc, first, err


def test_predict_into_a_reader_that_closes_early_exits_0_quietly(tmp_path):
    t = np.arange(22050 * 4) / 22050
    files = []
    for i in range(4):
        files.append(str(tmp_path / f"tone{i}.wav"))
        sf.write(files[-1], 0.3 * np.sin(2 * np.pi * (220 + 110 * i) * t), 22050)
    # the JSON of four files (about 10 kB) is more than the pipe holds: the reader is gone mid-write
    proc, first, err = _pipe_into_early_reader("predict", "--json", *files)
    assert first == b"["
    assert proc.returncode == 0, err
    assert err == ""  # no traceback, no "Exception ignored", no error line


def test_compare_into_a_reader_that_closes_early_exits_0_quietly():
    # a JSON report and a CSV table, about 10 kB, to a reader that stops after one byte
    proc, first, err = _pipe_into_early_reader("compare", "-q", "--dataset", str(TABLE), "--folds", "20",
                                               "--json", "-", "--csv", "-")
    assert first == b"{"
    assert proc.returncode == 0, err
    assert err == ""


def test_a_reader_already_gone_before_a_short_output_exits_0_quietly(tmp_path):
    # `genre-gui-cli predict song | true`: the whole answer fits Python's stdout buffer, so the write
    # only fails when it is flushed; that flush must happen where main() catches the closed pipe
    song = tmp_path / "tone.wav"
    sf.write(song, 0.3 * np.sin(2 * np.pi * 440 * np.arange(22050 * 4) / 22050), 22050)
    r, w = os.pipe()
    os.close(r)
    try:
        proc = _cli("predict", str(song), stdout=w, stderr=subprocess.PIPE, text=True)
    finally:
        os.close(w)
    err = proc.stderr.read()
    proc.wait(timeout=300)
    assert proc.returncode == 0, err
    assert err == ""  # measured before the fix: exit 120 and "Exception ignored ... BrokenPipeError"

