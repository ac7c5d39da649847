"""Model files: a :class:`Pipeline` saved as ``.npz`` (no pickle) with a JSON header; atomic saves.

Layout of the archive (every member a plain NumPy array, read with ``allow_pickle=False``):

- ``header``: uint8 bytes of a UTF-8 JSON object: ``magic``, ``format_version``, ``feature_set`` (name,
  version), ``classes``, ``n_features``, ``scaler`` type and ``scaler_params``, ``model`` (type,
  hyperparameters from ``get_params``, names of its fitted arrays, fitted scalars such as ``n_iter_``),
  ``metadata``;
- ``scaler__mean_``, ``scaler__scale_``: the StandardScaler;
- ``model__<attr>`` for every array in the model class's ``_fitted_attrs``;
- optionally ``rows__<key>__names`` (text) and ``rows__<key>__index`` (integers) for the per-training-row
  lists of the metadata (``train_sources``, ``train_clips``: where each training row came from; see
  :mod:`genre_gui.core.explain`): the distinct values and each row's index into them. They live outside
  the JSON header, which would otherwise outgrow its cap on a large segment dataset; files without
  them load as before, and older versions of the app ignore them.

Loading validates every field, type, dtype and shape, then runs one prediction on a zero row; any
inconsistency is a :class:`ModelFileError` naming the file and the reason. No code is ever executed.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np

from .errors import FeatureError, ModelFileError
from .npz_io import read_npz
from .pipeline import Pipeline

__all__ = ["save_pipeline", "load_pipeline", "read_header", "atomic_write", "FORMAT_VERSION", "MAGIC"]

MAGIC = "genre_gui.pipeline"
FORMAT_VERSION = 1
#: caps that keep a hostile file from exhausting memory or the parser
MAX_FILE_BYTES = 2 * 1024**3
MAX_HEADER_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 32
MAX_MEMBERS = 64
#: no fitted weight, mean, scale or stored sample is anywhere near this; larger values are damage
MAX_ABS_VALUE = 1e100
_HEADER_KEY = "header"
_ALLOWED_KINDS = "fiub"  # numbers only; text arrays only for classes_ (kind "U")
#: metadata lists with one entry per training row, stored as arrays (see the module docstring)
ROW_METADATA = ("train_sources", "train_clips")
_ROWS_PREFIX = "rows__"
#: longest text of one row-metadata entry (a file path), in characters
MAX_ROW_TEXT = 4096


def atomic_write(path: str | os.PathLike, data: bytes | Callable[[IO[bytes]], None]) -> None:
    """Write a file atomically: a temp file in the same folder, fsync, then ``os.replace``.

    Parameters
    ----------
    path : path-like
        Destination; replaced only once the new content is completely on disk.
    data : bytes or callable
        The content, or a function writing it to the open binary temp file.

    Raises
    ------
    OSError
        When writing fails (disk full, read-only folder). The old file is untouched and the temp file
        is removed.
    """
    dest = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=str(dest.parent))
    try:
        with os.fdopen(fd, "wb") as f:
            if callable(data):
                data(f)
            else:
                f.write(data)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp makes the file 0600: give it the mode of the file it replaces (0644 for a new one),
        # so a model shipped with an installed app stays readable by its users
        os.chmod(tmp, _target_mode(dest))
        os.replace(tmp, dest)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _target_mode(dest: Path) -> int:
    try:
        return dest.stat().st_mode & 0o777
    except OSError:
        return 0o644  # reading the umask would mean changing it process-wide, racing other threads


# -- saving -----------------------------------------------------------------------------------------
def save_pipeline(pipeline: Pipeline, path: str | os.PathLike) -> None:
    """Save a fitted pipeline as a model file (atomic).

    Raises
    ------
    ModelFileError
        The pipeline cannot be represented (unfitted model, non-JSON hyperparameters or metadata), or the
        file cannot be written (the previous file, if any, stays intact).
    """
    dest = Path(path)
    header, arrays = _to_header_and_arrays(pipeline, dest)
    try:
        blob = json.dumps(header, default=_json_default, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise ModelFileError(
            f"{dest}: cannot save: metadata or hyperparameters are not plain data ({exc})"
        ) from exc
    if len(blob) > MAX_HEADER_BYTES:
        raise ModelFileError(f"{dest}: cannot save: the header would exceed {MAX_HEADER_BYTES} bytes")
    arrays[_HEADER_KEY] = np.frombuffer(blob, dtype=np.uint8)
    try:
        atomic_write(dest, lambda f: np.savez(f, **arrays))
    except OSError as exc:
        raise ModelFileError(f"{dest}: could not save the model ({exc.strerror or exc}); "
                             "any previous file there is unchanged") from exc


def _to_header_and_arrays(p: Pipeline, dest: Path) -> tuple[dict, dict[str, np.ndarray]]:
    model = p.model
    fitted = tuple(getattr(type(model), "_fitted_attrs", ()))
    if not fitted or getattr(model, "classes_", None) is None:
        raise ModelFileError(f"{dest}: cannot save: the model is not fitted")
    arrays: dict[str, np.ndarray] = {}
    array_names, none_names = [], []
    for attr in fitted:
        val = getattr(model, attr, None)
        if val is None:
            none_names.append(attr)
            continue
        arr = np.asarray(val)
        if arr.dtype.kind == "O":  # e.g. a list of str labels: store as text, never pickled
            arr = arr.astype(str)
        if arr.dtype.kind not in _ALLOWED_KINDS + "U":
            raise ModelFileError(f"{dest}: cannot save: fitted attribute {attr} has dtype {arr.dtype}")
        arrays[f"model__{attr}"] = arr
        array_names.append(attr)
    scalars = {}
    for k, v in vars(model).items():
        if k.endswith("_") and not k.startswith("_") and k not in fitted:
            if isinstance(v, (bool, int, float, str, np.integer, np.floating)):
                scalars[k] = v.item() if isinstance(v, np.generic) else v
    scaler_type = None
    if p.scaler is not None:
        scaler_type = type(p.scaler).__name__
        arrays["scaler__mean_"] = np.asarray(p.scaler.mean_, dtype=np.float64)
        arrays["scaler__scale_"] = np.asarray(p.scaler.scale_, dtype=np.float64)
    fs_version = None
    if p.feature_set:  # "" and None both mean "not from audio features"
        from .features import get_feature_set

        try:
            fs_version = int(get_feature_set(p.feature_set).version)
        except FeatureError as exc:
            raise ModelFileError(f"{dest}: cannot save: {exc}") from exc
    classes = [c.item() if isinstance(c, np.generic) else c for c in p.classes]
    metadata = dict(p.metadata)
    for key in ROW_METADATA:
        if key in metadata:
            arrays.update(_row_metadata_arrays(key, metadata.pop(key), dest))
    header = {
        "magic": MAGIC,
        "format_version": FORMAT_VERSION,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "feature_set": {"name": p.feature_set or None, "version": fs_version},
        "classes": classes,
        "n_features": p.n_features,
        "scaler": scaler_type,
        "scaler_params": p.scaler.get_params() if p.scaler is not None else None,
        "model": {
            "type": getattr(model, "name", type(model).__name__),
            "params": model.get_params(),
            "arrays": array_names,
            "none": none_names,
            "scalars": scalars,
        },
        "metadata": metadata,
    }
    return header, arrays


def _row_metadata_arrays(key: str, values: Any, dest: Path) -> dict[str, np.ndarray]:
    """``rows__<key>__names`` (distinct values, text) and ``rows__<key>__index`` (one per row)."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise ModelFileError(f"{dest}: cannot save: metadata {key} must be a list of text, "
                             "one per training row")
    texts = [str(v) for v in values]
    if any(len(t) > MAX_ROW_TEXT for t in texts):
        raise ModelFileError(f"{dest}: cannot save: an entry of metadata {key} is longer than {MAX_ROW_TEXT} "
                             "characters")
    names, index = np.unique(np.asarray(texts, dtype=str), return_inverse=True) if texts else (
        np.zeros(0, dtype="<U1"), np.zeros(0, dtype=np.int64))
    return {f"{_ROWS_PREFIX}{key}__names": names, f"{_ROWS_PREFIX}{key}__index": index.astype(np.int64)}


def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray) and o.size <= 10000:
        return o.tolist()
    if isinstance(o, (tuple, set)):
        return list(o)
    raise TypeError(f"{type(o).__name__} is not JSON serialisable")


# -- loading ----------------------------------------------------------------------------------------
def read_header(path: str | os.PathLike) -> dict:
    """Return the validated JSON header of a model file (for showing its details without loading it).

    Raises
    ------
    ModelFileError
    """
    p = Path(path)
    arrays = _read_members(p, header_only=True)
    return _parse_header(p, arrays[_HEADER_KEY])


def load_pipeline(path: str | os.PathLike) -> Pipeline:
    """Load and validate a model file written by :func:`save_pipeline`.

    Raises
    ------
    ModelFileError
        Naming the file and the reason: missing, not a model file, truncated, tampered with, made by a
        newer version, inconsistent arrays, object (pickled) arrays, unknown model or feature set.
    """
    p = Path(path)
    arrays = _read_members(p, header_only=False)
    h = _parse_header(p, arrays[_HEADER_KEY])

    def bad(reason: str) -> ModelFileError:
        return ModelFileError(f"{p}: {reason}")

    n_features = h["n_features"]
    fs = h["feature_set"]
    if fs["name"] is not None:
        from .features import get_feature_set

        try:
            feature_set = get_feature_set(fs["name"])
        except FeatureError as exc:
            raise bad(f"unknown feature set '{fs['name']}'") from exc
        if fs["version"] != int(feature_set.version):
            raise bad(f"made with feature set {fs['name']} version {fs['version']}, but this app computes "
                      f"version {feature_set.version}; retrain the model")
        if n_features != len(feature_set.columns):
            raise bad(f"n_features {n_features} does not match feature set {fs['name']} "
                      f"({len(feature_set.columns)} columns)")
    scaler = None
    if h["scaler"] is not None:
        from .preprocessing import StandardScaler

        if h["scaler"] != "StandardScaler":
            raise bad(f"unknown scaler type '{h['scaler']}'")
        mean = _float_vector(p, arrays, "scaler__mean_", n_features)
        scale = _float_vector(p, arrays, "scaler__scale_", n_features)
        if np.any(scale <= 0):
            raise bad("scaler__scale_ has zero or negative entries")
        scaler = StandardScaler(**_scaler_params(h.get("scaler_params"), n_features, bad))
        scaler.mean_, scaler.scale_ = mean, scale
    model = _restore_model(p, h["model"], arrays)
    metadata = dict(h["metadata"])
    metadata.update(_restore_row_metadata(p, arrays, model))
    classes = h["classes"]
    model_classes = np.asarray(model.classes_).tolist()
    if model_classes != classes:
        raise bad("the model's classes_ do not match the header's class list")
    try:
        pipe = Pipeline(fs["name"], scaler, model, classes, metadata)
        proba = pipe.predict_proba_features(np.zeros((1, n_features)))
    except Exception as exc:  # any failure here means arrays that do not fit together
        raise bad(f"the stored arrays are inconsistent ({type(exc).__name__}: {exc})") from exc
    if proba.shape != (1, len(classes)):
        raise bad("the model does not produce one probability per class")
    return pipe


def _read_members(p: Path, header_only: bool) -> dict[str, np.ndarray]:
    try:
        st = p.stat()
    except FileNotFoundError as exc:
        raise ModelFileError(f"{p}: no such file") from exc
    except OSError as exc:
        raise ModelFileError(f"{p}: cannot be read ({exc.strerror or exc})") from exc
    if p.is_dir():
        raise ModelFileError(f"{p}: is a folder, not a model file")
    if st.st_size == 0:
        raise ModelFileError(f"{p}: the file is empty")
    if st.st_size > MAX_FILE_BYTES:
        raise ModelFileError(f"{p}: too large for a model file ({st.st_size / 2**30:.1f} GB)")
    def check_members(infos: list[zipfile.ZipInfo]) -> None:
        names = [i.filename for i in infos]
        if len(infos) > MAX_MEMBERS:
            raise ModelFileError(f"{p}: not a genre_gui model file ({len(infos)} members)")
        if f"{_HEADER_KEY}.npy" not in names:
            raise ModelFileError(f"{p}: not a genre_gui model file (no header)")
        for i in infos:
            if not i.filename.endswith(".npy") or "/" in i.filename:
                raise ModelFileError(f"{p}: not a genre_gui model file (unexpected member {i.filename!r})")
            if i.filename == f"{_HEADER_KEY}.npy" and i.file_size > MAX_HEADER_BYTES + 256:
                raise ModelFileError(f"{p}: the header is larger than {MAX_HEADER_BYTES} bytes")

    return read_npz(p, ModelFileError, not_what="not a genre_gui model file", check_members=check_members,
                    keys=[_HEADER_KEY] if header_only else None)


def _json_depth_ok(text: str, limit: int) -> bool:
    depth, in_str, esc = 0, False, False
    for ch in text:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return False
        elif ch in "]}":
            depth -= 1
    return True


def _parse_header(p: Path, raw: np.ndarray) -> dict:
    def bad(reason: str) -> ModelFileError:
        return ModelFileError(f"{p}: {reason}")

    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise bad("not a genre_gui model file (malformed header)")
    if raw.size > MAX_HEADER_BYTES:
        raise bad(f"the header is larger than {MAX_HEADER_BYTES} bytes")
    try:
        text = raw.tobytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise bad("the header is not UTF-8 text") from exc
    if not _json_depth_ok(text, MAX_JSON_DEPTH):
        raise bad(f"the header nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        h = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise bad(f"the header is not valid JSON ({exc})") from exc
    if not isinstance(h, dict) or h.get("magic") != MAGIC:
        raise bad("not a genre_gui model file (wrong magic)")
    ver = h.get("format_version")
    if not _is_int(ver) or ver < 1:
        raise bad("invalid format_version in the header")
    if ver > FORMAT_VERSION:
        raise bad(f"made by a newer version of genre_gui (model format {ver}; this app reads up to "
                  f"{FORMAT_VERSION}); please update the app")
    fs = h.get("feature_set")
    # the keys must be there (loading indexes them), even when their values are null
    if not (isinstance(fs, dict) and "name" in fs and "version" in fs
            and (fs.get("name") is None or isinstance(fs.get("name"), str))
            and (fs.get("version") is None or _is_int(fs.get("version")))):
        raise bad("invalid feature_set in the header")
    if fs.get("name") is not None and fs.get("version") is None:
        raise bad("the header names a feature set without its version")
    classes = h.get("classes")
    if not isinstance(classes, list) or len(classes) < 2:
        raise bad("the header must list at least 2 classes")
    if not (all(isinstance(c, str) for c in classes) or all(_is_int(c) for c in classes)):
        raise bad("class names must all be text or all integers")
    if len(set(classes)) != len(classes):
        raise bad("the header lists a class twice")
    if not _is_int(h.get("n_features")) or not 0 < h["n_features"] <= 10_000_000:
        raise bad("invalid n_features in the header")
    if "scaler" not in h:
        raise bad("the header has no scaler entry")
    if h.get("scaler") is not None and not isinstance(h.get("scaler"), str):
        raise bad("invalid scaler in the header")
    m = h.get("model")
    if not isinstance(m, dict) or not isinstance(m.get("type"), str):
        raise bad("the header has no model type")
    for key, typ in (("params", dict), ("arrays", list), ("none", list), ("scalars", dict)):
        if not isinstance(m.get(key), typ):
            raise bad(f"invalid model.{key} in the header")
    if not all(isinstance(a, str) for a in m["arrays"] + m["none"]):
        raise bad("invalid fitted attribute names in the header")
    if not isinstance(h.get("metadata", {}), dict):
        raise bad("invalid metadata in the header")
    h.setdefault("metadata", {})
    return h


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _restore_model(p: Path, m: dict, arrays: dict[str, np.ndarray]) -> Any:
    from .models import MODELS

    cls = MODELS.get(m["type"])
    if cls is None:
        raise ModelFileError(f"{p}: unknown model type '{m['type']}' (known: {', '.join(sorted(MODELS))})")
    allowed_params = set(cls._param_names()) if hasattr(cls, "_param_names") else set()
    unknown = set(m["params"]) - allowed_params
    if unknown:
        raise ModelFileError(f"{p}: unknown hyperparameter(s) for {m['type']}: {', '.join(sorted(unknown))}")
    for k, v in m["params"].items():
        if not _plain_json_value(v):
            raise ModelFileError(f"{p}: hyperparameter {k} has an invalid value")
    try:
        model = cls(**m["params"])
    except Exception as exc:  # a constructor rejecting tampered values
        raise ModelFileError(f"{p}: invalid hyperparameters for {m['type']} ({exc})") from exc
    fitted = tuple(getattr(cls, "_fitted_attrs", ()))
    listed = set(m["arrays"]) | set(m["none"])
    if not listed <= set(fitted):
        raise ModelFileError(f"{p}: unexpected fitted attribute(s) {', '.join(sorted(listed - set(fitted)))}")
    missing = [a for a in fitted if a not in listed]
    if missing or "classes_" not in m["arrays"]:
        raise ModelFileError(f"{p}: missing fitted attribute(s) {', '.join(missing or ['classes_'])}")
    extra_members = {k for k in arrays if k.startswith("model__")} - {f"model__{a}" for a in m["arrays"]}
    if extra_members:
        raise ModelFileError(f"{p}: unexpected array(s) {', '.join(sorted(extra_members))}")
    for attr in m["arrays"]:
        key = f"model__{attr}"
        if key not in arrays:
            raise ModelFileError(f"{p}: the array {key} is missing")
        arr = arrays[key]
        kinds = _ALLOWED_KINDS + ("U" if attr == "classes_" else "")
        if arr.dtype.kind not in kinds:
            raise ModelFileError(f"{p}: array {key} has dtype {arr.dtype}, which is not allowed")
        if arr.ndim > 3:
            raise ModelFileError(f"{p}: array {key} has {arr.ndim} dimensions")
        if arr.dtype.kind == "f":
            _check_values(p, key, arr)
        setattr(model, attr, arr)
    for attr in m["none"]:
        setattr(model, attr, None)
    for k, v in m["scalars"].items():
        if not (isinstance(k, str) and k.endswith("_") and not k.startswith("_") and k.isidentifier()):
            raise ModelFileError(f"{p}: invalid fitted scalar name {k!r}")
        if not isinstance(v, (bool, int, float, str)):
            raise ModelFileError(f"{p}: fitted scalar {k} has an invalid value")
        setattr(model, k, v)
    return model


def _restore_row_metadata(p: Path, arrays: dict[str, np.ndarray], model: Any) -> dict[str, list[str]]:
    """The per-training-row metadata lists stored as ``rows__*`` arrays, validated (none in older files)."""
    members = {k for k in arrays if k.startswith(_ROWS_PREFIX)}
    known = {f"{_ROWS_PREFIX}{key}__{part}" for key in ROW_METADATA for part in ("names", "index")}
    if members - known:
        raise ModelFileError(f"{p}: unexpected array(s) {', '.join(sorted(members - known))}")
    n_fit = getattr(model, "X_fit_", None)
    n_rows = None if n_fit is None else int(np.asarray(n_fit).shape[0])
    out: dict[str, list[str]] = {}
    for key in ROW_METADATA:
        names_key, index_key = f"{_ROWS_PREFIX}{key}__names", f"{_ROWS_PREFIX}{key}__index"
        if names_key not in arrays and index_key not in arrays:
            continue
        if names_key not in arrays or index_key not in arrays:
            raise ModelFileError(f"{p}: {key}: one of its two arrays is missing")
        names, index = arrays[names_key], arrays[index_key]
        if names.ndim != 1 or names.dtype.kind != "U" or names.dtype.itemsize > 4 * MAX_ROW_TEXT:
            raise ModelFileError(f"{p}: array {names_key} must be a list of text")
        if index.ndim != 1 or index.dtype.kind not in "iu":
            raise ModelFileError(f"{p}: array {index_key} must be a list of integers")
        if index.size and (int(index.min()) < 0 or int(index.max()) >= names.shape[0]):
            raise ModelFileError(f"{p}: array {index_key} points outside {names_key}")
        if n_rows is not None and index.shape[0] != n_rows:
            raise ModelFileError(f"{p}: {key} lists {index.shape[0]} rows, the model holds {n_rows}")
        out[key] = names[index].tolist()
    lengths = {len(v) for v in out.values()}
    if len(lengths) > 1:
        raise ModelFileError(f"{p}: {' and '.join(out)} list different numbers of rows")
    return out


def _plain_json_value(v: Any, depth: int = 0) -> bool:
    if depth > 4:
        return False
    if v is None or isinstance(v, (bool, int, float, str)):
        return True
    if isinstance(v, list):
        return len(v) <= 1000 and all(_plain_json_value(x, depth + 1) for x in v)
    return False


def _scaler_params(params: Any, n_features: int, bad: Callable[[str], ModelFileError]) -> dict:
    """Validated StandardScaler hyperparameters from the header (absent in older files: defaults)."""
    if params is None:
        return {}
    if not isinstance(params, dict) or not set(params) <= {"with_mean", "with_std", "log_columns",
                                                          "ignore_columns"}:
        raise bad("invalid scaler parameters in the header")
    out: dict[str, Any] = {}
    for key in ("with_mean", "with_std"):
        if key in params:
            if not isinstance(params[key], bool):
                raise bad(f"scaler parameter {key} must be true or false")
            out[key] = params[key]
    for key in ("log_columns", "ignore_columns"):
        cols = params.get(key, [])
        if (not isinstance(cols, list) or len(cols) > n_features
                or not all(_is_int(c) and 0 <= c < n_features for c in cols)):
            raise bad(f"scaler parameter {key} must list column numbers below {n_features}")
        out[key] = cols
    return out


def _float_vector(p: Path, arrays: dict, key: str, n: int) -> np.ndarray:
    if key not in arrays:
        raise ModelFileError(f"{p}: the array {key} is missing")
    a = arrays[key]
    if a.dtype.kind != "f" or a.shape != (n,):
        raise ModelFileError(f"{p}: array {key} must be float of shape ({n},), got {a.dtype} {a.shape}")
    _check_values(p, key, a)
    return a.astype(np.float64)


def _check_values(p: Path, key: str, a: np.ndarray) -> None:
    if not np.all(np.isfinite(a)):
        raise ModelFileError(f"{p}: array {key} contains NaN or infinite values")
    # finite but absurd (a flipped exponent bit gives ~1e308): every prediction would overflow to NaN
    if a.size and float(np.max(np.abs(a))) > MAX_ABS_VALUE:
        raise ModelFileError(f"{p}: array {key} holds implausibly large values (above {MAX_ABS_VALUE:g})")
