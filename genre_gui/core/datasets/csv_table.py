"""Feature tables in CSV form, like GTZAN's ``features_30_sec.csv`` (one row per clip or per segment)."""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import DatasetError
from .base import Dataset

__all__ = ["load_feature_csv", "save_feature_csv", "clip_id", "LABEL_COLUMNS", "FILENAME_COLUMNS"]

#: header names recognised as the label column (case-insensitive), in order of preference
LABEL_COLUMNS = ("label", "genre", "class", "target", "y", "category")
#: header names recognised as the file-name column
FILENAME_COLUMNS = ("filename", "file_name", "file", "path", "filepath", "clip", "clip_id", "name", "id")
#: bookkeeping columns that are not features (GTZAN's "length" is the sample count of the clip)
META_COLUMNS = ("length", "duration", "index", "unnamed: 0", "start", "end", "offset")
#: refuse tables larger than this; a 10-column float CSV of this size is ~4 million rows
MAX_BYTES = 512 * 1024 * 1024
_AUDIO_EXT = re.compile(r"\.(wav|au|snd|flac|ogg|oga|opus|mp3|aif|aiff|m4a)$", re.IGNORECASE)
# GTZAN ids: "blues.00000", with an optional segment index: "blues.00000.3"
_GTZAN_ID = re.compile(r"^(?P<clip>[A-Za-z][\w-]*\.\d{5})(?:\.\d+)?$")


def clip_id(filename: str) -> str:
    """Clip id of a file name: the name without folders and audio extension, and without a segment index.

    ``"blues.00000.wav" -> "blues.00000"``, ``"blues.00000.3.wav" -> "blues.00000"``,
    ``"genres/rock/song.mp3" -> "song"``.
    """
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = _AUDIO_EXT.sub("", name)
    m = _GTZAN_ID.match(name)
    return m.group("clip") if m else name


def load_feature_csv(path: str | os.PathLike, feature_set: str | None = "auto") -> Dataset:
    """Load a feature table: one header row, one row per clip (or segment), a label column.

    Parameters
    ----------
    path : path-like
        A comma-, semicolon- or tab-separated UTF-8 file.
    feature_set : str, "auto" or None
        ``"auto"`` recognises a known feature set (``gtzan57``...) by its column names and reorders the
        columns to its order; a table that nearly matches one (a column missing or added) is an error,
        since a model of that feature set could not use it. A feature set name requires exactly its
        columns (any order). ``None`` accepts any numeric columns.

    Returns
    -------
    Dataset
        ``groups`` are clip ids from the file-name column (``blues.00000`` for both 30 s rows and 3 s
        segment rows), or row numbers when there is no such column. Warnings (a class with a single
        clip) are listed in ``failures``.

    Raises
    ------
    DatasetError
        Naming the file and the reason: missing file, empty file, not UTF-8 text, ragged rows, duplicate
        or missing columns, no label column, non-numeric / NaN / infinite cells (with row and column),
        fewer than 2 classes.
    """
    p = Path(path)
    header, rows = _read_rows(p)
    lower = [h.strip().lower() for h in header]
    label_col = _find_column(lower, LABEL_COLUMNS)
    if label_col is None:
        raise DatasetError(
            f"{p}: no label column (expected a column named one of: {', '.join(LABEL_COLUMNS)})"
        )
    file_col = _find_column(lower, FILENAME_COLUMNS, exclude={label_col})
    skip = {label_col} | ({file_col} if file_col is not None else set())
    skip |= {i for i, h in enumerate(lower) if h in META_COLUMNS or h == ""}
    feat_idx = [i for i in range(len(header)) if i not in skip]
    if not feat_idx:
        raise DatasetError(f"{p}: no feature columns besides the label and file name")
    columns = [header[i].strip() for i in feat_idx]

    fs_name, order = _match_feature_set(p, columns, feature_set)
    if order is not None:
        feat_idx = [feat_idx[j] for j in order]
        columns = [columns[j] for j in order]

    X = _parse_numbers(p, header, rows, feat_idx)
    labels = []
    for r, row in enumerate(rows):
        lab = row[label_col].strip()
        if not lab:
            raise DatasetError(f"{p}: row {r + 2}: empty label in column '{header[label_col]}'")
        labels.append(lab)
    y = _labels_array(labels)
    if file_col is not None:
        names = [row[file_col].strip() for row in rows]
        groups = np.array([clip_id(n) or f"row {r + 2}" for r, n in enumerate(names)], dtype=str)
        sources = names
    else:
        groups = np.array([f"row {r + 2}" for r in range(len(rows))], dtype=str)
        sources = [f"{p.name}:{r + 2}" for r in range(len(rows))]
    _check_groups_single_label(p, groups, y)
    classes = sorted(set(y.tolist()))
    if len(classes) < 2:
        raise DatasetError(f"{p}: needs at least 2 classes, found {len(classes)} ({classes[0]!r})")
    failures = _single_clip_warnings(p, y, groups, classes)
    return Dataset(X=X, y=y, groups=groups, classes=classes, columns=columns, sources=sources,
                   name=p.stem, feature_set=fs_name, failures=failures)


def save_feature_csv(dataset: Dataset, path: str | os.PathLike) -> None:
    """Write a dataset as a feature table that :func:`load_feature_csv` reads back (atomic replace)."""
    from ..persistence import atomic_write  # local: persistence imports the models lazily anyway

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["filename", *dataset.columns, "label"])
    for src, row, lab in zip(dataset.sources, dataset.X, dataset.y):
        w.writerow([_printable(Path(str(src)).name), *(repr(float(v)) for v in row), lab])
    try:
        atomic_write(path, buf.getvalue().encode("utf-8", errors="backslashreplace"))
    except OSError as exc:
        raise DatasetError(f"{path}: cannot write ({exc.strerror or exc})") from exc


def _printable(name: str) -> str:
    """A file name that was not valid UTF-8 (surrogate escapes) with its odd bytes as visible ``\\xNN``."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


# -- helpers ------------------------------------------------------------------------------------------
def _read_rows(p: Path) -> tuple[list[str], list[list[str]]]:
    try:
        size = p.stat().st_size
        if p.is_dir():
            raise DatasetError(f"{p}: is a folder, not a CSV file")
        if size > MAX_BYTES:
            raise DatasetError(f"{p}: too large for a feature table ({size / 2**20:.0f} MB)")
        raw = p.read_bytes()
    except FileNotFoundError as exc:
        raise DatasetError(f"{p}: no such file") from exc
    except PermissionError as exc:
        raise DatasetError(f"{p}: permission denied") from exc
    except OSError as exc:
        raise DatasetError(f"{p}: cannot be read ({exc.strerror or exc})") from exc
    if b"\x00" in raw:
        raise DatasetError(f"{p}: not a text file (contains NUL bytes)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{p}: not UTF-8 text (byte {exc.start})") from exc
    if not text.strip():
        raise DatasetError(f"{p}: the file is empty")
    first = text.split("\n", 1)[0]
    delim = max((",", ";", "\t"), key=first.count)
    try:
        reader = csv.reader(io.StringIO(text), delimiter=delim)
        all_rows = [row for row in reader if any(c.strip() for c in row)]
    except csv.Error as exc:
        raise DatasetError(f"{p}: not a valid CSV file ({exc})") from exc
    if not all_rows:  # e.g. ",\n": lines of empty cells only
        raise DatasetError(f"{p}: the file has no header row (only empty cells)")
    header, rows = all_rows[0], all_rows[1:]
    if len(header) < 2:
        raise DatasetError(f"{p}: the header has a single column; expected features and a label")
    seen: set[str] = set()
    for h in header:
        key = h.strip().lower()
        if key and key in seen:
            raise DatasetError(f"{p}: column '{h.strip()}' appears twice in the header")
        seen.add(key)
    if not rows:
        raise DatasetError(f"{p}: the table has a header but no data rows")
    for r, row in enumerate(rows):
        if len(row) != len(header):
            raise DatasetError(
                f"{p}: row {r + 2} has {len(row)} cells but the header has {len(header)} columns"
            )
    return header, rows


def _find_column(lower: Sequence[str], names: Sequence[str], exclude: set[int] | None = None) -> int | None:
    for name in names:
        for i, h in enumerate(lower):
            if h == name and i not in (exclude or set()):
                return i
    return None


def _known_feature_sets() -> dict:
    try:
        from ..features import FEATURE_SETS
    except ImportError:  # the feature package is optional for reading plain tables
        return {}
    return dict(FEATURE_SETS)


def _match_feature_set(
    p: Path, columns: list[str], feature_set: str | None
) -> tuple[str | None, list | None]:
    """Return (feature set name or None, column order to apply or None)."""
    if feature_set is None:
        return None, None
    known = _known_feature_sets()
    if feature_set != "auto":
        if feature_set not in known:
            raise DatasetError(f"{p}: unknown feature set '{feature_set}'")
        candidates = {feature_set: known[feature_set]}
    else:
        candidates = known
    have = set(columns)
    for name, fs in candidates.items():
        want = list(fs.columns)
        wset = set(want)
        if have == wset:
            return name, [columns.index(c) for c in want]
        overlap = len(have & wset) / max(1, len(have | wset))
        if feature_set != "auto" or overlap >= 0.8:
            missing = [c for c in want if c not in have]
            extra = [c for c in columns if c not in wset]
            parts = []
            if missing:
                parts.append(f"missing column(s) {_few(missing)}")
            if extra:
                parts.append(f"unexpected column(s) {_few(extra)}")
            raise DatasetError(f"{p}: columns do not match feature set '{name}': {'; '.join(parts)}")
    return None, None


def _few(names: list[str]) -> str:
    return ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")


def _parse_numbers(p: Path, header: list[str], rows: list[list[str]], feat_idx: list[int]) -> np.ndarray:
    cells = [[row[i] for i in feat_idx] for row in rows]
    try:
        X = np.array(cells, dtype=np.float64)
    except ValueError:
        X = None
    if X is not None and np.all(np.isfinite(X)):
        return X
    # slow path only to name the first bad cell
    for r, row in enumerate(rows):
        for i in feat_idx:
            cell = row[i].strip()
            try:
                v = float(cell)
            except ValueError:
                what = "an empty cell" if not cell else f"text '{cell[:30]}'"
                raise DatasetError(
                    f"{p}: row {r + 2}, column '{header[i].strip()}': {what} where a number is expected"
                ) from None
            if not np.isfinite(v):
                raise DatasetError(
                    f"{p}: row {r + 2}, column '{header[i].strip()}': '{cell}' is not a finite number"
                )
    raise DatasetError(f"{p}: the feature cells could not be read as numbers")  # pragma: no cover


def _labels_array(labels: list[str]) -> np.ndarray:
    # integer-like labels (MNIST-style tables) stay integers; anything else stays text
    try:
        ints = [int(s) for s in labels]
    except ValueError:
        return np.array(labels, dtype=str)
    return np.array(ints, dtype=np.int64)


def _check_groups_single_label(p: Path, groups: np.ndarray, y: np.ndarray) -> None:
    first: dict[str, object] = {}
    for g, lab in zip(groups.tolist(), y.tolist()):
        if first.setdefault(g, lab) != lab:
            raise DatasetError(f"{p}: clip '{g}' has rows with different labels ({first[g]!r} and {lab!r})")


def _single_clip_warnings(p: Path, y: np.ndarray, groups: np.ndarray, classes: list) -> list[tuple[str, str]]:
    out = []
    for c in classes:
        n = len(set(groups[y == c].tolist()))
        if n == 1:
            out.append((str(p), f"warning: class {c!r} has a single clip; cross-validation cannot test it "
                                "in every fold"))
    return out
