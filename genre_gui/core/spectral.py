"""Shared DSP kernels: STFT/iSTFT, filter banks, dB conversion, DCT.

Every feature set and the live spectrum view use these functions; there are no duplicates elsewhere.
They reproduce librosa 0.11 numerically (same window, padding, frame count, Slaney mel scale, chroma
Gaussian bumps, dB floor) so features computed here match the published GTZAN table, but they depend
only on NumPy and SciPy.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

__all__ = [
    "stft",
    "istft",
    "frame",
    "power_to_db",
    "mel_filterbank",
    "chroma_filterbank",
    "dct_ortho",
    "get_window",
    "frame_spectrum_db",
    "fft_frequencies",
    "hz_to_mel",
    "mel_to_hz",
    "tiny",
]


def _scipy_fft():
    """SciPy's FFT module, imported on first use: it costs ~0.1 s, which the app's start-up should not pay
    (the Library panel reads the feature-set registry while the window is built)."""
    import scipy.fft

    return scipy.fft


#: frames windowed and transformed per block in :func:`stft` (bounds scratch memory on long input)
_STFT_BLOCK_FRAMES = 4096


def tiny(x: np.ndarray | np.dtype | type) -> float:
    """Smallest positive normal number of ``x``'s float type (float32 for non-float input).

    Used as the guard below which a norm or a divisor counts as zero, as librosa's ``util.tiny``.
    """
    dtype = x.dtype if isinstance(x, np.ndarray) else np.dtype(x)
    if not np.issubdtype(dtype, np.floating) and not np.issubdtype(dtype, np.complexfloating):
        dtype = np.dtype(np.float32)
    return float(np.finfo(dtype).tiny)


def get_window(name: str, n: int) -> np.ndarray:
    """Periodic (FFT) window of length ``n``, as ``scipy.signal.get_window(name, n, fftbins=True)``.

    Parameters
    ----------
    name : str
        Any window name SciPy knows ("hann", "hamming", "blackman", ...).
    n : int
        Window length in samples.

    Returns
    -------
    ndarray of shape (n,), float64
    """
    return _window(name, int(n)).copy()


@lru_cache(maxsize=32)
def _window(name: str, n: int) -> np.ndarray:
    if name == "hann" and n > 1:
        win = _periodic_hann(n)
    else:
        import scipy.signal  # here: it pulls in most of SciPy (0.4 s, 70 MB), and Hann needs none of it

        win = scipy.signal.get_window(name, n, fftbins=True).astype(np.float64)
    win.setflags(write=False)
    return win


def _periodic_hann(n: int) -> np.ndarray:
    """SciPy's periodic Hann window, bit for bit: its ``general_cosine`` sum, in its order, on n + 1 points.

    Every feature set and the musicnn input use Hann; computing it here keeps ``scipy.signal`` (and
    most of SciPy behind it) out of a process that only extracts features or runs the network.
    """
    fac = np.linspace(-np.pi, np.pi, n + 1)
    w = np.zeros(n + 1)
    for k, a in enumerate((0.5, 0.5)):
        w += a * np.cos(k * fac)
    return w[:-1]


def fft_frequencies(sr: float, n_fft: int) -> np.ndarray:
    """Centre frequencies (Hz) of the ``1 + n_fft // 2`` rfft bins."""
    return np.fft.rfftfreq(n=int(n_fft), d=1.0 / sr)


def frame(y: np.ndarray, frame_length: int, hop_length: int) -> np.ndarray:
    """View ``y`` (1-D) as overlapping frames of shape ``(frame_length, n_frames)`` without copying.

    ``n_frames = 1 + (len(y) - frame_length) // hop_length``, as ``librosa.util.frame``.
    """
    if y.shape[-1] < frame_length:
        raise ValueError(f"input of length {y.shape[-1]} is shorter than one frame ({frame_length})")
    windows = np.lib.stride_tricks.sliding_window_view(y, frame_length)[::hop_length]
    return windows.T


def _pad_center(y: np.ndarray, n_fft: int, pad_mode: str) -> np.ndarray:
    pad = n_fft // 2
    if pad_mode == "constant":
        out = np.zeros(y.shape[-1] + 2 * pad, dtype=y.dtype)
        out[pad : pad + y.shape[-1]] = y
        return out
    return np.pad(y, (pad, pad), mode=pad_mode)


def stft(
    y: np.ndarray,
    n_fft: int = 2048,
    hop_length: int = 512,
    window: str = "hann",
    center: bool = True,
    pad_mode: str = "constant",
) -> np.ndarray:
    """Short-time Fourier transform, numerically as ``librosa.stft`` (0.11) with the same arguments.

    Parameters
    ----------
    y : ndarray of shape (n,)
        Mono samples, float32 or float64.
    n_fft : int
        Frame (and window) length.
    hop_length : int
        Samples between frame starts.
    window : str
        Periodic window name (see :func:`get_window`).
    center : bool
        Pad ``n_fft // 2`` samples on both sides so frame ``t`` is centred on sample ``t * hop_length``.
    pad_mode : str
        ``np.pad`` mode for the centring pad; librosa 0.11's default is "constant" (zeros).

    Returns
    -------
    ndarray of shape (1 + n_fft // 2, n_frames)
        complex64 for float32 input (as librosa), complex128 otherwise. With ``center=True``,
        ``n_frames = 1 + len(y) // hop_length``.

    Notes
    -----
    float32 input is transformed in float32 (librosa transforms in float64 then rounds to complex64):
    three times faster, and within ~1e-6 of librosa relative to the spectrum's peak. The result is
    Fortran-ordered, as librosa's: each frame's spectrum is contiguous.
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"stft expects 1-D samples, got shape {y.shape}")
    real_dtype = np.float32 if y.dtype == np.float32 else np.float64
    y = y.astype(real_dtype, copy=False)
    if center:
        y = _pad_center(y, n_fft, pad_mode)
    # (n_frames, n_fft) with contiguous rows: the FFT runs along the fast axis
    frames = frame(y, n_fft, hop_length).T
    win = _window(window, n_fft).astype(real_dtype)
    if len(frames) <= _STFT_BLOCK_FRAMES:
        return _scipy_fft().rfft(frames * win, axis=-1).T
    # Long input: bound the windowed-frame scratch (an hour of audio would otherwise need GBs twice).
    out = np.empty((len(frames), 1 + n_fft // 2), dtype=np.complex64 if real_dtype == np.float32 else
                   np.complex128)
    for start in range(0, len(frames), _STFT_BLOCK_FRAMES):
        stop = start + _STFT_BLOCK_FRAMES
        out[start:stop] = _scipy_fft().rfft(frames[start:stop] * win, axis=-1)
    return out.T


def _overlap_add(frames: np.ndarray, hop_length: int) -> np.ndarray:
    """Sum columns of ``frames`` (n_fft, T) placed ``hop_length`` apart."""
    n_fft, n_frames = frames.shape
    n = n_fft + hop_length * (n_frames - 1)
    if n_fft % hop_length == 0:
        # Each frame is n_fft // hop_length hop-sized chunks: add chunk j of every frame at once.
        out = np.zeros((n_frames - 1 + n_fft // hop_length, hop_length), dtype=frames.dtype)
        for j in range(n_fft // hop_length):
            out[j : j + n_frames] += frames[j * hop_length : (j + 1) * hop_length].T
        return out.reshape(-1)[:n]
    out = np.zeros(n, dtype=frames.dtype)
    for t in range(n_frames):
        out[t * hop_length : t * hop_length + n_fft] += frames[:, t]
    return out


def istft(
    D: np.ndarray,
    hop_length: int = 512,
    window: str = "hann",
    center: bool = True,
    length: int | None = None,
) -> np.ndarray:
    """Inverse STFT by weighted overlap-add, as ``librosa.istft`` (0.11).

    Parameters
    ----------
    D : ndarray of shape (1 + n_fft // 2, n_frames), complex
        An STFT (possibly modified, e.g. masked).
    hop_length, window, center
        As used for the forward :func:`stft`.
    length : int or None
        Length of the output signal (zero-padded or trimmed to it); ``None`` keeps what the frames give.

    Returns
    -------
    ndarray of shape (length,)
        float32 for complex64 input, float64 otherwise.
    """
    n_fft = 2 * (D.shape[0] - 1)
    n_frames = D.shape[1]
    if length is not None:
        padded = length + 2 * (n_fft // 2) if center else length
        n_frames = min(n_frames, int(np.ceil(padded / hop_length)))
    out_dtype = np.float32 if D.dtype == np.complex64 else np.float64
    win = _window(window, n_fft)
    win_c = win.astype(out_dtype)
    y = np.zeros(n_fft + hop_length * (n_frames - 1), dtype=out_dtype)
    # Blocks of frames as contiguous rows (the inverse FFT runs along the fast axis), bounded scratch.
    for s0 in range(0, n_frames, _STFT_BLOCK_FRAMES):
        s1 = min(s0 + _STFT_BLOCK_FRAMES, n_frames)
        ytmp = _scipy_fft().irfft(np.ascontiguousarray(D[:, s0:s1].T), n=n_fft, axis=-1) * win_c
        seg = _overlap_add(ytmp.T, hop_length)
        y[s0 * hop_length : s0 * hop_length + len(seg)] += seg
    wss = _window_sumsquare(win, n_frames, hop_length)
    start = n_fft // 2 if center else 0
    y = y[start:]
    wss = wss[start:]
    if length is None:
        end = len(y) - (n_fft // 2 if center else 0)
        y, wss = y[:end], wss[:end]
    else:
        y = _fix_length(y, length)
        wss = _fix_length(wss, length)
    # Samples no window covers stay as summed (zero) instead of being divided by ~0.
    y = np.divide(y, wss, out=y.copy(), where=wss > tiny(wss), casting="unsafe")
    return y.astype(out_dtype, copy=False)


def _window_sumsquare(win: np.ndarray, n_frames: int, hop_length: int) -> np.ndarray:
    """Sum of the squared window over all frame positions (the overlap-add normaliser)."""
    n_fft = len(win)
    win_sq = win**2
    n = n_fft + hop_length * (n_frames - 1)
    if n_fft % hop_length == 0:
        out = np.zeros((n_frames - 1 + n_fft // hop_length, hop_length))
        for j in range(n_fft // hop_length):
            out[j : j + n_frames] += win_sq[j * hop_length : (j + 1) * hop_length]
        return out.reshape(-1)[:n]
    out = np.zeros(n)
    for t in range(n_frames):
        out[t * hop_length : t * hop_length + n_fft] += win_sq
    return out


def _fix_length(x: np.ndarray, n: int) -> np.ndarray:
    if len(x) >= n:
        return x[:n]
    return np.concatenate([x, np.zeros(n - len(x), dtype=x.dtype)])


def power_to_db(
    S: np.ndarray,
    ref: float = 1.0,
    amin: float = 1e-10,
    top_db: float | None = 80.0,
) -> np.ndarray:
    """Convert a power spectrogram to decibels, as ``librosa.power_to_db``.

    Parameters
    ----------
    S : ndarray
        Power values (complex input is replaced by its magnitude).
    ref : float or callable
        Reference power (0 dB); a callable is applied to the magnitudes (e.g. ``np.max``).
    amin : float
        Floor applied to powers and to ``ref`` before the logarithm (keeps silence finite).
    top_db : float or None
        Clip everything more than ``top_db`` below the maximum; ``None`` disables clipping.

    Returns
    -------
    ndarray
        ``10 * log10(max(amin, S) / max(amin, ref))``, clipped; same float type as ``S``.
    """
    if amin <= 0:
        raise ValueError("amin must be strictly positive")
    S = np.asarray(S)
    magnitude = np.abs(S) if np.iscomplexobj(S) else S
    ref_value = ref(magnitude) if callable(ref) else np.abs(ref)
    log_spec = 10.0 * np.log10(np.maximum(amin, magnitude))
    log_spec -= 10.0 * np.log10(np.maximum(amin, ref_value))
    if top_db is not None:
        if top_db < 0:
            raise ValueError("top_db must be non-negative")
        log_spec = np.maximum(log_spec, log_spec.max() - top_db)
    return log_spec


def hz_to_mel(frequencies: np.ndarray | float) -> np.ndarray:
    """Slaney mel scale (linear below 1 kHz, logarithmic above), as ``librosa.hz_to_mel(htk=False)``."""
    f = np.asanyarray(frequencies, dtype=np.float64)
    f_sp = 200.0 / 3
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    mels = f / f_sp
    log_t = f >= min_log_hz
    with np.errstate(divide="ignore"):
        log_mels = min_log_mel + np.log(np.where(log_t, f, min_log_hz) / min_log_hz) / logstep
    return np.where(log_t, log_mels, mels)


def mel_to_hz(mels: np.ndarray | float) -> np.ndarray:
    """Inverse of :func:`hz_to_mel`."""
    m = np.asanyarray(mels, dtype=np.float64)
    f_sp = 200.0 / 3
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    freqs = f_sp * m
    log_t = m >= min_log_mel
    return np.where(log_t, min_log_hz * np.exp(logstep * (m - min_log_mel)), freqs)


def mel_filterbank(
    sr: float, n_fft: int, n_mels: int = 128, fmin: float = 0.0, fmax: float | None = None
) -> np.ndarray:
    """Slaney-normalised triangular mel filters, as ``librosa.filters.mel`` defaults.

    Parameters
    ----------
    sr : float
        Sample rate (Hz).
    n_fft : int
        FFT size the filters apply to.
    n_mels : int
        Number of bands.
    fmin, fmax : float
        Lowest and highest band edges (Hz); ``fmax=None`` means ``sr / 2``.

    Returns
    -------
    ndarray of shape (n_mels, 1 + n_fft // 2), float32
        Read-only (cached); copy before modifying.
    """
    return _mel_filterbank(float(sr), int(n_fft), int(n_mels), float(fmin),
                           float(sr) / 2 if fmax is None else float(fmax))


@lru_cache(maxsize=16)
def _mel_filterbank(sr: float, n_fft: int, n_mels: int, fmin: float, fmax: float) -> np.ndarray:
    fftfreqs = fft_frequencies(sr, n_fft)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    # librosa fills a float32 array row by row, then scales it in float32: keep that rounding.
    weights = np.maximum(0, np.minimum(lower, upper)).astype(np.float32)
    enorm = 2.0 / (mel_f[2 : n_mels + 2] - mel_f[:n_mels])
    weights *= enorm[:, None]
    weights.setflags(write=False)
    return weights


def chroma_filterbank(sr: float, n_fft: int, n_chroma: int = 12, *, tuning: float = 0.0) -> np.ndarray:
    """Chroma filters (Gaussian bumps per pitch class), as ``librosa.filters.chroma`` defaults.

    Parameters
    ----------
    sr : float
        Sample rate (Hz).
    n_fft : int
        FFT size the filters apply to.
    n_chroma : int
        Number of pitch classes.
    tuning : float
        Deviation from A440 in fractions of a chroma bin (see the chroma feature's tuning estimate).

    Returns
    -------
    ndarray of shape (n_chroma, 1 + n_fft // 2), float32
        Rows start at C (``base_c=True``); columns are L2-normalised, then weighted by a Gaussian
        centred on octave 5 with a two-octave width. Read-only (cached).
    """
    return _chroma_filterbank(float(sr), int(n_fft), int(n_chroma), float(tuning))


@lru_cache(maxsize=64)
def _chroma_filterbank(sr: float, n_fft: int, n_chroma: int, tuning: float) -> np.ndarray:
    ctroct, octwidth = 5.0, 2.0
    frequencies = np.linspace(0, sr, n_fft, endpoint=False)[1:]
    a440 = 440.0 * 2.0 ** (tuning / n_chroma)
    frqbins = n_chroma * np.log2(frequencies / (a440 / 16))
    # The 0 Hz bin gets a made-up position 1.5 octaves below bin 1 (librosa/Ellis convention).
    frqbins = np.concatenate(([frqbins[0] - 1.5 * n_chroma], frqbins))
    binwidthbins = np.concatenate((np.maximum(frqbins[1:] - frqbins[:-1], 1.0), [1]))
    D = np.subtract.outer(frqbins, np.arange(0, n_chroma, dtype="d")).T
    n_chroma2 = np.round(float(n_chroma) / 2)
    D = np.remainder(D + n_chroma2 + 10 * n_chroma, n_chroma) - n_chroma2
    wts = np.exp(-0.5 * (2 * D / np.tile(binwidthbins, (n_chroma, 1))) ** 2)
    length = np.sqrt(np.sum(wts**2, axis=0, keepdims=True))
    length[length < tiny(wts)] = 1.0
    wts = wts / length
    wts *= np.tile(np.exp(-0.5 * (((frqbins / n_chroma - ctroct) / octwidth) ** 2)), (n_chroma, 1))
    wts = np.roll(wts, -3 * (n_chroma // 12), axis=0)
    out = np.ascontiguousarray(wts[:, : int(1 + n_fft / 2)], dtype=np.float32)
    out.setflags(write=False)
    return out


def dct_ortho(x: np.ndarray, n: int, axis: int = 0) -> np.ndarray:
    """First ``n`` coefficients of the orthonormal DCT-II of ``x`` along ``axis`` (as MFCCs use)."""
    coeffs = _scipy_fft().dct(x, type=2, norm="ortho", axis=axis)
    return np.take(coeffs, np.arange(n), axis=axis)


def frame_spectrum_db(
    frame: np.ndarray, window: np.ndarray | str = "hann", *, floor_db: float = -120.0
) -> np.ndarray:
    """Magnitude spectrum of one frame in dB full scale, for the live spectrum view.

    Parameters
    ----------
    frame : ndarray of shape (n,)
        Samples in [-1, 1].
    window : ndarray of shape (n,) or str
        Window values, or a periodic window name (see :func:`get_window`).
    floor_db : float
        Lowest value returned (silence maps here instead of -inf).

    Returns
    -------
    ndarray of shape (1 + n // 2,), float64
        ``20 * log10(|rfft(frame * window)| * 2 / sum(window))``: a full-scale sine centred on a bin
        reads about 0 dB, whatever the window and frame length.
    """
    x = np.asarray(frame, dtype=np.float64)
    win = _window(window, len(x)) if isinstance(window, str) else np.asarray(window, dtype=np.float64)
    if win.shape != x.shape:
        raise ValueError(f"window shape {win.shape} does not match frame shape {x.shape}")
    scale = 2.0 / max(float(np.sum(win)), tiny(np.float64))
    mag = np.abs(_scipy_fft().rfft(x * win)) * scale
    amin = 10.0 ** (floor_db / 20.0)
    return 20.0 * np.log10(np.maximum(mag, amin))
