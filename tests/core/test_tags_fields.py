"""core.tags.read_genre_fields + plan_from_fields (what the preview's worker and dialog use) plan exactly
what plan_genre_tags plans, under every policy, from one reading of each file; a progress callback that
raises stops the reading."""

from __future__ import annotations

import pytest

from genre_gui.core.tags import (
    POLICIES,
    TagError,
    plan_from_fields,
    plan_genre_tags,
    read_genre_fields,
    write_genre_tags,
)
from tests.core.encoded_audio import write_codec


@pytest.fixture
def items(tmp_path):
    out = []
    for name, existing, answer in (("a.flac", None, "jazz"), ("b.mp3", "Rock", "jazz"),
                                   ("c.m4a", "metal", "metal"), ("d.wv", "Blues; Soul", "soul")):
        path, _, _ = write_codec(tmp_path / name, name[name.index("."):], seconds=1.0)
        if existing:
            write_genre_tags(plan_genre_tags([(path, g) for g in [existing]], "replace"),
                             tmp_path / f"{name}.json")
        out.append((str(path), answer))
    (tmp_path / "e.aac").write_bytes(b"")  # cannot take a tag
    out.append((str(tmp_path / "e.aac"), "pop"))
    return out


def _plain(plan):
    return ([c.to_json() for c in plan.changes], plan.kept, plan.unsupported)


def test_one_reading_plans_every_policy_as_plan_genre_tags(items, monkeypatch):
    from genre_gui.core import tags

    fields = read_genre_fields(items)
    assert [f.path for f in fields] == [p for p, _ in items]
    opened = []
    monkeypatch.setattr(tags, "_open", lambda path: opened.append(path))
    plans = {policy: plan_from_fields(fields, policy) for policy in POLICIES}
    assert opened == [], "planning from fields opened a file"
    monkeypatch.undo()
    a, b, c, d, e = (p for p, _ in items)

    def changes(policy):
        return [(ch.path, ch.field, ch.before, ch.after) for ch in plans[policy].changes]

    assert changes("missing") == [(a, "Vorbis GENRE", [], ["jazz"])]
    assert changes("replace") == [(a, "Vorbis GENRE", [], ["jazz"]), (b, "ID3 TCON", ["Rock"], ["jazz"]),
                                  (d, "APEv2 Genre", ["Blues; Soul"], ["soul"])]
    assert changes("append") == [(a, "Vorbis GENRE", [], ["jazz"]),
                                 (b, "ID3 TCON", ["Rock"], ["Rock", "jazz"]),
                                 (d, "APEv2 Genre", ["Blues; Soul"], ["Blues; Soul", "soul"])]
    assert [p for p, _ in plans["missing"].kept] == [b, c, d]
    assert [p for p, _ in plans["replace"].kept] == [c] == [p for p, _ in plans["append"].kept]
    for policy in POLICIES:
        assert [p for p, _ in plans[policy].unsupported] == [e]
        # and what is written undoes to what was there: the raw old values of the written field
        assert all(set(ch.old) == set(ch.new) for ch in plans[policy].changes)
        assert _plain(plans[policy]) == _plain(plan_genre_tags(items, policy)), policy


def test_progress_counts_files_and_may_stop_the_reading(items):
    seen = []
    read_genre_fields(items, progress=lambda d, t, name: seen.append((d, t, name)))
    assert seen == [(i + 1, len(items), p.rsplit("/", 1)[-1]) for i, (p, _) in enumerate(items)]

    class StopError(Exception):
        pass

    def stop_after_two(done, total, name):
        if done == 2:
            raise StopError

    with pytest.raises(StopError):
        read_genre_fields(items, progress=stop_after_two)


def test_unknown_policy_is_refused_before_reading(monkeypatch):
    from genre_gui.core import tags

    monkeypatch.setattr(tags, "_open", lambda path: pytest.fail("a file was opened"))
    with pytest.raises(TagError, match="unknown tag policy"):
        plan_genre_tags([("x.flac", "jazz")], "overwrite")
    with pytest.raises(TagError, match="unknown tag policy"):
        plan_from_fields([], "overwrite")
