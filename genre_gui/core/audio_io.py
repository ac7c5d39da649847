"""Reading audio files into float32 mono arrays, with a clear ``AudioError`` for anything unusable."""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import soundfile as sf

from .errors import AudioError

__all__ = ["AudioError", "load_audio", "audio_info", "MIN_SAMPLES", "MAX_SECONDS", "AUDIO_EXTENSIONS"]

#: librosa's n_fft: a clip shorter than one analysis frame has no features
MIN_SAMPLES = 2048
#: refuse to decode more than this many seconds (an hour of 192 kHz 8-channel float would be ~22 GB);
#: longer files are read up to the cap only when ``max_seconds`` is raised by the caller.
MAX_SECONDS = 20 * 60
#: highest file sample rate accepted: 768 kHz is the highest any audio interface offers
MAX_SAMPLE_RATE = 768_000
#: largest decoding working set: the float64 mono samples (8 bytes a frame) of the whole file. 20 minutes
#: at up to ~220 kHz fit; the channels are averaged block by block, so their count does not matter.
MAX_DECODE_BYTES = 2 * 1024**3
_BLOCK_FRAMES = 1 << 16
#: extensions offered in file dialogs and used to pick files out of dropped folders
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aif", ".aiff", ".au", ".snd")


def audio_info(path: str | os.PathLike) -> sf._SoundFileInfo:
    """Return soundfile's header info, or raise ``AudioError`` naming the file and the reason."""
    p = Path(path)
    _check_path(p)
    try:
        with _quiet_decoder(p):
            return sf.info(_native(p))
    except Exception as exc:  # soundfile raises LibsndfileError, RuntimeError, TypeError...
        raise AudioError(f"{p}: not a readable audio file ({_reason(exc)})") from exc


def load_audio(
    path: str | os.PathLike,
    sr: int | None = 22050,
    *,
    max_seconds: float | None = MAX_SECONDS,
    min_samples: int = MIN_SAMPLES,
) -> np.ndarray:
    """Load an audio file as float32 mono, resampled to ``sr``.

    Parameters
    ----------
    path : path-like
        Any format libsndfile reads (WAV, FLAC, OGG/Vorbis, Opus, MP3, AIFF, AU), any channel count.
    sr : int or None
        Target sample rate; ``None`` keeps the file's rate. Resampling uses soxr
        (:func:`resample`), as ``librosa.load`` does.
    max_seconds : float or None
        Longest duration decoded; longer files raise ``AudioError`` rather than filling memory. Whatever
        the duration, decoding never holds more than ``MAX_DECODE_BYTES`` (2 GB) of samples: files
        are decoded block by block into one mono array, and larger ones are refused from their header.
    min_samples : int
        Shortest usable result (after resampling); one analysis frame by default.

    Returns
    -------
    ndarray of shape (n,), float32
        Finite samples (channels averaged).

    Raises
    ------
    AudioError
        Missing, unreadable, corrupt, non-audio, empty, too short, too long, or non-finite audio.
    """
    p = Path(path)
    info = audio_info(p)
    if info.frames == 0:
        raise AudioError(f"{p}: the file has no audio frames")
    if max_seconds is not None and info.samplerate > 0 and info.frames > max_seconds * info.samplerate:
        raise AudioError(
            f"{p}: too long ({_minutes_seconds(info.frames / info.samplerate)}); "
            f"the limit is {_minutes_seconds(max_seconds)}"
        )
    if info.samplerate > MAX_SAMPLE_RATE:
        raise AudioError(f"{p}: unsupported sample rate {info.samplerate} Hz (at most {MAX_SAMPLE_RATE} Hz)")
    out_sr = sr or info.samplerate
    if 0 < info.samplerate and info.frames * out_sr < min_samples * info.samplerate:
        # decided from the header, before decoding and resampling anything
        raise AudioError(
            f"{p}: too short ({info.frames * out_sr // info.samplerate} samples at {out_sr} Hz); at least "
            f"{min_samples} samples are needed for one analysis frame"
        )
    if info.frames * 8 > MAX_DECODE_BYTES:
        raise AudioError(f"{p}: too large to decode ({info.frames * 8 / 2**20:.0f} MB as mono samples; the "
                         f"limit is {MAX_DECODE_BYTES // 2**20} MB)")
    try:
        y, file_sr = _read_mono(p, info.frames)
    except AudioError:
        raise
    except Exception as exc:
        raise AudioError(f"{p}: the audio data is corrupt or truncated ({_reason(exc)})") from exc
    if y.shape[0] == 0:
        raise AudioError(f"{p}: the file has no audio frames")
    if sr is not None and file_sr != sr:
        y = resample(y, file_sr, sr)
    y = y.astype(np.float32)
    if y.shape[0] < min_samples:
        raise AudioError(
            f"{p}: too short ({y.shape[0]} samples at {sr or file_sr} Hz); at least {min_samples} "
            "samples are needed for one analysis frame"
        )
    if not np.all(np.isfinite(y)):  # resampling finite data stays finite; guard anyway, NaN never leaves
        raise AudioError(f"{p}: resampling produced non-finite samples")
    return y


def _read_mono(p: Path, frames: int) -> tuple[np.ndarray, int]:
    """Decode block by block, averaging the channels as it goes.

    Peak memory is the float64 mono result plus one block, not every channel of the whole file at once
    (an 8-channel file would need four times more). ``frames`` from the header sizes the result; a file
    holding more or fewer frames than its header says is handled.
    """
    out = np.empty(max(int(frames), 0), dtype=np.float64)
    n, extra = 0, []
    with _quiet_decoder(p), sf.SoundFile(_native(p)) as f:
        file_sr = f.samplerate
        while True:
            block = f.read(_BLOCK_FRAMES, dtype="float32", always_2d=True)
            if block.shape[0] == 0:
                break
            if not np.all(np.isfinite(block)):
                raise AudioError(f"{p}: the file contains non-finite samples (NaN or infinity)")
            mono = (block.mean(axis=1, dtype=np.float64) if block.shape[1] > 1
                    else block[:, 0].astype(np.float64))
            take = min(len(mono), len(out) - n)
            out[n:n + take] = mono[:take]
            n += take
            if take < len(mono):
                extra.append(mono[take:])
    y = np.concatenate([out[:n], *extra]) if extra else out[:n]
    return y, file_sr


def _minutes_seconds(seconds: float) -> str:
    """``"20 min 1 s"``, ``"20 min"``: a length one second over a limit must not read as the limit."""
    m, s = divmod(int(round(seconds)), 60)
    return f"{m} min" + (f" {s} s" if s else "")


def resample(y: np.ndarray, sr_in: int, sr_out: int) -> np.ndarray:
    """Resample from ``sr_in`` to ``sr_out`` Hz with soxr's "HQ" quality, as ``librosa.resample``.

    librosa's default resampler (``res_type="soxr_hq"``), length fixed to ``ceil(len(y) * ratio)`` as
    librosa fixes it. The musicnn network is sensitive to the resampler: fed through SciPy's
    ``resample_poly`` its tags differ from the published package's by up to 0.19 on single patches,
    through soxr by under 0.001. soxr also takes any rate ratio (44101 Hz, 767999 Hz) at the cost of a
    standard one, with no filter whose length grows with the ratio's terms.
    """
    if sr_in == sr_out:
        return y
    import soxr  # imported here: most files need no resampling, and start-up stays short

    n_out = int(np.ceil(len(y) * float(sr_out) / sr_in))
    out = soxr.resample(np.ascontiguousarray(y), int(sr_in), int(sr_out), quality="HQ")
    if len(out) != n_out:  # soxr's length can differ from librosa's by a sample
        out = out[:n_out] if len(out) > n_out else np.pad(out, (0, n_out - len(out)))
    return out


#: lines libmpg123 prints to file descriptor 2 while probing a damaged or non-MPEG ".mp3" file
_MPG123_NOISE = (b"Note: ", b"Warning: ", b"[src/libmpg123/", b"[libmpg123/")
_STDERR_LOCK = threading.Lock()


@contextmanager
def _quiet_decoder(p: Path) -> Iterator[None]:
    """Keep libmpg123's parser notes off the terminal while an ``.mp3`` file is opened or decoded.

    libsndfile's MP3 decoder writes "Note: Illegal Audio-MPEG-Header..." straight to file descriptor 2,
    so a bad MP3 would print several lines besides the one ``AudioError`` message the CLI promises.
    File descriptor 2 is pointed at a temporary file for the call; anything else written there meanwhile
    (another thread's log line) is written back afterwards, only the decoder's notes are dropped.
    """
    if p.suffix.lower() != ".mp3":
        yield
        return
    with _STDERR_LOCK:
        saved = tmp = None
        try:
            sys.stderr.flush()
            tmp = tempfile.TemporaryFile()
            saved = os.dup(2)
            os.dup2(tmp.fileno(), 2)
        except (OSError, ValueError, AttributeError):  # no usable fd 2 (a windowed app): nothing to hide
            if saved is not None:
                os.close(saved)
            saved = None
        try:
            yield
        finally:
            if saved is not None:
                os.dup2(saved, 2)
                os.close(saved)
            if tmp is not None:
                tmp.seek(0)
                lines = tmp.read().splitlines(keepends=True)
                tmp.close()
                kept = b"".join(line for line in lines if not line.startswith(_MPG123_NOISE))
                if kept:
                    os.write(2, kept)


def _native(p: Path) -> bytes:
    # bytes, not str: soundfile encodes str paths strictly as UTF-8 and fails on names that are not
    # (surrogate-escaped bytes from the file system), so such files would look unreadable
    return os.fsencode(p)


def _check_path(p: Path) -> None:
    if not p.exists():
        if p.is_symlink():  # exists() follows links: a dangling or self-referencing link lands here
            raise AudioError(f"{p}: a broken or looping symbolic link")
        raise AudioError(f"{p}: no such file")
    if p.is_dir():
        raise AudioError(f"{p}: is a folder, not an audio file")
    if not os.access(p, os.R_OK):
        raise AudioError(f"{p}: permission denied")
    if p.stat().st_size == 0:
        raise AudioError(f"{p}: the file is empty (0 bytes)")


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    # libsndfile's messages repeat the path; keep only the reason after it
    if ": " in text and ("Error opening" in text or "Error reading" in text):
        text = text.rsplit(": ", 1)[-1]
    if text.startswith("File does not exist or is not a regular file"):
        # libsndfile's MP3 probe says this about an existing regular file whose data is not MPEG audio;
        # _check_path already ruled out the missing file and the folder, so tell the real reason
        text = "unrecognised or corrupt audio data"
    return text
