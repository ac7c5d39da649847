"""A pool initializer for tests: the worker process really dies (``os._exit``) on a file named crash_me.*.

Imported by the worker processes themselves (by module name), so it must stay importable as
``tests.core.crash_worker`` from the project root.
"""

from __future__ import annotations

import os


def install() -> None:
    """Run the real initializer, then make extract_file die on crash_me files."""
    from genre_gui.core import batch
    from genre_gui.core.priority import init_background_worker

    init_background_worker()
    original = batch.extract_file

    def extract_or_die(path, *args, **kwargs):
        if os.path.basename(path).startswith("crash_me"):
            os._exit(3)  # as a decoder's segfault: no exception, no cleanup, the process is gone
        return original(path, *args, **kwargs)

    batch.extract_file = extract_or_die
