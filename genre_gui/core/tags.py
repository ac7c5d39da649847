"""Reading and writing genre tags with mutagen: a preview before anything is written, a policy, the
right field per format, and a change log that undoes a tagging.

Fields (mutagen's names):

============================  =====================================  =========================
format                        genre field                            artist / title / album
============================  =====================================  =========================
MP3, WAV, AIFF (ID3v2)        ``TCON``                               TPE1 / TIT2 / TALB
FLAC, Ogg Vorbis, Opus        Vorbis comment ``GENRE``               ARTIST / TITLE / ALBUM
M4A, M4B, MP4 (AAC, ALAC)     ``©gen`` (an old numeric ``gnre``      ©ART / ©nam / ©alb
                              is read, and left as it is: mutagen
                              cannot write it)
WMA (ASF)                     ``WM/Genre``                           Author / Title / WM/AlbumTitle
WavPack, Monkey's, Musepack   APEv2 ``Genre``                        Artist / Title / Album
============================  =====================================  =========================

Other files (raw AAC, AC-3, Matroska, CAF...) have no field mutagen writes; they are listed as such.
Writing a tag rewrites the metadata only: the audio data are left as they are (tested by decoding
every format before and after).
"""

from __future__ import annotations

import json
import os
import stat
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .errors import GenreGuiError

__all__ = ["TrackTags", "TagChange", "TagPlan", "TagReport", "TagError", "POLICIES", "read_tags",
           "GenreFields", "read_genre_fields", "plan_from_fields", "plan_genre_tags", "write_genre_tags",
           "undo_tagging", "genre_field", "genres_of"]

#: missing: only files without a genre; replace: the genre becomes the answer; append: added to the others
POLICIES = ("missing", "replace", "append")
LOG_VERSION = 1


class TagError(GenreGuiError):
    """A change log that cannot be read or a policy that does not exist."""


@dataclass(frozen=True)
class TrackTags:
    """What a file's tags say (``None``: absent)."""

    artist: str | None = None
    title: str | None = None
    album: str | None = None
    genre: str | None = None

    def to_json(self) -> dict:
        return {"artist": self.artist, "title": self.title, "album": self.album, "genre": self.genre}

    @classmethod
    def from_json(cls, d: dict | None) -> TrackTags:
        d = d or {}
        return cls(d.get("artist"), d.get("title"), d.get("album"), d.get("genre"))


# -- formats --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Kind:
    name: str  # shown in the preview: "ID3 TCON"
    genre_keys: tuple[str, ...]  # the field written (and the one a change log restores)
    artist: str
    title: str
    album: str
    read_also: tuple[str, ...] = ()  # read as genres too, never written


_ID3 = _Kind("ID3 TCON", ("TCON",), "TPE1", "TIT2", "TALB")
_VORBIS = _Kind("Vorbis GENRE", ("GENRE",), "ARTIST", "TITLE", "ALBUM")
_MP4 = _Kind("MP4 \u00a9gen", ("\u00a9gen",), "\u00a9ART", "\u00a9nam", "\u00a9alb", ("gnre",))
_ASF = _Kind("ASF WM/Genre", ("WM/Genre",), "Author", "Title", "WM/AlbumTitle")
_APE = _Kind("APEv2 Genre", ("Genre",), "Artist", "Title", "Album")


def _open(path: str | os.PathLike) -> Any:
    import mutagen  # imported here: only the library job needs it

    try:
        return mutagen.File(os.fsdecode(path))
    except Exception as exc:  # mutagen raises MutagenError, struct errors, ValueError... on damaged files
        raise TagError(f"{path}: cannot read its tags ({_reason(exc)})") from exc


def _kind(f: Any) -> _Kind | None:
    from mutagen.apev2 import APEv2
    from mutagen.asf import ASF
    from mutagen.id3 import ID3
    from mutagen.mp4 import MP4

    if f is None:
        return None
    if isinstance(f, MP4):
        return _MP4
    if isinstance(f, ASF):
        return _ASF
    tags = f.tags
    if isinstance(tags, ID3) or (tags is None and _takes_id3(f)):
        return _ID3
    if isinstance(tags, APEv2) or (tags is None and _takes_ape(f)):
        return _APE
    from mutagen._vorbis import VComment

    if isinstance(tags, VComment) or (tags is None and _takes_vorbis(f)):
        return _VORBIS
    return None


def _takes_id3(f: Any) -> bool:
    from mutagen.aiff import AIFF
    from mutagen.mp3 import MP3
    from mutagen.wave import WAVE

    return isinstance(f, (MP3, WAVE, AIFF))


def _takes_ape(f: Any) -> bool:
    from mutagen.monkeysaudio import MonkeysAudio
    from mutagen.musepack import Musepack
    from mutagen.wavpack import WavPack

    return isinstance(f, (WavPack, MonkeysAudio, Musepack))


def _takes_vorbis(f: Any) -> bool:
    from mutagen.flac import FLAC
    from mutagen.ogg import OggFileType

    return isinstance(f, (FLAC, OggFileType))


def _get(f: Any, kind: _Kind, key: str) -> list | None:
    """Raw values of one field (JSON-ready), ``None`` when absent."""
    tags = f.tags
    if tags is None:
        return None
    if kind is _ID3:
        frames = tags.getall(key)
        return [str(t) for fr in frames for t in fr.text] if frames else None
    if kind is _VORBIS:
        values = tags.get(key)  # VComment keys are case-insensitive
        return [str(v) for v in values] if values else None
    if kind is _APE:
        if key not in tags:
            return None
        return [str(v) for v in tags[key]]
    if kind is _ASF:
        values = tags.get(key)
        return [str(v) for v in values] if values else None
    values = tags.get(key)  # MP4
    if not values:
        return None
    return [int(v) for v in values] if key == "gnre" else [str(v) for v in values]


def _set(f: Any, kind: _Kind, key: str, values: list | None) -> None:
    if f.tags is None:
        if values is None:
            return
        f.add_tags()
    tags = f.tags
    if kind is _ID3:
        from mutagen.id3 import Frames

        tags.delall(key)
        if values is not None:
            tags.add(Frames[key](encoding=3, text=[str(v) for v in values]))
    elif kind is _APE:
        if key in tags:
            del tags[key]
        if values is not None:
            tags[key] = [str(v) for v in values]
    else:
        if key in tags:
            del tags[key]
        if values is not None:
            tags[key] = [int(v) for v in values] if key == "gnre" else [str(v) for v in values]


def _genres(kind: _Kind, raw: dict[str, list | None]) -> list[str]:
    """The genre names a field holds (ID3's "(13)" and MP4's numeric gnre resolved)."""
    out: list[str] = []
    for key in (*kind.genre_keys, *kind.read_also):
        values = raw.get(key)
        if not values:
            continue
        if kind is _ID3:
            from mutagen.id3 import TCON

            out.extend(TCON(encoding=3, text=values).genres)
        elif key == "gnre":
            from mutagen._constants import GENRES

            out.extend(GENRES[v - 1] for v in values if 0 < int(v) <= len(GENRES))
        else:
            out.extend(values)
    return [g for g in out if g.strip()]


def _read_genre_fields(f: Any, kind: _Kind) -> dict[str, list | None]:
    return {k: _get(f, kind, k) for k in (*kind.genre_keys, *kind.read_also)}


def genre_field(path: str | os.PathLike) -> str | None:
    """The genre field this file takes ("ID3 TCON", "Vorbis GENRE"...), ``None`` when none can be written."""
    try:
        kind = _kind(_open(path))
    except TagError:
        return None
    return kind.name if kind else None


def read_tags(path: str | os.PathLike) -> TrackTags:
    """Artist, title, album and genre from a file's tags; all ``None`` when it has none or they are
    unreadable (never raises: a tag is a nicety, the audio is what is classified)."""
    try:
        f = _open(path)
        kind = _kind(f)
    except TagError:
        return TrackTags()
    if kind is None or f.tags is None:
        return TrackTags()

    def first(key: str) -> str | None:
        try:
            values = _get(f, kind, key)
        except Exception:
            return None
        return str(values[0]) if values else None

    try:
        genres = _genres(kind, _read_genre_fields(f, kind))
    except Exception:
        genres = []
    return TrackTags(first(kind.artist), first(kind.title), first(kind.album),
                     "; ".join(genres) if genres else None)


# -- planning --------------------------------------------------------------------------------------------
@dataclass
class TagChange:
    """One file's planned (or written) genre change.

    ``old`` and ``new`` map each field key touched to its raw values (``None``: absent), so the change
    log can put back exactly what was there.
    """

    path: str
    field: str
    old: dict[str, list | None]
    new: dict[str, list | None]
    before: list[str]  # the genres as read, for the preview
    after: list[str]

    def describe(self) -> str:
        was = "; ".join(self.before) if self.before else "(none)"
        return f"{self.path}: {self.field}: {was} -> {'; '.join(self.after)}"

    def to_json(self) -> dict:
        return {"path": self.path, "path_hex": os.fsencode(self.path).hex(), "field": self.field,
                "old": self.old, "new": self.new, "before": self.before, "after": self.after}

    @classmethod
    def from_json(cls, d: dict) -> TagChange:
        path = os.fsdecode(bytes.fromhex(d["path_hex"])) if "path_hex" in d else d["path"]
        return cls(path, d["field"], d["old"], d["new"], list(d.get("before", [])),
                   list(d.get("after", [])))


@dataclass
class TagPlan:
    """What :func:`write_genre_tags` would do: ``changes`` to write, files ``kept`` as they are (with why),
    and files that cannot take a tag (``unsupported``, with why)."""

    policy: str
    changes: list[TagChange] = field(default_factory=list)
    kept: list[tuple[str, str]] = field(default_factory=list)
    unsupported: list[tuple[str, str]] = field(default_factory=list)

    def preview(self) -> list[str]:
        """Every change, one line each, before anything is written (the dry run)."""
        return [c.describe() for c in self.changes]


@dataclass
class GenreFields:
    """One file's genre fields as read: what a plan under any policy is made from.

    ``tag_field`` is the field written ("ID3 TCON"...), ``None`` when the file cannot take a genre tag
    (``problem`` says why); ``key`` is mutagen's key of that field, ``old`` the raw values of the
    written field(s), ``before`` the genres as read.
    """

    path: str
    genre: str
    tag_field: str | None = None
    key: str = ""
    old: dict[str, list | None] = field(default_factory=dict)
    before: list[str] = field(default_factory=list)
    problem: str | None = None


def read_genre_fields(items: Iterable[tuple[str | os.PathLike, str]],
                      progress: Callable[[int, int, str], None] | None = None) -> list[GenreFields]:
    """Read the genre fields of each file (mutagen): the slow part of planning, done once for every policy.

    Parameters
    ----------
    items : iterable of (path, genre)
        The files and the genre each would get.
    progress : callable, optional
        ``progress(done, total, file name)`` after each file; it may raise to stop the reading (a worker's
        cancel), and the exception goes through.

    Returns
    -------
    list of GenreFields
        In the order of ``items``. Nothing is written.
    """
    items = [(os.fsdecode(p), str(g).strip()) for p, g in items]
    out: list[GenreFields] = []
    for i, (path, genre) in enumerate(items):
        try:
            f = _open(path)
        except TagError as exc:
            out.append(GenreFields(path, genre, problem=str(exc).removeprefix(f"{path}: ")))
        else:
            kind = _kind(f)
            if kind is None:
                what = type(f).__name__ if f is not None else "an unknown file type"
                out.append(GenreFields(path, genre, problem=f"no genre field mutagen can write ({what})"))
            else:
                out.append(GenreFields(path, genre, kind.name, kind.genre_keys[0],
                                       {k: _get(f, kind, k) for k in kind.genre_keys},
                                       _genres(kind, _read_genre_fields(f, kind))))
        if progress is not None:
            progress(i + 1, len(items), os.path.basename(path))
    return out


def plan_from_fields(fields: Iterable[GenreFields], policy: str = "missing") -> TagPlan:
    """The plan under ``policy`` from fields already read (:func:`read_genre_fields`); no file is opened.

    Parameters
    ----------
    fields : iterable of GenreFields
    policy : {"missing", "replace", "append"}
        missing: only files with no genre; replace: the genre becomes the answer; append: the answer is
        added after the genres already there (nothing changes when it is one of them).
    """
    if policy not in POLICIES:
        raise TagError(f"unknown tag policy {policy!r}; use one of {', '.join(POLICIES)}")
    plan = TagPlan(policy)
    for fl in fields:
        path, genre, before = fl.path, fl.genre, list(fl.before)
        if fl.tag_field is None:
            plan.unsupported.append((path, fl.problem or "no genre field mutagen can write"))
            continue
        if policy == "missing" and before:
            plan.kept.append((path, f"already has a genre ({'; '.join(before)})"))
            continue
        if policy == "append":
            if genre.casefold() in (g.casefold() for g in before):
                plan.kept.append((path, f"already has {genre}"))
                continue
            after = [*before, genre]
        else:
            after = [genre]
            if before == after:
                plan.kept.append((path, f"already {genre}"))
                continue
        new: dict[str, list | None] = {fl.key: list(after)}
        plan.changes.append(TagChange(path, fl.tag_field, dict(fl.old), new, before, after))
    return plan


def plan_genre_tags(items: Iterable[tuple[str | os.PathLike, str]], policy: str = "missing") -> TagPlan:
    """Plan writing ``genre`` into each file; nothing is written.

    Parameters
    ----------
    items : iterable of (path, genre)
        Usually the confident answers of a library run (:meth:`TrackResult.tag_genre`).
    policy : {"missing", "replace", "append"}
        missing: only files with no genre; replace: the genre becomes the answer; append: the answer is
        added after the genres already there (nothing changes when it is one of them).
    """
    if policy not in POLICIES:  # before reading a thousand files
        raise TagError(f"unknown tag policy {policy!r}; use one of {', '.join(POLICIES)}")
    return plan_from_fields(read_genre_fields(items), policy)


# -- writing and undoing ----------------------------------------------------------------------------------
@dataclass
class TagReport:
    """Outcome of :func:`write_genre_tags` or :func:`undo_tagging`."""

    done: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    log_path: str | None = None


def write_genre_tags(plan: TagPlan, log_path: str | os.PathLike) -> TagReport:
    """Write the plan's changes; the change log is saved (atomically) before the first file is touched.

    A file that cannot be written (read-only, gone, damaged) is reported in ``failed``; the others are
    still tagged. A read-only file (no write permission bit) is never written, even by root.
    """
    from .persistence import atomic_write

    log = {"version": LOG_VERSION, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "policy": plan.policy,
           "changes": [c.to_json() for c in plan.changes]}
    try:
        atomic_write(log_path, json.dumps(log, indent=1).encode("ascii"))
    except OSError as exc:
        raise TagError(f"{log_path}: cannot write the change log ({exc.strerror or exc}); nothing was "
                       "tagged") from exc
    return _apply_all(((c.path, c.old, c.new) for c in plan.changes), log_path)


def undo_tagging(log_path: str | os.PathLike) -> TagReport:
    """Put back the values a tagging replaced, from its change log.

    Only a field still holding what the tagging wrote is restored; one changed since (by hand, by
    another tagger) is left alone and listed in ``skipped``. Running it twice changes nothing the second
    time.
    """
    try:
        with open(log_path, "rb") as fh:
            log = json.loads(fh.read().decode("ascii"))
        changes = [TagChange.from_json(c) for c in log["changes"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise TagError(f"{log_path}: not a readable tag change log ({_reason(exc)})") from exc
    return _apply_all(((c.path, c.new, c.old) for c in changes), log_path)


def _apply_all(steps: Iterable[tuple[str, dict, dict]], log_path: str | os.PathLike) -> TagReport:
    """Apply each (path, expected fields, new fields) and sort the outcomes into a report."""
    report = TagReport(log_path=os.fsdecode(log_path))
    for path, expect, values in steps:
        reason = _apply(path, expect, values)
        if reason is None:
            report.done.append(path)
        elif reason.startswith("="):  # "=reason": left alone on purpose (changed since, read-only ...)
            report.skipped.append((path, reason[1:]))
        else:
            report.failed.append((path, reason))
    return report


def _apply(path: str, expect: dict[str, list | None], values: dict[str, list | None]) -> str | None:
    """Set ``values`` when the file's fields hold ``expect``. Returns None when written, a reason when
    not ("=" first: nothing to do, not an error)."""
    try:
        st = os.stat(path)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        return "the file is read-only"
    try:
        f = _open(path)
    except TagError as exc:
        return str(exc).removeprefix(f"{path}: ")
    kind = _kind(f)
    if kind is None:
        return "no genre field mutagen can write"
    current = {k: _get(f, kind, k) for k in values}
    if current == values:
        return "=already as wanted"
    if current != {k: expect.get(k) for k in values}:
        return "=changed since; left alone"
    try:
        for k, v in values.items():
            _set(f, kind, k, v)
        f.save()
    except Exception as exc:  # PermissionError, MutagenError, a full disk...
        return f"cannot write its tags ({_reason(exc)})"
    return None


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc).strip() or type(exc).__name__
    return str(text).splitlines()[0]


def genres_of(path: str | os.PathLike) -> list[str]:
    """The genres a file's tags hold now (for tests and the preview)."""
    f = _open(path)
    kind = _kind(f)
    if kind is None:
        return []
    return _genres(kind, _read_genre_fields(f, kind))
