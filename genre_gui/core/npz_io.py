"""Reading ``.npz`` archives safely: plain arrays only (``allow_pickle=False``), bounded unpacked size,
and every failure turned into the caller's typed error naming the file. Shared by model files and
``.npz`` datasets."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

#: no archive we read may unpack to more than this
MAX_UNPACKED_BYTES = 4 * 1024**3


def read_npz(
    p: Path,
    error: type[Exception],
    *,
    not_what: str,
    check_members: Callable[[list[zipfile.ZipInfo]], None] | None = None,
    keys: Sequence[str] | None = None,
) -> dict[str, np.ndarray]:
    """Load the arrays of ``p`` (all, or ``keys``) without ever unpickling.

    Parameters
    ----------
    p : Path
        The archive.
    error : exception class
        Raised, with a message naming ``p`` and the reason, for anything unreadable.
    not_what : str
        How to say what ``p`` is not, e.g. ``"not a genre_gui model file"``.
    check_members : callable, optional
        Called with the archive's member list before anything is unpacked; raises ``error`` to refuse.
    keys : sequence of str, optional
        Arrays to load; all by default.
    """
    try:
        with zipfile.ZipFile(p) as zf:
            infos = zf.infolist()
            if check_members is not None:
                check_members(infos)
            total = sum(i.file_size for i in infos)
            if total > MAX_UNPACKED_BYTES:
                raise error(f"{p}: the archive would unpack to {total / 2**30:.1f} GB; refusing")
        with np.load(p, allow_pickle=False) as npz:
            return {k: npz[k] for k in (list(npz.files) if keys is None else keys)}
    except error:
        raise
    except PermissionError as exc:
        raise error(f"{p}: permission denied") from exc
    except zipfile.BadZipFile as exc:
        raise error(f"{p}: {not_what} (not an .npz archive, or truncated)") from exc
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise error(f"{p}: contains a pickled (object) array, which is never loaded") from exc
        raise error(f"{p}: a corrupt array in the archive ({exc})") from exc
    except (OSError, EOFError, KeyError, RuntimeError, zipfile.LargeZipFile, NotImplementedError) as exc:
        raise error(f"{p}: the archive is corrupt or truncated ({type(exc).__name__}: {exc})") from exc
