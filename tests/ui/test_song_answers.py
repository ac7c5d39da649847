"""A person drops songs and a recording of speech on the window: the default (musicnn) model answers
each in words, says what the song sounds like, draws its genre timeline, and calls speech "not music";
the bundled gtzan57 table model can be picked instead from the File menu."""

from __future__ import annotations

import re
import subprocess

import numpy as np
import pytest
import soundfile as sf

from genre_gui.core.pipeline import NOT_MUSIC


@pytest.fixture
def speech_wav(tmp_path):
    wav = tmp_path / "announcement.wav"
    subprocess.run(["espeak-ng", "-v", "en+m3", "-w", str(wav), "The next train to the airport leaves from "
                    "platform four in about six minutes. Please mind the gap."], check=True,
                   capture_output=True)
    return wav


def _classify(w, qtbot, paths):
    with qtbot.waitSignal(w.jobs.prediction_finished, timeout=120000) as blocker:
        w.datasets.classify_files([str(p) for p in paths])
    return blocker.args[0].predictions


def test_songs_and_speech_get_answers_tags_and_a_timeline(window, qtbot, gtzan_clip_paths, speech_wav):
    w = window  # started as a person starts it: the demo table and the default model loaded
    assert w.state.pipeline.feature_set == "musicnn"
    song = next(p for p in gtzan_clip_paths if p.name == "reggae.00002.flac")
    preds = _classify(w, qtbot, [song, speech_wav])
    reggae, speech = preds
    table = w.home_panel.predictions
    assert [table.item(r, 1).text() for r in range(2)] == [reggae.answer, speech.answer]
    # the confidence column states the answer's own number ("reggae 65 %" -> "65 %")
    for r, pred in enumerate(preds):
        assert table.item(r, 2).text() == re.search(r"(\d+ %)", pred.answer).group(1)
    assert reggae.genre == "reggae" and reggae.answer.startswith("reggae ") and not reggae.not_music
    assert speech.not_music and speech.genre == NOT_MUSIC and speech.answer.startswith("not music (")
    # the newest answer is selected (the speech); the song's row shows its tags and its timeline
    table.selectRow(0)
    lib = w.home_panel
    assert lib.sounds_like.text().startswith("Sounds like: ") and len(reggae.tags) == 5
    assert lib.sounds_like.text() == "Sounds like: " + ", ".join(reggae.tags)
    assert lib.timeline.isVisible()
    assert reggae.timeline.shape == (10, 11) and reggae.duration == pytest.approx(30.0)
    np.testing.assert_allclose(reggae.starts, np.arange(10) * 3.0)
    assert reggae.envelope.shape == (1000,) and reggae.envelope.max() > 0.1
    # the speech row: no tags ("sounds like" is for music), a timeline of its windows
    table.selectRow(1)
    assert lib.sounds_like.text() == "" and lib.timeline.isVisible()
    assert speech.timeline.shape[1] == 11


def test_the_table_model_can_be_picked_and_back(window, qtbot, gtzan_clip_paths, tmp_path):
    w = window
    assert w.state.pipeline.feature_set == "musicnn"
    w.table_model_action.trigger()
    assert w.state.pipeline.feature_set == "gtzan57" and "gtzan57 table model" in w.state.pipeline_label
    song = next(p for p in gtzan_clip_paths if p.name == "metal.00003.flac")
    (pred,) = _classify(w, qtbot, [song])
    assert pred.genre == "metal" and not pred.not_music  # a clear-cut clip the table model never saw
    assert pred.timeline.shape == (1, 10)  # one 30-s window, ten genres, no "not music" class
    # a quiet hum is no music, but a model without that class cannot say so: it gives a genre
    sf.write(tmp_path / "hum.wav", 0.1 * np.sin(2 * np.pi * 50 * np.arange(22050 * 5) / 22050), 22050)
    (hum,) = _classify(w, qtbot, [tmp_path / "hum.wav"])
    assert hum.error is None and not hum.not_music
    w.default_model_action.trigger()
    assert w.state.pipeline.feature_set == "musicnn"
    (hum,) = _classify(w, qtbot, [tmp_path / "hum.wav"])
    assert hum.not_music
