import subprocess
import sys
import threading

import numpy as np
import pytest

from genre_gui.audio.ring_buffer import RingBuffer


def ramp(start, n):
    return np.arange(start, start + n, dtype=np.float32)


def test_latest_is_newest_samples_across_wraparound():
    ring = RingBuffer(10)
    ring.write(ramp(0, 7))
    ring.write(ramp(7, 7))  # wraps
    out = np.empty(10, np.float32)
    assert ring.latest(out) == 10
    np.testing.assert_array_equal(out, ramp(4, 10))
    assert ring.written == 14
    assert ring.overflows == 0


def test_short_history_is_zero_padded_in_front():
    ring = RingBuffer(16)
    ring.write(ramp(1, 3))
    out = np.full(8, 99, np.float32)
    assert ring.latest(out) == 3
    np.testing.assert_array_equal(out, [0, 0, 0, 0, 0, 1, 2, 3])


def test_read_by_absolute_position():
    ring = RingBuffer(8)
    ring.write(ramp(0, 20))  # longer than the ring: counted as an overflow, newest 8 kept
    assert ring.overflows == 1
    assert ring.written == 20
    out = np.empty(4, np.float32)
    assert ring.read(18, out) == 4
    np.testing.assert_array_equal(out, ramp(14, 4))
    # asking for overwritten samples: zeros where lost, counted
    assert ring.read(14, out) == 2
    np.testing.assert_array_equal(out, [0, 0, 12, 13])
    assert ring.lost_reads == 1
    # the future is zeros
    assert ring.read(22, out) == 2
    np.testing.assert_array_equal(out, [18, 19, 0, 0])


def test_read_longer_than_ring_is_refused():
    with pytest.raises(ValueError):
        RingBuffer(4).read(4, np.empty(5, np.float32))
    with pytest.raises(ValueError):
        RingBuffer(0)


def test_concurrent_writer_and_reader_always_see_contiguous_audio():
    # the writer thread appends a ramp; every read must be consecutive values (never a torn mix)
    ring = RingBuffer(4096)
    stop = threading.Event()
    total = 3_000_000

    def writer():
        pos = 0
        while pos < total and not stop.is_set():
            ring.write(ramp(pos % 2**23, 256) if pos % 2**23 + 256 <= 2**23 else ramp(0, 256))
            pos += 256

    t = threading.Thread(target=writer)
    t.start()
    out = np.empty(3000, np.float32)
    checked = 0
    try:
        while t.is_alive():
            n = ring.latest(out)
            if n == out.shape[0]:
                d = np.diff(out)
                # consecutive except where the ramp restarts at 0 (a wrap of the value, not of the ring)
                assert np.all((d == 1) | (out[1:] == 0)), "torn read"
                checked += 1
    finally:
        stop.set()
        t.join()
    assert checked > 10


def test_importing_the_audio_package_does_not_load_sounddevice():
    code = (
        "import sys, pkgutil, importlib, genre_gui.audio\n"
        "for m in pkgutil.walk_packages(genre_gui.audio.__path__, 'genre_gui.audio.'):\n"
        "    importlib.import_module(m.name)\n"
        "print('sounddevice' in sys.modules, '_sounddevice' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False False"
