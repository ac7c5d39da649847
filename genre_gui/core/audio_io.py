"""Reading audio files into float32 mono arrays, with a clear ``AudioError`` for anything unusable.

libsndfile decodes what it can (WAV, FLAC, Ogg, Opus, MP3, AIFF, AU); anything else goes to FFmpeg through
PyAV (``av``, FFmpeg's libraries inside its wheels): AAC and ALAC ``.m4a``, WMA, AC-3, WavPack, Matroska
and WebM audio... Both paths give the same thing: finite float32 mono, resampled by soxr.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from .errors import AudioError

__all__ = ["AudioError", "load_audio", "load_excerpts", "audio_info", "AudioInfo", "MIN_SAMPLES",
           "MAX_SECONDS", "AUDIO_EXTENSIONS", "SNDFILE_EXTENSIONS", "FFMPEG_EXTENSIONS", "EXCERPT_SECONDS",
           "EXCERPT_POSITIONS", "WHOLE_BELOW_SECONDS"]

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
#: what libsndfile reads
SNDFILE_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aif", ".aiff", ".au", ".snd")
#: what FFmpeg (PyAV) adds: AAC and ALAC in MP4/M4A/M4B/3GP/CAF, raw ADTS AAC, WMA, AC-3, E-AC-3, MP2,
#: WavPack, Matroska and WebM audio; each is written with PyAV's encoders and read back by the tests
FFMPEG_EXTENSIONS = (".m4a", ".m4b", ".aac", ".3gp", ".caf", ".wma", ".ac3", ".eac3", ".mp2", ".wv", ".mka",
                     ".webm")
#: extensions offered in file dialogs and used to pick files out of dropped folders
AUDIO_EXTENSIONS = SNDFILE_EXTENSIONS + FFMPEG_EXTENSIONS
#: long tracks (:func:`load_excerpts`): this many seconds around each of these fractions of the duration,
#: reached by seeking; tracks up to ``WHOLE_BELOW_SECONDS`` are read whole
EXCERPT_SECONDS = 10.0
EXCERPT_POSITIONS = (0.25, 0.5, 0.75)
WHOLE_BELOW_SECONDS = 60.0


@dataclass(frozen=True)
class AudioInfo:
    """Header facts of a file FFmpeg decodes (libsndfile's files give soundfile's info object, which has
    the same ``frames``, ``samplerate``, ``channels``, ``duration``, ``format`` and ``subtype``).

    ``frames`` is estimated from the container's duration (0 when the container does not say).
    """

    frames: int
    samplerate: int
    channels: int
    format: str
    subtype: str
    backend: str = "ffmpeg"

    @property
    def duration(self) -> float:
        return self.frames / self.samplerate if self.samplerate > 0 else 0.0


def audio_info(path: str | os.PathLike) -> sf._SoundFileInfo:
    """Return soundfile's header info, or raise ``AudioError`` naming the file and the reason."""
    p = Path(path)
    _check_path(p)
    try:
        with _quiet_decoder(p):
            return sf.info(_native(p))
    except Exception as exc:  # soundfile raises LibsndfileError, RuntimeError, TypeError...
        sf_exc = exc
    try:  # FFmpeg: AAC, ALAC, WMA...
        return _av_info(p)
    except AudioError as av_exc:
        # the reason of the decoder the extension belongs to: libsndfile's for its own formats (as
        # before FFmpeg was tried), FFmpeg's for .m4a, .wma... where libsndfile only says it does not know
        if p.suffix.lower() in FFMPEG_EXTENSIONS:
            reason = str(av_exc).split(": ", 1)[-1]
        else:
            reason = _reason(sf_exc)
        raise AudioError(f"{p}: not a readable audio file ({reason})") from sf_exc


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
        Any format libsndfile reads (WAV, FLAC, OGG/Vorbis, Opus, MP3, AIFF, AU) or, failing that,
        FFmpeg (PyAV: AAC/ALAC .m4a, WMA, AC-3, WavPack, Matroska/WebM...), any channel count.
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
    ffmpeg = isinstance(info, AudioInfo)
    if info.frames == 0 and not ffmpeg:  # FFmpeg's containers may not tell their length: decoding does
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
        if ffmpeg:
            cap = None if max_seconds is None else int(max_seconds * info.samplerate) + info.samplerate
            y, file_sr = _av_read_mono(p, info, cap)
        else:
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


def load_excerpts(
    path: str | os.PathLike,
    sr: int | None = 22050,
    *,
    seconds: float = EXCERPT_SECONDS,
    positions: Sequence[float] = EXCERPT_POSITIONS,
    whole_below: float = WHOLE_BELOW_SECONDS,
    min_samples: int = MIN_SAMPLES,
) -> list[np.ndarray]:
    """A representative excerpt of a track: ``seconds`` around each of ``positions`` of its duration.

    A track no longer than ``whole_below`` seconds (or whose duration the file does not tell) is read
    whole, exactly as :func:`load_audio` reads it, and returned as the single element. A longer one is
    never decoded whole: each window is reached by seeking (libsndfile or FFmpeg), so a 3-hour file
    costs as much as a 3-minute one and the 20-minute limit of :func:`load_audio` does not apply.

    Parameters
    ----------
    path : path-like
    sr : int or None
        Target rate (soxr, as :func:`load_audio`); ``None`` keeps the file's.
    seconds : float
        Length of each window; windows are kept inside the track.
    positions : sequence of float in [0, 1]
        Centres of the windows as fractions of the duration.
    whole_below : float
        Tracks up to this long are read whole.
    min_samples : int
        Shortest usable window (after resampling).

    Returns
    -------
    list of ndarray of shape (n,), float32
        One finite mono array per window (or the whole track).

    Raises
    ------
    AudioError
        As :func:`load_audio`, naming the file and the reason.
    """
    p = Path(path)
    info = audio_info(p)
    rate = int(info.samplerate)
    duration = info.frames / rate if rate > 0 else 0.0
    if duration <= max(whole_below, seconds) or not positions:
        return [load_audio(p, sr, min_samples=min_samples)]
    if rate > MAX_SAMPLE_RATE:
        raise AudioError(f"{p}: unsupported sample rate {rate} Hz (at most {MAX_SAMPLE_RATE} Hz)")
    n = int(round(seconds * rate))
    starts = [int(round(min(max(float(q) * duration - seconds / 2, 0.0), duration - seconds) * rate))
              for q in positions]
    try:
        if isinstance(info, AudioInfo):
            windows = _av_read_windows(p, starts, n, rate)
        else:
            windows = _sf_read_windows(p, starts, n)
    except AudioError:
        raise
    except Exception as exc:
        raise AudioError(f"{p}: the audio data is corrupt or truncated ({_reason(exc)})") from exc
    out = []
    for y in windows:
        if sr is not None and rate != sr and len(y):
            y = resample(y, rate, sr)
        y = np.asarray(y, dtype=np.float32)
        if y.shape[0] < min_samples:
            continue  # a window past the real end of a file whose header over-states its length
        if not np.all(np.isfinite(y)):
            raise AudioError(f"{p}: resampling produced non-finite samples")
        out.append(y)
    if not out:
        raise AudioError(f"{p}: no audio could be read at {', '.join(f'{q:.0%}' for q in positions)} of "
                         "its duration (truncated?)")
    return out


def _mono64(block: np.ndarray, p: Path) -> np.ndarray:
    """(frames, channels) float block -> float64 mono, refusing non-finite samples."""
    if not np.all(np.isfinite(block)):
        raise AudioError(f"{p}: the file contains non-finite samples (NaN or infinity)")
    return block.mean(axis=1, dtype=np.float64) if block.shape[1] > 1 else block[:, 0].astype(np.float64)


def _sf_read_windows(p: Path, starts: list[int], n: int) -> list[np.ndarray]:
    out = []
    with _quiet_decoder(p), sf.SoundFile(_native(p)) as f:
        for start in starts:
            f.seek(start)  # regular files are seekable in every format libsndfile reads
            block = f.read(n, dtype="float32", always_2d=True)
            out.append(_mono64(block, p) if block.shape[0] else np.empty(0))
    return out


# -- FFmpeg (PyAV) -------------------------------------------------------------------------------------
@contextmanager
def _av_container(p: Path) -> Iterator:
    """Open ``p`` with PyAV; yields ``(container, audio stream)``."""
    import av  # imported here: libsndfile reads most files, and start-up stays short

    name = str(p)
    try:
        name.encode("utf-8")
        source, handle = name, None
    except UnicodeEncodeError:  # a non-UTF-8 name: FFmpeg takes str paths as UTF-8, so hand it the file
        handle = open(os.fsencode(p), "rb")  # noqa: SIM115 - closed below
        source = handle
    try:
        try:
            container = av.open(source, "r")
        except Exception as exc:
            raise AudioError(f"{p}: {_av_reason(exc)}") from exc
        try:
            if not container.streams.audio:
                raise AudioError(f"{p}: no audio stream in the file")
            yield container, container.streams.audio[0]
        finally:
            container.close()
    finally:
        if handle is not None:
            handle.close()


def _av_reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc).strip() or type(exc).__name__
    text = str(text).splitlines()[0]
    # PyAV's messages end with the file name: keep the reason
    return text.split(": '", 1)[0] if ": '" in text else text


def _av_info(p: Path) -> AudioInfo:
    try:
        return _av_info_unchecked(p)
    except AudioError:
        raise
    except Exception as exc:  # a stream FFmpeg opens but cannot describe (no codec, no parameters)
        raise AudioError(f"{p}: {_av_reason(exc)}") from exc


def _av_info_unchecked(p: Path) -> AudioInfo:
    with _av_container(p) as (container, stream):
        ctx = stream.codec_context
        if ctx is None:
            raise AudioError(f"{p}: FFmpeg has no decoder for its audio stream")
        rate = int(ctx.sample_rate or stream.rate or 0)
        if rate <= 0:
            raise AudioError(f"{p}: the audio stream has no sample rate")
        if stream.duration is not None and stream.time_base is not None:
            seconds = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            seconds = container.duration / 1_000_000  # AV_TIME_BASE
        else:
            seconds = 0.0
        return AudioInfo(frames=max(int(round(seconds * rate)), 0), samplerate=rate,
                         channels=int(ctx.channels or 0), format=str(container.format.name),
                         subtype=str(ctx.name))


def _av_frames(container, stream, p: Path) -> Iterator[tuple[float | None, np.ndarray]]:
    """Decoded frames as ``(start in seconds or None, float64 mono samples)``."""
    import av

    resampler = av.AudioResampler(format="fltp")  # any sample format -> planar float, same layout and rate
    good = bad = 0
    try:
        for packet in container.demux(stream):
            try:
                frames = packet.decode()
            except av.error.InvalidDataError:
                # a damaged packet (a cut-off last one, a bit error): skipped, as FFmpeg's own tools do;
                # a file that is mostly damage is refused
                bad += 1
                if bad > 8 + good // 10:
                    raise
                continue
            for frame in frames:
                good += 1
                t = float(frame.pts * frame.time_base) if frame.pts is not None and frame.time_base else None
                for out in resampler.resample(frame):
                    yield t, _mono64(out.to_ndarray().T, p)
                    t = None
    except av.error.EOFError:
        return


def _av_read_mono(p: Path, info: AudioInfo, cap: int | None) -> tuple[np.ndarray, int]:
    """Decode the whole first audio stream; more than ``cap`` frames is "too long"."""
    chunks, n = [], 0
    with _av_container(p) as (container, stream):
        for _, mono in _av_frames(container, stream, p):
            chunks.append(mono)
            n += len(mono)
            if cap is not None and n > cap:
                raise AudioError(f"{p}: too long (over {_minutes_seconds(cap / info.samplerate)})")
            if n * 8 > MAX_DECODE_BYTES:
                raise AudioError(f"{p}: too large to decode (over {MAX_DECODE_BYTES // 2**20} MB as mono "
                                 "samples)")
    return (np.concatenate(chunks) if chunks else np.empty(0)), info.samplerate


def _av_read_windows(p: Path, starts: list[int], n: int, rate: int) -> list[np.ndarray]:
    out = []
    with _av_container(p) as (container, stream):
        for start in starts:
            t0 = start / rate
            try:  # to the key frame at or before t0 (audio frames nearly all are)
                container.seek(int(t0 / stream.time_base), stream=stream, backward=True, any_frame=False)
                pos = None
            except Exception:  # an unseekable stream: decode from the start
                container.seek(0)
                pos = 0.0
            buf = np.zeros(n, dtype=np.float64)
            filled = 0
            for t, mono in _av_frames(container, stream, p):
                if t is None:
                    t = pos if pos is not None else t0
                pos = t + len(mono) / rate
                skip = int(round((t0 - t) * rate))  # samples of this frame before the window
                if skip >= len(mono):
                    continue
                piece = mono[max(skip, 0):]
                # the first frame may start after t0 (a gap at the seek point): it keeps its place
                at = max(-skip, 0) if filled == 0 else filled
                take = min(len(piece), n - at)
                if take <= 0:
                    break
                buf[at:at + take] = piece[:take]
                filled = at + take
                if filled >= n:
                    break
            out.append(buf[:filled])
    return out


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
    if type(exc).__module__.startswith("av."):  # PyAV: "[Errno n] reason: 'function()'"
        return _av_reason(exc)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    # libsndfile's messages repeat the path; keep only the reason after it
    if ": " in text and ("Error opening" in text or "Error reading" in text):
        text = text.rsplit(": ", 1)[-1]
    if text.startswith("File does not exist or is not a regular file"):
        # libsndfile's MP3 probe says this about an existing regular file whose data is not MPEG audio;
        # _check_path already ruled out the missing file and the folder, so tell the real reason
        text = "unrecognised or corrupt audio data"
    return text
