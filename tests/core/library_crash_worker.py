"""A pool initializer for the library job's tests: the worker process really dies (``os._exit``, as a
decoder's segfault: no exception, no cleanup) on a file whose name starts with crash_me.

Imported by the worker processes by module name, so it must stay importable as
``tests.core.library_crash_worker`` from the project root.
"""

from __future__ import annotations

import os


def install() -> None:
    from genre_gui.core import library
    from genre_gui.core.priority import init_background_worker

    init_background_worker()
    original = library._analyse

    def analyse_or_die(path, *args, **kwargs):
        if os.path.basename(path).startswith("crash_me"):
            os._exit(3)
        return original(path, *args, **kwargs)

    library._analyse = analyse_or_die
