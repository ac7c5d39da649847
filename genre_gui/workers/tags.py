"""Read the genre fields a tag preview needs off the GUI thread (core.tags.read_genre_fields, mutagen).

Opening every file of a big library with mutagen takes seconds to minutes; the preview dialog shows
progress and a Cancel button meanwhile, and plans every policy from what was read (no file is opened
again when the policy changes).
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import Worker

__all__ = ["TagFieldsRead", "TagFieldsWorker"]


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
