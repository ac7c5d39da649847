"""A real GTZAN clip played into the virtual sink, recorded by MicStream, classified live."""

import numpy as np
import pytest

from genre_gui.audio.streams import FilePlayer, MicStream
from genre_gui.workers.live_classifier import LiveClassifier

pytestmark = [pytest.mark.pulse, pytest.mark.shared_data, pytest.mark.timeout(90)]


def _play_and_classify(qtbot, pipeline, path, seconds):
    """Play ``path`` into the virtual sink and classify the recording live for ``seconds`` of it.

    Returns the live answers and the (stopped) microphone stream.
    """
    mic = MicStream(samplerate=48000)
    mic.start()  # the input first, then play into the sink
    player = FilePlayer.from_file(path)
    classifier = LiveClassifier()
    classifier.set_pipeline(pipeline)
    got = []
    classifier.classified.connect(got.append)
    try:
        player.play()
        classifier.start(mic)
        # the "first answer within 3 s" target is timed by bench/live.py, not here: a loaded CI machine
        # must not fail a functional test on speed
        qtbot.waitUntil(lambda: len(got) >= 1, timeout=30000)
        qtbot.waitUntil(lambda: player.position_seconds > seconds and len(got) >= 6, timeout=30000)
        mic.check()
        player.check()
    finally:
        classifier.shutdown()
        player.close()
        mic.stop()
    return got, mic


def test_gtzan_clip_through_vsink_is_classified_live(qtbot, pulse, gtzan_clip_paths, live_pipeline):
    pipeline, is_default = live_pipeline
    clip = next(p for p in gtzan_clip_paths if p.parent.name == "metal")
    got, mic = _play_and_classify(qtbot, pipeline, clip, 8.0)
    for p in got:
        assert p.probabilities.shape == (len(pipeline.classes),)
        assert np.all(np.isfinite(p.probabilities)) and np.all(p.probabilities >= 0)
        assert p.probabilities.sum() == pytest.approx(1.0)
    last = got[-1]
    # the newest window: 3 s for the musicnn default (its patch), growing towards 30 s for a table model
    assert last.seconds >= min(pipeline.segment_seconds, 6.0) - 0.01
    assert mic.stats.input_overflows == 0
    # what was recorded really is the clip (not silence): a model sees music
    rms = np.empty(48000, np.float32)
    mic.read(mic.position, rms)
    assert float(np.sqrt(np.mean(rms**2))) > 0.01
    top3 = [last.classes[i] for i in np.argsort(last.probabilities)[::-1][:3]]
    if is_default:
        assert "metal" in top3, f"top 3 were {top3}"
    else:
        print(f"pipeline trained on the bundled CSV: top 3 {top3}")


def test_someone_talking_into_the_microphone_is_not_music(qtbot, pulse, live_pipeline, tmp_path):
    import subprocess

    pipeline, _ = live_pipeline
    wav = tmp_path / "talk.wav"
    subprocess.run(["espeak-ng", "-v", "en+f3", "-s", "150", "-w", str(wav),
                    "Hello, can you hear me? I am testing the microphone. One, two, three. The weather today "
                    "is fine, and I would like a cup of tea with some biscuits, please."],
                   check=True, capture_output=True)
    got, _ = _play_and_classify(qtbot, pipeline, wav, 5.0)
    # two answers a second (the newest 3-s patch each time), and once 3 s of speech are in, "not music"
    assert [p.seconds for p in got[-3:]] == pytest.approx([3.0, 3.0, 3.0], abs=0.01)
    late = [p for p in got if p.since_start > 3.5]
    assert late and all(p.label == "not music" for p in late), [(p.label, p.since_start) for p in got]
