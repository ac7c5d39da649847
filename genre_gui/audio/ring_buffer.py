"""A preallocated single-writer ring buffer of mono float32 samples.

The audio callback writes blocks; readers (the display timer, the classifier thread) copy the newest
samples out. Every sample is stored twice, at ``i`` and ``i + capacity``, so any window of up to
``capacity`` samples is one contiguous slice and a read is a single ``np.copyto`` (friture's trick).

Concurrency: one writer and any number of readers, no lock in the writer (a lock could make the audio
thread wait on the GUI). The writer announces the region it is about to overwrite in ``_writing_to``
before touching memory and publishes ``_written`` after; a reader checks after copying that the region
it copied was not announced meanwhile and retries if it was (a seqlock). Reading and assigning a Python
int attribute are atomic under the GIL.
"""

from __future__ import annotations

import numpy as np

__all__ = ["RingBuffer"]


class RingBuffer:
    """Preallocated ring of ``capacity`` mono float32 samples with absolute sample positions.

    Parameters
    ----------
    capacity : int
        Samples kept; older ones are overwritten.

    Attributes
    ----------
    written : int
        Total samples ever written (the absolute position just past the newest sample).
    overflows : int
        Writes that could not be stored whole (a block longer than the ring): those samples were lost
        before any reader could see them.
    lost_reads : int
        Reads that asked for samples already overwritten (the reader fell behind by more than the ring).
    """

    def __init__(self, capacity: int) -> None:
        capacity = int(capacity)
        if capacity < 1:
            raise ValueError(f"ring capacity must be >= 1, got {capacity}")
        self.capacity = capacity
        self._buf = np.zeros(2 * capacity, dtype=np.float32)
        self._written = 0
        self._writing_to = 0
        self.overflows = 0
        self.lost_reads = 0

    @property
    def written(self) -> int:
        return self._written

    def clear(self) -> None:
        """Forget the content (positions restart at 0). Only call while no writer is active."""
        self._buf.fill(0.0)
        self._written = 0
        self._writing_to = 0

    def write(self, block: np.ndarray) -> None:
        """Append ``block`` (1-D, any float dtype). Allocation-free; meant for the audio callback."""
        n = block.shape[0]
        if n == 0:
            return
        cap = self.capacity
        if n > cap:
            self.overflows += 1
            block = block[n - cap :]
            skipped = n - cap
            n = cap
        else:
            skipped = 0
        start_abs = self._written + skipped
        self._writing_to = start_abs + n
        start = start_abs % cap
        first = min(n, cap - start)
        buf = self._buf
        # both copies of the region, so reads of any length stay contiguous
        buf[start : start + first] = block[:first]
        buf[start + cap : start + cap + first] = block[:first]
        if first < n:
            rest = n - first
            buf[:rest] = block[first:]
            buf[cap : cap + rest] = block[first:]
        self._written = start_abs + n

    def read(self, end: int, out: np.ndarray) -> int:
        """Copy the ``len(out)`` samples ending at absolute position ``end`` into ``out``.

        Positions not yet written, or already overwritten, read as zeros.

        Returns
        -------
        int
            How many samples of ``out`` hold real audio.
        """
        n = out.shape[0]
        cap = self.capacity
        if n > cap:
            raise ValueError(f"cannot read {n} samples from a ring of {cap}")
        end = int(end)
        want = end - n
        valid = 0
        for _ in range(4):
            written = self._written
            oldest = max(written - cap, 0)
            a = max(want, oldest)
            b = min(end, written)
            valid = max(b - a, 0)
            if valid == 0:
                out.fill(0.0)
                return 0
            offset = a - want
            out[:offset].fill(0.0)
            s = a % cap
            out[offset : offset + valid] = self._buf[s : s + valid]
            out[offset + valid :].fill(0.0)
            # intact unless the writer announced a region overlapping what we copied
            if self._writing_to - cap <= a:
                if oldest > max(want, 0):
                    self.lost_reads += 1
                return valid
        return valid

    def latest(self, out: np.ndarray) -> int:
        """Copy the newest ``len(out)`` samples into ``out``; returns how many are real audio."""
        return self.read(self._written, out)
