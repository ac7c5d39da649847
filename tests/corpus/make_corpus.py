"""Build the bad-input corpus: every kind of odd or broken file the app must survive (issue 7, part 1).

Each :class:`Kind` knows how to write itself into a folder and what the core must do with it:

- ``outcome == "ok"``: valid but odd input. Audio loads as finite float32 mono and gives finite features
  for every feature set; datasets load with finite ``X`` (and the expected warnings); models load.
- ``outcome == "error"``: the core raises ``error`` (a ``GenreGuiError`` subclass) whose message names
  the file (``named``) and matches the reason (``reason``, a regular expression, case-insensitive).

Nothing here is committed as a binary: everything is synthesised (or derived from the bundled
``features_30_sec.csv`` and ``default_model.npz``) in a few seconds. Run it by hand to look at the files::

    .venv/bin/python tests/corpus/make_corpus.py /tmp/corpus
"""

from __future__ import annotations

import json
import os
import struct
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from genre_gui.assets import DEFAULT_MODEL, DEMO_CSV
from genre_gui.core.errors import AudioError, DatasetError, GenreGuiError, ModelFileError

#: the 1-hour file: 8 kHz mono 16-bit, written sparse (57.6 MB logical, a few KB on disk)
HOUR_SECONDS = 3600
HOUR_SR = 8000


@dataclass(frozen=True)
class Kind:
    """One corpus entry: how to build it and what the core must do with it."""

    name: str
    group: str  # "audio" (load_audio), "folder" / "dataset" (load_dataset), "model" (load_pipeline)
    build: Callable[[Path], Path]
    outcome: str  # "ok" or "error"
    error: type[GenreGuiError] | None = None
    reason: str = ""  # regular expression the message must match (case-insensitive)
    named: str | None = None  # file name the message must contain (default: the built path itself)
    note: str = ""  # for "ok" folders/datasets: a regular expression one of Dataset.failures must match
    # chmod 000 means nothing to root: as root, the tests load it as the user nobody in a subprocess
    # (the ``unprivileged`` fixture of tests/conftest.py), from a folder nobody may enter
    needs_non_root: bool = False

    @property
    def bad(self) -> bool:
        return self.outcome == "error"


# -- audio helpers ----------------------------------------------------------------------------------
def _signal(sr: int, seconds: float = 1.5, channels: int = 1, seed: int = 0) -> np.ndarray:
    """A few harmonics plus a little noise; channels differ so downmixing is not trivial."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(sr * seconds)) / sr
    cols = []
    for c in range(channels):
        f0 = 220.0 * (1 + 0.25 * c)
        x = sum(0.3 / k * np.sin(2 * np.pi * f0 * k * t) for k in range(1, 5))
        x = x * (0.6 + 0.4 * np.sin(2 * np.pi * 2 * t)) + 0.01 * rng.standard_normal(t.shape)
        cols.append(x)
    return np.stack(cols, axis=1)


def _write(path: Path, data: np.ndarray, sr: int, fmt: str = "WAV", subtype: str | None = None) -> Path:
    sf.write(os.fsencode(path), data, sr, format=fmt, subtype=subtype)  # bytes: non-UTF-8 names too
    return path


def _wav_header(sr: int, channels: int, bits: int, n_frames: int, fmt_code: int = 1) -> bytes:
    block = channels * bits // 8
    data_bytes = n_frames * block
    fmt = struct.pack("<HHIIHH", fmt_code, channels, sr, sr * block, block, bits)
    return (b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + data_bytes) + b"WAVE"
            + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", data_bytes))


def _truncated(fmt: str, ext: str, subtype: str | None = None, keep: float = 0.35) -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        full = _write(d / f"full{ext}", _signal(22050, 3.0), 22050, fmt, subtype).read_bytes()
        (d / f"full{ext}").unlink()
        p = d / f"truncated{ext}"
        p.write_bytes(full[: int(len(full) * keep)])
        return p
    return build


def _valid(ext: str, fmt: str, subtype: str | None = None, sr: int = 22050, channels: int = 1,
           data: Callable[[int], np.ndarray] | None = None,
           name: str | None = None) -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        y = data(sr) if data is not None else _signal(sr, channels=channels)
        return _write(d / (name or f"clip{ext}"), y, sr, fmt, subtype)
    return build


def _bytes(name: str, content: bytes) -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        p = d / name
        p.write_bytes(content)
        return p
    return build


def _header_only(d: Path) -> Path:
    p = d / "header_only.wav"
    p.write_bytes(_wav_header(22050, 1, 16, 0))
    return p


def _non_finite(value: float) -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        y = _signal(22050)[:, 0].astype(np.float32)
        y[1000:1010] = value
        p = d / f"float_{'nan' if np.isnan(value) else 'inf'}.wav"
        # soundfile would clip nothing here, but write the bytes ourselves so libsndfile cannot "fix" them
        p.write_bytes(_wav_header(22050, 1, 32, len(y), fmt_code=3) + y.astype("<f4").tobytes())
        return p
    return build


def _one_hour(d: Path) -> Path:
    """A valid 1-hour WAV whose body is a sparse hole: cheap to make, 57.6 MB if anyone reads it all."""
    n = HOUR_SECONDS * HOUR_SR
    p = d / "one_hour.wav"
    with open(p, "wb") as f:
        f.write(_wav_header(HOUR_SR, 1, 16, n))
        f.truncate(44 + 2 * n)
    return p


def _huge_rate_long(d: Path) -> Path:
    """19 minutes at 768 kHz: under the duration limit, but 7 GB as float64 mono. Sparse, like one_hour."""
    n = 19 * 60 * 768_000
    p = d / "long_768khz.wav"
    with open(p, "wb") as f:
        f.write(_wav_header(768_000, 1, 16, n))
        f.truncate(44 + 2 * n)
    return p


def _unreadable(d: Path) -> Path:
    p = _write(d / "unreadable.wav", _signal(22050), 22050)
    p.chmod(0)
    return p


def _symlink_loop_file(d: Path) -> Path:
    p = d / "loop.wav"
    os.symlink("loop.wav", p)
    return p


def _non_utf8_name(d: Path) -> Path:
    raw = os.fsencode(d) + b"/caf\xe9_\xff\xfe.wav"  # Latin-1 bytes: not valid UTF-8
    p = Path(os.fsdecode(raw))
    return _write(p, _signal(22050), 22050)


def _long_name(d: Path) -> Path:
    return _write(d / ("x" * 236 + "_very_long_name.wav"), _signal(22050), 22050)  # 255 bytes, the limit


def _square(sr: int) -> np.ndarray:
    t = np.arange(int(sr * 1.5)) / sr
    return np.sign(np.sin(2 * np.pi * 110 * t))[:, None] * 1.0  # full scale, clipped flat tops


def _dc(sr: int) -> np.ndarray:
    return 0.5 + 0.2 * _signal(sr)


def _silence(sr: int) -> np.ndarray:
    return np.zeros((int(sr * 1.5), 1))


# -- folder datasets --------------------------------------------------------------------------------
def _class_folder(root: Path, label: str, n: int, seed: int = 0) -> None:
    (root / label).mkdir(parents=True, exist_ok=True)
    for i in range(n):
        y = _signal(22050, 0.5, seed=seed + i) * (1 + i)
        if label.endswith("b"):
            y = np.sign(y) * 0.3  # a second class that sounds different
        _write(root / label / f"{label}.{i:05d}.wav", y, 22050)


def _folder(builder: Callable[[Path], None]) -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        root = d / "dropped"
        root.mkdir()
        builder(root)
        return root
    return build


def _folder_symlink_loop(root: Path) -> None:
    _class_folder(root, "class_a", 2)
    _class_folder(root, "class_b", 2, seed=10)
    os.symlink("..", root / "class_a" / "loop_up")  # class_a/loop_up -> root -> class_a -> ...
    os.symlink("self", root / "class_b" / "self")  # a link to itself


def _folder_empty_files(root: Path) -> None:
    for label in ("class_a", "class_b"):
        (root / label).mkdir()
        for i in range(5000):
            (root / label / f"{label}.{i:05d}.wav").touch()


def _folder_single_class(root: Path) -> None:
    _class_folder(root, "only", 3)


def _folder_one_clip(root: Path) -> None:
    _class_folder(root, "class_a", 1)
    _class_folder(root, "class_b", 3, seed=10)


def _folder_empty_class(root: Path) -> None:
    _class_folder(root, "class_a", 2)
    _class_folder(root, "class_b", 2, seed=10)
    (root / "class_c").mkdir()


def _folder_some_bad(root: Path) -> None:
    _class_folder(root, "class_a", 2)
    _class_folder(root, "class_b", 2, seed=10)
    (root / "class_a" / "empty.wav").touch()
    (root / "class_b" / "text.wav").write_text("not audio at all\n")


# -- feature tables, IDX, npz -----------------------------------------------------------------------
def _demo_rows(n_per_class: int = 3, classes: tuple[str, ...] = ("blues", "classical", "rock")):
    lines = DEMO_CSV.read_text().splitlines()
    header = lines[0].split(",")
    li = header.index("label")
    rows = [r.split(",") for r in lines[1:]]
    out = [r for c in classes for r in [x for x in rows if x[li] == c][:n_per_class]]
    return header, out


def _csv(mutate: Callable[[list[str], list[list[str]]], tuple[list[str], list[list[str]]]],
         name: str = "table.csv") -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        header, rows = _demo_rows()
        header, rows = mutate(list(header), [list(r) for r in rows])
        p = d / name
        p.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n")
        return p
    return build


def _drop_col(name: str):
    def m(h, rows):
        i = h.index(name)
        return h[:i] + h[i + 1:], [r[:i] + r[i + 1:] for r in rows]
    return m


def _extra_col(h, rows):
    return h + ["my_extra_feature"], [r + ["0.5"] for r in rows]


def _reorder(h, rows):
    order = [0, 1] + list(range(len(h) - 1, 1, -1))  # keep filename, length; reverse the rest
    return [h[i] for i in order], [[r[i] for i in order] for r in rows]


def _set_cell(row: int, col: str, value: str):
    def m(h, rows):
        rows[row][h.index(col)] = value
        return h, rows
    return m


def _single_class_csv(h, rows):
    li = h.index("label")
    for r in rows:
        r[li] = "blues"
    return h, rows


def _idx_bytes(arr: np.ndarray, type_code: int = 0x08) -> bytes:
    return bytes([0, 0, type_code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape) + arr.tobytes()


def _idx(images: Callable[[], bytes], labels: Callable[[], bytes]) -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        img = d / "train-images-idx3-ubyte"
        img.write_bytes(images())
        (d / "train-labels-idx1-ubyte").write_bytes(labels())
        return img
    return build


_RNG = np.random.default_rng(7)
_IMAGES = _RNG.integers(0, 256, size=(20, 4, 4), dtype=np.uint8)
_LABELS = (np.arange(20) % 3).astype(np.uint8)


def _npz_dataset_pickle(d: Path) -> Path:
    sentinel = d / "PICKLE_RAN"
    p = d / "dataset.npz"
    np.savez(p, X=np.zeros((4, 2)), y=np.array([_Payload(sentinel)] * 4, dtype=object))
    return p


# -- model files ------------------------------------------------------------------------------------
class _Payload:
    """Unpickling this creates ``sentinel``: proof a pickle ran. The loaders must never let it."""

    def __init__(self, sentinel: Path) -> None:
        self.sentinel = str(sentinel)

    def __reduce__(self):
        return (open, (self.sentinel, "w"))


def sentinel_path(built: Path) -> Path:
    """Where a pickle payload of the corpus entry at ``built`` would leave its mark."""
    return built.parent / "PICKLE_RAN"


def _model_arrays() -> tuple[dict, dict[str, np.ndarray]]:
    with np.load(DEFAULT_MODEL, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    return json.loads(arrays["header"].tobytes()), arrays


def _save_model(p: Path, header: dict | str | bytes, arrays: dict[str, np.ndarray]) -> Path:
    if isinstance(header, dict):
        header = json.dumps(header)
    if isinstance(header, str):
        header = header.encode()
    arrays = {**arrays, "header": np.frombuffer(header, dtype=np.uint8)}
    with open(p, "wb") as f:
        np.savez(f, **arrays)
    return p


def _model(mutate: Callable[[dict, dict, Path], tuple[dict | str | bytes, dict]]) -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        header, arrays = _model_arrays()
        header, arrays = mutate(header, arrays, d)
        return _save_model(d / "model.npz", header, arrays)
    return build


def _m_valid(h, a, d):
    return h, a


def _m_magic(h, a, d):
    h["magic"] = "some.other.app"
    return h, a


def _m_future(h, a, d):
    h["format_version"] = 99
    return h, a


def _m_huge(h, a, d):
    h["metadata"]["padding"] = "A" * (2 * 1024 * 1024)
    return h, a


def _m_deep(h, a, d):
    return json.dumps(h)[:-1] + ', "metadata_deep": ' + "[" * 5000 + "]" * 5000 + "}", a


def _m_wrong_types(h, a, d):
    h["n_features"] = "57"
    h["classes"] = {"blues": 1}
    return h, a


def _m_missing_keys(h, a, d):
    del h["feature_set"]["name"]  # validated with .get() but read with ["name"]: a KeyError once
    return h, a


def _m_no_scaler(h, a, d):
    del h["scaler"]
    return h, a


def _m_param_injection(h, a, d):
    h["model"]["params"]["max_iter"] = {"__class__": "os.system", "args": ["echo pwned"]}
    return h, a


def _m_shape(h, a, d):
    a["model__coef_"] = a["model__coef_"][:, :50]  # 50 weights per class for 57 features
    return h, a


def _m_transposed(h, a, d):
    a["model__coef_"] = np.ascontiguousarray(a["model__coef_"].T)
    return h, a


def _m_dtype(h, a, d):
    a["model__coef_"] = a["model__coef_"].astype(np.complex128)
    return h, a


def _m_text_dtype(h, a, d):
    a["scaler__mean_"] = a["scaler__mean_"].astype(str)
    return h, a


def _m_nan(h, a, d):
    a["model__intercept_"] = a["model__intercept_"].copy()
    a["model__intercept_"][3] = np.nan
    return h, a


def _m_huge_values(h, a, d):
    a["model__coef_"] = a["model__coef_"].copy()
    a["model__coef_"][2, 5] = -1.7e308  # finite: what a flipped exponent bit leaves
    return h, a


def _m_pickle(h, a, d):
    a["model__coef_"] = np.array([_Payload(sentinel_path(d / "model.npz"))], dtype=object)
    return h, a


def _model_truncated(d: Path) -> Path:
    raw = DEFAULT_MODEL.read_bytes()
    p = d / "model.npz"
    p.write_bytes(raw[: len(raw) // 2])
    return p


# -- the corpus ----------------------------------------------------------------------------------------
_TEXT = b"This is a README, not audio.\nIt has two lines.\n"
_RANDOM = np.random.default_rng(123).integers(0, 256, 50_000, dtype=np.uint8).tobytes()
_A = "audio"

KINDS: list[Kind] = [
    # audio that must be refused
    Kind("audio_zero_bytes", _A, _bytes("empty.wav", b""), "error", AudioError, r"empty"),
    Kind("audio_header_only", _A, _header_only, "error", AudioError, r"no audio frames|not a readable"),
    Kind("audio_truncated_wav", _A, _truncated("WAV", ".wav", keep=0.02), "error", AudioError,
         r"too short"),
    Kind("audio_truncated_flac", _A, _truncated("FLAC", ".flac", keep=0.01), "error", AudioError,
         r"too short|corrupt|truncated|not a readable"),
    Kind("audio_truncated_mp3", _A, _truncated("MP3", ".mp3", "MPEG_LAYER_III", keep=0.01), "error",
         AudioError, r"too short|corrupt|truncated|not a readable"),
    Kind("audio_truncated_ogg", _A, _truncated("OGG", ".ogg", "VORBIS", keep=0.1), "error", AudioError,
         r"too short|corrupt|truncated|not a readable"),
    Kind("audio_text_as_wav", _A, _bytes("readme.wav", _TEXT), "error", AudioError, r"not a readable"),
    Kind("audio_text_as_mp3", _A, _bytes("readme.mp3", _TEXT), "error", AudioError,
         r"not a readable audio file \(unrecognised or corrupt audio data\)"),
    Kind("audio_random_bytes", _A, _bytes("noise.wav", _RANDOM), "error", AudioError, r"not a readable"),
    Kind("audio_float_nan", _A, _non_finite(float("nan")), "error", AudioError, r"non-finite"),
    Kind("audio_float_inf", _A, _non_finite(float("inf")), "error", AudioError, r"non-finite"),
    Kind("audio_one_sample", _A, _valid(".wav", "WAV", data=lambda sr: np.full((1, 1), 0.5)), "error",
         AudioError, r"too short"),
    Kind("audio_10ms", _A, _valid(".wav", "WAV", data=lambda sr: _signal(sr, 0.01)), "error", AudioError,
         r"too short"),
    Kind("audio_one_hour", _A, _one_hour, "error", AudioError, r"too long"),
    Kind("audio_19min_768khz", _A, _huge_rate_long, "error", AudioError, r"too large to decode"),
    Kind("audio_absurd_sample_rate", _A, _bytes("absurd_rate.wav", _wav_header(2**31 - 1, 1, 16, 30000)
                                                 + bytes(60000)), "error", AudioError,
         r"unsupported sample rate 2147483647"),  # resampling it once asked numpy for 320 GiB
    Kind("audio_unreadable", _A, _unreadable, "error", AudioError, r"permission denied",
         needs_non_root=True),
    Kind("audio_symlink_loop", _A, _symlink_loop_file, "error", AudioError, r"symbolic link"),
    # odd but valid audio
    Kind("audio_truncated_wav_long", _A, _truncated("WAV", ".wav", keep=0.5), "ok"),
    Kind("audio_flac_named_wav", _A, _valid(".wav", "FLAC", name="really_flac.wav"), "ok"),
    Kind("audio_wav_named_mp3", _A, _valid(".mp3", "WAV", name="really_wav.mp3"), "ok"),
    Kind("audio_flac", _A, _valid(".flac", "FLAC"), "ok"),
    Kind("audio_mp3", _A, _valid(".mp3", "MP3", "MPEG_LAYER_III"), "ok"),
    Kind("audio_ogg", _A, _valid(".ogg", "OGG", "VORBIS"), "ok"),
    Kind("audio_pcm_u8", _A, _valid(".wav", "WAV", "PCM_U8"), "ok"),
    Kind("audio_pcm_24", _A, _valid(".wav", "WAV", "PCM_24"), "ok"),
    Kind("audio_float32", _A, _valid(".wav", "WAV", "FLOAT"), "ok"),
    Kind("audio_float64", _A, _valid(".wav", "WAV", "DOUBLE"), "ok"),
    Kind("audio_1ch", _A, _valid(".wav", "WAV", channels=1), "ok"),
    Kind("audio_2ch", _A, _valid(".wav", "WAV", channels=2), "ok"),
    Kind("audio_6ch", _A, _valid(".wav", "WAV", channels=6), "ok"),
    Kind("audio_8ch", _A, _valid(".wav", "WAV", channels=8), "ok"),
    Kind("audio_8khz", _A, _valid(".wav", "WAV", sr=8000), "ok"),
    Kind("audio_11025hz", _A, _valid(".wav", "WAV", sr=11025), "ok"),
    Kind("audio_96khz", _A, _valid(".wav", "WAV", sr=96000), "ok"),
    Kind("audio_192khz", _A, _valid(".wav", "WAV", "PCM_24", sr=192000), "ok"),
    Kind("audio_odd_rate_44101hz", _A, _valid(".wav", "WAV", sr=44101), "ok"),  # exact ratio: 882k taps
    Kind("audio_odd_rate_767999hz", _A, _valid(".wav", "WAV", sr=767_999), "ok"),
    Kind("audio_silence", _A, _valid(".wav", "WAV", data=_silence), "ok"),
    Kind("audio_square_clipping", _A, _valid(".wav", "WAV", data=_square), "ok"),
    Kind("audio_dc_offset", _A, _valid(".wav", "WAV", "FLOAT", data=_dc), "ok"),
    Kind("audio_non_utf8_name", _A, _non_utf8_name, "ok"),
    Kind("audio_very_long_name", _A, _long_name, "ok"),
    # dropped folders (audio datasets)
    Kind("folder_symlink_loop", "folder", _folder(_folder_symlink_loop), "ok", note=r"loop|link"),
    Kind("folder_10000_empty_files", "folder", _folder(_folder_empty_files), "error", DatasetError,
         r"none of the 10000 audio files could be used.*empty"),
    Kind("folder_single_class", "folder", _folder(_folder_single_class), "error", DatasetError,
         r"at least 2 classes"),
    Kind("folder_class_with_one_clip", "folder", _folder(_folder_one_clip), "ok", note=r"single clip"),
    Kind("folder_empty_class", "folder", _folder(_folder_empty_class), "ok", note=r"class_c.*no audio"),
    Kind("folder_some_bad_files", "folder", _folder(_folder_some_bad), "ok", note=r"empty\.wav.*empty"),
    # feature tables, IDX, npz datasets
    Kind("csv_missing_column", "dataset", _csv(_drop_col("tempo")), "error", DatasetError,
         r"missing column.*tempo"),
    Kind("csv_extra_column", "dataset", _csv(_extra_col), "error", DatasetError,
         r"unexpected column.*my_extra_feature"),
    Kind("csv_reordered_columns", "dataset", _csv(_reorder), "ok"),
    Kind("csv_nan_cell", "dataset", _csv(_set_cell(2, "tempo", "NaN")), "error", DatasetError,
         r"row 4, column 'tempo'.*not a finite number"),
    Kind("csv_inf_cell", "dataset", _csv(_set_cell(0, "rms_mean", "-inf")), "error", DatasetError,
         r"row 2, column 'rms_mean'.*not a finite number"),
    Kind("csv_text_cell", "dataset", _csv(_set_cell(5, "tempo", "fast")), "error", DatasetError,
         r"row 7, column 'tempo'.*text 'fast'"),
    Kind("csv_empty_cell", "dataset", _csv(_set_cell(1, "tempo", "")), "error", DatasetError,
         r"row 3, column 'tempo'.*empty cell"),
    Kind("csv_no_label_column", "dataset", _csv(_drop_col("label")), "error", DatasetError,
         r"no label column"),
    Kind("csv_single_class", "dataset", _csv(_single_class_csv), "error", DatasetError,
         r"at least 2 classes"),
    Kind("csv_latin1", "dataset", _bytes("table.csv", b"filename,f1,label\ncaf\xe9.wav,1.0,a\nb.wav,2.0,b\n"),
         "error", DatasetError, r"not utf-8"),
    Kind("csv_only_empty_cells", "dataset", _bytes("table.csv", b",\n,,\n"), "error", DatasetError,
         r"no header row"),  # every row skipped as blank: all_rows[0] was an IndexError once
    Kind("idx_wrong_magic", "dataset", _idx(lambda: b"\x08\x03" + _idx_bytes(_IMAGES)[2:],
                                            lambda: _idx_bytes(_LABELS)),
         "error", DatasetError, r"wrong magic"),
    Kind("idx_truncated_body", "dataset",
         _idx(lambda: _idx_bytes(_IMAGES)[:-37], lambda: _idx_bytes(_LABELS)), "error",
         DatasetError, r"truncated idx body"),
    Kind("idx_count_mismatch", "dataset",
         _idx(lambda: _idx_bytes(_IMAGES), lambda: _idx_bytes(_LABELS[:15])), "error",
         DatasetError, r"20 images but .* 15 labels"),
    Kind("idx_header_overflow", "dataset",  # 4 x 65536 = 2**64 elements: wrapped to 0 in int64 once
         _idx(lambda: bytes([0, 0, 8, 4]) + struct.pack(">4I", *[65536] * 4), lambda: _idx_bytes(_LABELS)),
         "error", DatasetError, r"truncated idx body"),
    Kind("idx_empty_with_huge_dims", "dataset",  # 0 images of 2**32-1 x 2**32-1: numpy cannot reshape
         _idx(lambda: bytes([0, 0, 8, 4]) + struct.pack(">4I", 0, 0, 2**32 - 1, 2**32 - 1),
              lambda: _idx_bytes(_LABELS)), "error", DatasetError, r"implausible IDX shape"),
    Kind("idx_valid", "dataset", _idx(lambda: _idx_bytes(_IMAGES), lambda: _idx_bytes(_LABELS)), "ok"),
    Kind("npz_dataset_pickle", "dataset", _npz_dataset_pickle, "error", DatasetError, r"pickle"),
    # model files
    Kind("model_valid", "model", _model(_m_valid), "ok"),
    Kind("model_truncated", "model", _model_truncated, "error", ModelFileError, r"truncated"),
    Kind("model_random_bytes", "model", _bytes("model.npz", _RANDOM), "error", ModelFileError,
         r"not a genre_gui model file"),
    Kind("model_wrong_magic", "model", _model(_m_magic), "error", ModelFileError, r"wrong magic"),
    Kind("model_future_version", "model", _model(_m_future), "error", ModelFileError,
         r"newer version.*format 99"),
    Kind("model_header_huge", "model", _model(_m_huge), "error", ModelFileError, r"header is larger"),
    Kind("model_header_deeply_nested", "model", _model(_m_deep), "error", ModelFileError, r"nests deeper"),
    Kind("model_header_wrong_types", "model", _model(_m_wrong_types), "error", ModelFileError,
         r"classes|n_features"),
    Kind("model_header_missing_keys", "model", _model(_m_missing_keys), "error", ModelFileError,
         r"invalid feature_set"),
    Kind("model_header_no_scaler_entry", "model", _model(_m_no_scaler), "error", ModelFileError,
         r"no scaler entry"),
    Kind("model_header_param_injection", "model", _model(_m_param_injection), "error", ModelFileError,
         r"max_iter"),
    Kind("model_array_wrong_shape", "model", _model(_m_shape), "error", ModelFileError,
         r"inconsistent|shape"),
    Kind("model_array_transposed", "model", _model(_m_transposed), "error", ModelFileError,
         r"inconsistent|shape"),
    Kind("model_array_complex_dtype", "model", _model(_m_dtype), "error", ModelFileError,
         r"dtype complex128"),
    Kind("model_array_text_dtype", "model", _model(_m_text_dtype), "error", ModelFileError,
         r"scaler__mean_ must be float"),
    Kind("model_array_nan", "model", _model(_m_nan), "error", ModelFileError, r"nan or infinite"),
    Kind("model_array_huge_values", "model", _model(_m_huge_values), "error", ModelFileError,
         r"implausibly large"),  # loaded once, then every prediction overflowed
    Kind("model_object_array_pickle", "model", _model(_m_pickle), "error", ModelFileError, r"pickle"),
]

KINDS_BY_NAME = {k.name: k for k in KINDS}
assert len(KINDS_BY_NAME) == len(KINDS), "duplicate kind names"


def build(kind: Kind, folder: Path) -> Path:
    """Build one kind in its own sub-folder of ``folder``; return the path to hand to the loader."""
    d = Path(folder) / kind.name
    d.mkdir(parents=True, exist_ok=True)
    return kind.build(d)


def build_all(folder: Path) -> dict[str, Path]:
    """Build every kind under ``folder`` (for looking at the files by hand)."""
    return {k.name: build(k, folder) for k in KINDS}



class Corpus:
    """Builds kinds on first use under ``root`` and hands back their paths (one build per kind)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._built: dict[str, Path] = {}

    def path(self, kind: Kind | str) -> Path:
        kind = KINDS_BY_NAME[kind] if isinstance(kind, str) else kind
        if kind.name not in self._built:
            self._built[kind.name] = build(kind, self.root)
        return self._built[kind.name]


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "corpus_out")
    for name, path in build_all(out).items():
        print(f"{name:32s} {os.fsdecode(path)}")
