"""Read the genre fields a tag preview needs off the GUI thread (core.tags.read_genre_fields, mutagen).

Opening every file of a big library with mutagen takes seconds to minutes; the preview dialog shows
progress and a Cancel button meanwhile, and plans every policy from what was read (no file is opened
again when the policy changes).
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import Worker

__all__ = ["TagFieldsRead", "TagFieldsWorker", "TagWriteWorker", "TagsWritten"]


@dataclass(frozen=True)
class TagFieldsRead:
    """The fields of every file, in the order asked (core.tags.GenreFields)."""

    fields: tuple


class TagFieldsWorker(Worker):
    """Emits ``progressed`` per file (throttled), then ``finished(TagFieldsRead)``; ``cancelled`` after a
    cancel (polled between files)."""

    def __init__(self, items: list[tuple[str, str]]) -> None:
        super().__init__()
        self.items = list(items)

    def _on_file(self, done: int, total: int, name: str) -> None:
        self.check_cancelled()  # raises JobCancelled: read_genre_fields lets it through
        self.report_progress(done, total, f"reading the tags: {done} of {total} files · {name}")

    def work(self) -> TagFieldsRead:
        from ..core.tags import read_genre_fields

        self.check_cancelled()
        return TagFieldsRead(tuple(read_genre_fields(self.items, progress=self._on_file)))


@dataclass(frozen=True)
class TagsWritten:
    """A tagging (or its undo) done: the ``report`` (core.tags.TagReport), ``verb`` for the message, and
    the files' tags read again afterwards (``tags``: path -> core.tags.TrackTags)."""

    report: object
    verb: str
    tags: dict


class TagWriteWorker(Worker):
    """Write a previewed plan (``plan`` given, with a change log at ``log_path``) or undo the change log at
    ``log_path`` (renamed ``*.undone`` once undone), off the GUI thread: each file is opened, rewritten and
    read again, which for a large library takes long. ``state_path``/``model_key``: the library job's
    state, told that the audio is unchanged (its answers are kept). Emits ``finished(TagsWritten)``, or
    ``failed(str)`` when nothing could be done (an unwritable log folder, a damaged change log)."""

    def __init__(self, log_path: str, plan: object = None, state_path: str | None = None,
                 model_key: str | None = None) -> None:
        super().__init__()
        self.log_path, self.plan = log_path, plan
        self.state_path, self.model_key = state_path, model_key

    def work(self) -> TagsWritten:
        import os

        from ..core.tags import read_tags, undo_tagging, write_genre_tags

        if self.plan is not None:
            os.makedirs(os.path.dirname(self.log_path), exist_ok=True)
            report, verb = write_genre_tags(self.plan, self.log_path), "Tagged"
        else:
            report, verb = undo_tagging(self.log_path), "Restored the genre of"
            os.replace(self.log_path, self.log_path + ".undone")
        if self.state_path and self.model_key:
            from ..core.library import LibraryState

            with LibraryState(self.state_path) as state:  # the audio is unchanged: keep the answers
                state.refresh(report.done, self.model_key)
        paths = [*report.done, *(p for p, _ in report.skipped)]
        return TagsWritten(report, verb, {p: read_tags(p) for p in paths})
