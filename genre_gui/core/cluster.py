"""Feature extraction on a Dask distributed cluster, for libraries one machine should not grind through.

The calling process reads each file and sends its bytes; a worker writes them to a temporary file,
decodes and extracts exactly as the local pool does (:func:`genre_gui.core.batch._worker`), and sends the
features back. So the workers need no access to the music's folders, only genre_gui installed
(``pip install genre_gui[cluster]``) and ``dask worker tcp://SCHEDULER:8786`` running. At most a few files
per worker thread are in flight, which bounds the memory the bytes take. A worker that dies on a file
(Dask retries it on another worker first) makes that file a failure, not the batch.

Optional: ``distributed`` is imported only when a scheduler address is given.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .errors import GenreGuiError

#: files in flight per worker thread (one computing, one arriving)
IN_FLIGHT_PER_THREAD = 2
#: seconds to wait for the scheduler to answer
CONNECT_TIMEOUT = 5.0


class ClusterError(GenreGuiError):
    """The scheduler cannot be reached, or has no workers."""


def remote_extract(data: bytes, suffix: str, display_path: str, feature_set: str,
                   segment_seconds: float | None) -> tuple[bool, Any, int]:
    """Runs on a Dask worker: features of a file's bytes (``(ok, features or reason, set version)``).

    Never raises for a bad file; its reason names ``display_path`` (the file on the caller's machine).
    """
    import tempfile

    from .batch import _worker
    from .features import get_feature_set

    with tempfile.TemporaryDirectory(prefix="genre_gui_") as tmp:
        local = Path(tmp) / f"clip{suffix}"
        local.write_bytes(data)
        ok, value = _worker(str(local), feature_set, segment_seconds)
    if not ok:
        value = str(value).replace(str(local), display_path)
    return ok, value, int(get_feature_set(feature_set).version)


def connect(address: str) -> Any:
    """A ``distributed.Client`` on ``address`` (``tcp://host:8786``), or ClusterError saying why not."""
    try:
        from distributed import Client
    except ImportError as exc:
        raise ClusterError("a Dask scheduler needs the 'distributed' package: pip install genre_gui[cluster]"
                           ) from exc
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
    if not client.nthreads():
        client.close()
        raise ClusterError(f"the Dask scheduler at {address} has no workers")
    return client


def run_on_cluster(
    address: str,
    paths: Sequence[str],
    todo: Sequence[int],
    feature_set: str,
    version: int,
    segment_seconds: float | None,
    finish: Callable[[int, bool, Any], None],
    cancelled: Callable[[], bool],
    on_cancel: Callable[[], Exception],
) -> None:
    """Extract ``paths[i]`` for every ``i`` in ``todo`` on the cluster; ``finish(i, ok, value)`` each.

    ``on_cancel()`` makes the exception raised when ``cancelled()`` turns true (in-flight work is
    dropped). A worker whose feature-set version differs from ``version`` fails the file rather than
    mixing numbers of two versions.
    """
    from distributed import as_completed

    client = connect(address)
    tag = uuid.uuid4().hex[:8]
    try:
        window = max(2, IN_FLIGHT_PER_THREAD * sum(client.nthreads().values()))
        queue = list(reversed(list(todo)))
        index: dict[Any, int] = {}

        def submit_next() -> Any:
            while queue:
                i = queue.pop()
                try:
                    data = Path(paths[i]).read_bytes()
                except OSError as exc:
                    finish(i, False, f"{paths[i]}: cannot be read ({exc.strerror or exc})")
                    continue
                fut = client.submit(remote_extract, data, Path(paths[i]).suffix, paths[i], feature_set,
                                    segment_seconds, key=f"genre-gui-{tag}-{i}", pure=False)
                index[fut] = i
                return fut
            return None

        first = [f for f in (submit_next() for _ in range(window)) if f is not None]
        if not first:
            return
        running = as_completed(first, loop=client.loop)  # our client is not the default one
        for fut in running:
            i = index.pop(fut)
            try:
                ok, value, remote_version = fut.result()
            except Exception as exc:  # KilledWorker (it died on this file, twice), lost connection, ...
                ok, value, remote_version = False, (f"{paths[i]}: the Dask worker failed on it "
                                                    f"({type(exc).__name__}: {exc})"), version
            if ok and remote_version != version:
                ok, value = False, (f"{paths[i]}: the Dask worker computes {feature_set} version "
                                    f"{remote_version}, this app version {version}; update genre_gui there")
            finish(i, ok, value)
            if cancelled():
                for other in list(index):
                    other.cancel()
                raise on_cancel()
            nxt = submit_next()
            if nxt is not None:
                running.add(nxt)
    finally:
        client.close()
