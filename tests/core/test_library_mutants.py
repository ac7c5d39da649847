"""core.library pinned where mutation testing found it loose (the state file has its own module,
test_library_state.py): what classify_library hands to the job."""

from __future__ import annotations

from genre_gui.core import library


def test_classify_library_is_a_job_run_with_every_argument_passed_on(monkeypatch):
    calls = []

    class Job:
        def __init__(self, roots, pipeline, **kwargs):
            calls.append(("init", roots, pipeline, kwargs))

        def run(self, progress, cancel):
            calls.append(("run", progress, cancel))
            return iter(["answer"])

    def progress(*a):
        return None

    def cancel():
        return False

    monkeypatch.setattr(library, "LibraryJob", Job)
    out = library.classify_library(["/music"], "pipe", progress=progress, cancel=cancel, n_jobs=3, state="s")
    assert list(out) == ["answer"]
    assert calls == [("init", ["/music"], "pipe", {"n_jobs": 3, "state": "s"}), ("run", progress, cancel)]
    calls.clear()
    assert list(library.classify_library(["/m"], "p")) == ["answer"]
    assert calls == [("init", ["/m"], "p", {}), ("run", None, None)]
