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

import contextlib
import os
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .errors import GenreGuiError

#: files in flight per worker thread (one computing, one arriving)
IN_FLIGHT_PER_THREAD = 2
#: seconds to wait for the scheduler to answer
CONNECT_TIMEOUT = 5.0


class ClusterError(GenreGuiError):
    """The scheduler cannot be reached, or has no workers."""


#: ``tcp://HOST:PORT`` (or tls://); HOST a name, an IPv4 address or a bracketed IPv6 address
_ADDRESS = re.compile(r"^(tcp|tls)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):([0-9]{1,5})$")


def available() -> bool:
    """Whether ``distributed`` is installed (found without importing it: the import takes a second)."""
    import importlib.util

    return importlib.util.find_spec("distributed") is not None


def check_address(address: str) -> str:
    """A scheduler address as Dask wants it, or ClusterError saying what is wrong with it.

    Parameters
    ----------
    address : str
        ``tcp://HOST:PORT`` (``tls://`` too); surrounding spaces are dropped.

    Returns
    -------
    str
        The address, stripped.
    """
    text = str(address).strip()
    m = _ADDRESS.match(text)
    if m is None:
        raise ClusterError(f"{text or '(empty)'} is not a Dask scheduler address: write tcp://HOST:PORT, "
                           "for example tcp://192.168.1.20:8786")
    if not 0 < int(m.group(4)) < 65536:
        raise ClusterError(f"{text}: the port must be between 1 and 65535")
    return text


def remote_file_task(data: bytes, suffix: str, display_path: str, task: Callable[..., tuple],
                     args: tuple) -> tuple:
    """Runs on a Dask worker: ``task(local_copy, *args)`` on a temporary copy of a file's bytes.

    ``task`` never raises and returns ``(ok, value, ...)``; a failure's reason names ``display_path`` (the
    file on the caller's machine), not the copy.
    """
    import tempfile

    from .allocator import keep_freed_memory

    keep_freed_memory()  # undoes the 25-35 % Dask's nanny's malloc setting costs this work (see there)
    with tempfile.TemporaryDirectory(prefix="genre_gui_") as tmp:
        local = Path(tmp) / f"clip{suffix}"
        local.write_bytes(data)
        result = tuple(task(str(local), *args))
    if not result[0]:
        result = (False, str(result[1]).replace(str(local), display_path), *result[2:])
    return result


def extract_with_version(path: str, feature_set: str, segment_seconds: float | None) -> tuple[bool, Any, int]:
    """:func:`genre_gui.core.batch._worker` plus the worker's version of the feature set."""
    from .batch import _worker
    from .features import get_feature_set

    ok, value = _worker(path, feature_set, segment_seconds)
    return ok, value, int(get_feature_set(feature_set).version)


def connect(address: str) -> Any:
    """A ``distributed.Client`` on ``address`` (``tcp://host:8786``), or ClusterError saying why not."""
    try:
        from distributed import Client
    except ImportError as exc:
        raise ClusterError("a Dask scheduler needs the 'distributed' package: pip install genre_gui[cluster]"
                           ) from exc
    address = check_address(address)
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
    if not client.nthreads():
        client.close()
        raise ClusterError(f"the Dask scheduler at {address} has no workers")
    return client


def iter_on_cluster(
    address: str,
    jobs: Sequence[tuple[int, str, Callable[..., tuple], tuple]],
    cancelled: Callable[[], bool],
    failure: Callable[[str], tuple],
) -> Iterator[tuple[int, tuple]]:
    """Run ``task(path, *args)`` for each ``(index, path, task, args)`` on the cluster's workers.

    Yields ``(index, result)`` as they complete; a file that cannot be read here, or whose worker failed
    (Dask retries a dying worker's task elsewhere first), yields ``failure(reason)``. Stops submitting
    once ``cancelled()`` is true and returns, dropping the work in flight.
    """
    from distributed import as_completed

    client = connect(address)
    tag = uuid.uuid4().hex[:8]
    try:
        window = max(2, IN_FLIGHT_PER_THREAD * sum(client.nthreads().values()))
        queue = list(reversed(list(jobs)))
        index: dict[Any, tuple[int, str]] = {}
        unreadable: list[tuple[int, tuple]] = []

        def submit_next() -> Any:
            while queue:
                i, path, task, args = queue.pop()
                try:
                    data = Path(path).read_bytes()
                except OSError as exc:
                    unreadable.append((i, failure(f"{path}: cannot be read ({exc.strerror or exc})")))
                    continue
                fut = client.submit(remote_file_task, data, Path(path).suffix, path, task, args,
                                    key=f"genre-gui-{tag}-{i}", pure=False)
                index[fut] = (i, path)
                return fut
            return None

        first = [f for f in (submit_next() for _ in range(window)) if f is not None]
        yield from unreadable
        unreadable.clear()
        if not first:
            return
        running = as_completed(first, loop=client.loop)  # our client is not the default one
        for fut in running:
            i, path = index.pop(fut)
            try:
                result = tuple(fut.result())
            except Exception as exc:  # KilledWorker (it died on this file, twice), lost connection, ...
                result = failure(f"{path}: the Dask worker failed on it ({type(exc).__name__}: {exc})")
            yield i, result
            if cancelled():
                for other in list(index):
                    other.cancel()
                return
            nxt = submit_next()
            yield from unreadable
            unreadable.clear()
            if nxt is not None:
                running.add(nxt)
    finally:
        client.close()


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
    jobs = [(i, paths[i], extract_with_version, (feature_set, segment_seconds)) for i in todo]
    for i, (ok, value, remote_version) in iter_on_cluster(address, jobs, cancelled,
                                                          lambda reason: (False, reason, version)):
        if ok and remote_version != version:
            ok, value = False, (f"{paths[i]}: the Dask worker computes {feature_set} version "
                                f"{remote_version}, this app version {version}; update genre_gui there")
        finish(i, ok, value)
    if cancelled():
        raise on_cancel()


@contextlib.contextmanager
def local_cluster(folder: str | os.PathLike, n_workers: int = 2, *, niceness: int = 0,
                  timeout: float = 120.0) -> Iterator[str]:
    """A real Dask cluster on this machine for tests and benchmarks: ``dask scheduler`` and ``n_workers``
    ``dask worker`` processes (one thread each) on 127.0.0.1; yields the scheduler's address.

    Separate processes, not ``distributed.LocalCluster``: workers started from this process set
    ``OMP_NUM_THREADS=1`` in its environment, which changed the numbers of later BLAS-threaded work here.
    Every process is terminated (then killed) on exit.

    Parameters
    ----------
    folder : path-like
        The processes' working and spill folder (a temporary folder).
    n_workers : int
        Worker processes, one thread each.
    niceness : int
        Added to the workers' niceness, so a benchmark can run them at the priority of the app's own
        worker processes (``core.priority.BACKGROUND_NICENESS``).
    timeout : float
        Seconds for the scheduler and the workers to come up (ClusterError after that).
    """
    import json
    import subprocess
    import sys
    import time

    dask = str(Path(sys.executable).with_name("dask"))
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    info = folder / "scheduler.json"
    env = {**os.environ, "DASK_DISTRIBUTED__LOGGING__DISTRIBUTED": "error"}

    # runs in each worker process before exec; passed only when asked (a preexec_fn is best avoided in a
    # process with threads, such as the app's)
    def lower() -> None:
        os.nice(niceness)

    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                               "--scheduler-file", str(info)], cwd=folder, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        deadline = time.monotonic() + timeout
        while not info.exists() and time.monotonic() < deadline and procs[0].poll() is None:
            time.sleep(0.2)
        try:
            address = json.loads(info.read_text())["address"]
        except (OSError, ValueError, KeyError) as exc:
            raise ClusterError(f"the local Dask scheduler did not start ({exc})") from exc
        for _ in range(n_workers):
            procs.append(subprocess.Popen(
                [dask, "worker", address, "--nthreads", "1", "--nworkers", "1", "--host", "127.0.0.1",
                 "--no-dashboard", "--local-directory", str(folder)], cwd=folder, env=env,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                preexec_fn=lower if niceness > 0 else None))
        from distributed import Client

        with Client(address, timeout=30, set_as_default=False) as client:
            client.wait_for_workers(n_workers, timeout=max(1.0, deadline - time.monotonic()))
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
