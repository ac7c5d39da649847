"""The NumPy musicnn network against the published package's outputs (shared/data/musicnn_reference).

Bars sit about 10x above what the code achieves (measured figures in the comments), so a wrong padding,
an off-by-one in a window or a mis-ordered pooling fails them.
"""

from __future__ import annotations

import numpy as np
import pytest

from genre_gui.core.audio_io import load_audio
from genre_gui.core.embedding import (
    MSD_TAGS,
    PATCH_FRAMES,
    SAMPLE_RATE,
    EmbeddingError,
    MusicnnNetwork,
    get_network,
    log_mel,
    patches,
)
from genre_gui.core.embedding.musicnn import WEIGHTS_PATH

LAYER_CLIPS = ["blues.00000", "blues.00001", "blues.00002"]


@pytest.fixture(scope="module")
def reference_dir(musicnn_reference_dir):
    # a fixture, not an import of tests.conftest: baycomp's wheel installs a top-level "tests" package
    return musicnn_reference_dir


@pytest.fixture(scope="module")
def net():
    return get_network()


def test_weights_hold_the_published_parameter_count():
    arrays = np.load(WEIGHTS_PATH, allow_pickle=False)
    # 792,079 values: weights, biases and the batch norms' moving statistics; no Adam slots
    assert sum(arrays[k].size for k in arrays.files) == 792_079
    assert len(arrays.files) == 64
    assert not any("Adam" in k or "power" in k for k in arrays.files)
    assert all(arrays[k].dtype == np.float32 for k in arrays.files)
    assert len(MSD_TAGS) == arrays["dense_1/bias"].shape[0] == 50


@pytest.mark.shared_data
@pytest.mark.parametrize("clip", LAYER_CLIPS)
def test_every_layer_matches_the_package_from_its_own_input(net, reference_dir, clip):
    ref = np.load(reference_dir / f"{clip}.npz")
    batch, starts = patches(ref["mel"])
    assert batch.shape == (10, PATCH_FRAMES, 96) and list(starts) == list(range(0, 1870, 187))
    out = net.forward(batch, keep_layers=True)
    # measured: tags 2e-6, mean_pool 8e-6, max_pool 3.5e-4 absolute on values up to ~100
    np.testing.assert_allclose(out.taggram, ref["taggram"], rtol=0, atol=2e-5)
    np.testing.assert_allclose(out.mean_pool, ref["mean_pool"], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(out.max_pool, ref["max_pool"], rtol=1e-4, atol=1e-4)
    # front end, all patches: measured 4e-5 absolute on values up to 50
    np.testing.assert_allclose(out.layers["timbral"], ref["timbral"], rtol=0, atol=5e-4)
    np.testing.assert_allclose(out.layers["temporal"], ref["temporal"], rtol=0, atol=2e-4)
    # The package's extractor returns the FIRST patch's cnn1-3 and penultimate for every later patch (it
    # concatenates the variables of its first batch in the loop over the rest); so those are compared on
    # patch 0, and the repetition is asserted, so a fixed reference would make this test say so.
    assert np.array_equal(ref["cnn1"][PATCH_FRAMES:2 * PATCH_FRAMES], ref["cnn1"][:PATCH_FRAMES])
    assert np.array_equal(ref["penultimate"][1], ref["penultimate"][0])
    for name in ("cnn1", "cnn2", "cnn3"):
        # measured: at most 2.6e-6 of the layer's largest value (2.3e-4 on cnn3, whose values reach 92)
        theirs = ref[name][:PATCH_FRAMES]
        np.testing.assert_allclose(out.layers[name][:PATCH_FRAMES], theirs, rtol=0,
                                   atol=2e-5 * np.abs(theirs).max())
    np.testing.assert_allclose(out.penultimate[0], ref["penultimate"][0], rtol=1e-4, atol=1e-4)


@pytest.mark.shared_data
@pytest.mark.parametrize("clip", LAYER_CLIPS)
def test_log_mel_matches_the_package_input(reference_dir, gtzan_clips_dir, clip):
    ref = np.load(reference_dir / f"{clip}.npz")["mel"]
    mel = log_mel(load_audio(gtzan_clips_dir / "blues" / f"{clip}.flac", SAMPLE_RATE))
    assert mel.shape == ref.shape == (1876, 96)
    np.testing.assert_allclose(mel, ref, rtol=0, atol=4e-5)  # measured 3.6e-6 on values up to ~5


@pytest.mark.shared_data
@pytest.mark.slow
def test_end_to_end_from_audio_on_all_50_clips(net, reference_dir, gtzan_clip_paths):
    worst_tag, worst_cos = 0.0, 1.0
    for path in gtzan_clip_paths:
        ref = np.load(reference_dir / f"{path.name[:-5]}.npz")
        batch, _ = patches(log_mel(load_audio(path, SAMPLE_RATE)))
        out = net.forward(batch)
        assert out.taggram.shape == ref["taggram"].shape
        worst_tag = max(worst_tag, float(np.abs(out.taggram.mean(0) - ref["taggram"].mean(0)).max()))
        ours = np.concatenate([out.mean_pool.mean(0), out.max_pool.mean(0)])
        theirs = np.concatenate([ref["mean_pool"].mean(0), ref["max_pool"].mean(0)])
        worst_cos = min(worst_cos, float(ours @ theirs / np.linalg.norm(ours) / np.linalg.norm(theirs)))
    # measured: 1.0e-6 and 1 - 2e-7 (issue bar: 0.02 and 0.999)
    assert worst_tag < 1e-5
    assert worst_cos > 1 - 2e-6


def test_short_input_is_repeated_into_one_patch():
    mel = np.arange(50 * 96, dtype=np.float32).reshape(50, 96)
    batch, starts = patches(mel)
    assert batch.shape == (1, PATCH_FRAMES, 96) and list(starts) == [0]
    np.testing.assert_array_equal(batch[0, :50], mel)
    np.testing.assert_array_equal(batch[0, 50:100], mel)
    np.testing.assert_array_equal(batch[0, 150:], mel[:37])


def test_patches_drop_the_last_partial_one_and_can_overlap():
    mel = np.zeros((187 * 3 + 100, 96), dtype=np.float32)
    assert len(patches(mel)[0]) == 3
    assert list(patches(mel, hop_frames=94)[1]) == [0, 94, 188, 282, 376, 470]


def test_a_half_second_clip_gets_tags(net):
    y = np.random.default_rng(0).normal(0, 0.1, SAMPLE_RATE // 2).astype(np.float32)
    out = net.forward(patches(log_mel(y))[0])
    assert out.taggram.shape == (1, 50) and np.all(np.isfinite(out.taggram))
    assert np.all((out.taggram > 0) & (out.taggram < 1))


def test_bad_weights_file_names_the_file(tmp_path):
    bad = tmp_path / "w.npz"
    np.savez(bad, nothing=np.zeros(3))
    with pytest.raises(EmbeddingError, match=str(bad)):
        MusicnnNetwork.load(bad)
    (tmp_path / "t.npz").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(EmbeddingError, match="t.npz"):
        MusicnnNetwork.load(tmp_path / "t.npz")


def test_forward_refuses_wrong_shapes(net):
    with pytest.raises(ValueError, match="patches"):
        net.forward(np.zeros((187, 96)))


@pytest.mark.shared_data
def test_feature_set_gives_the_clip_embedding_and_tags_of_the_package(reference_dir, gtzan_clips_dir):
    from genre_gui.core.features import get_feature_set

    fs = get_feature_set("musicnn")
    assert fs.sample_rate == SAMPLE_RATE and len(fs.columns) == 1506
    for clip in ("jazz.00004", "reggae.00003"):
        ref = np.load(reference_dir / f"{clip}.npz")
        y = load_audio(gtzan_clips_dir / clip.split(".")[0] / f"{clip}.flac", 22050)
        vector, extras = fs.extract_with_extras(y, 22050)  # resampled 22050 -> 16000 inside
        theirs = np.concatenate([ref["mean_pool"].mean(0), ref["max_pool"].mean(0)])
        # measured: 4.9e-5 absolute and relative; tags 2.9e-7
        np.testing.assert_allclose(vector, theirs, rtol=5e-4, atol=5e-4)
        np.testing.assert_allclose(extras["tags"], ref["taggram"].mean(0), rtol=0, atol=3e-6)
        assert np.array_equal(fs.extract(y, 22050), vector)


@pytest.mark.shared_data
def test_segment_mode_gives_one_row_per_patch(gtzan_clip_paths):
    from genre_gui.core.batch import extract_file

    rows = extract_file(str(gtzan_clip_paths[0]), "musicnn", segment_seconds=3.0)
    whole = extract_file(str(gtzan_clip_paths[0]), "musicnn")
    assert rows.shape == (10, 1506) and whole.shape == (1506,)
    # each 3-s segment is one patch (cut 0.008 s later each time, with its own edge padding), so the
    # mean of the rows is nearly the whole clip's vector: measured cosine similarity 0.99825
    mean = rows.mean(axis=0)
    assert mean @ whole / np.linalg.norm(mean) / np.linalg.norm(whole) > 0.98
    assert not np.allclose(rows[0], rows[1])


def test_outputs_have_the_promised_types_and_shapes(net):
    y = np.random.default_rng(1).normal(0, 0.1, 2 * SAMPLE_RATE).astype(np.float32)
    mel = log_mel(y)
    assert mel.dtype == np.float32 and mel.shape == (1 + 2 * SAMPLE_RATE // 256, 96)
    batch, starts = patches(mel)
    assert batch.dtype == np.float32 and starts.dtype.kind == "i"
    out = net.forward(batch)
    for name in ("taggram", "penultimate", "mean_pool", "max_pool"):
        assert getattr(out, name).dtype == np.float32, name
    assert out.taggram.shape == (1, 50) and out.penultimate.shape == (1, 200)
    assert out.mean_pool.shape == out.max_pool.shape == (1, 753)
    assert out.layers == {}  # only with keep_layers=True


def test_patch_boundaries():
    assert len(patches(np.zeros((373, 96)))[0]) == 1  # 2 x 187 - 1 frames: one whole patch
    assert list(patches(np.zeros((374, 96)))[1]) == [0, 187]
    assert patches(np.zeros((1, 96)))[0].shape == (1, PATCH_FRAMES, 96)  # one frame, repeated
    with pytest.raises(ValueError, match="empty spectrogram"):
        patches(np.zeros((0, 96)))


def test_forward_says_what_shape_it_wanted(net):
    with pytest.raises(ValueError, match=r"expected patches of shape \(n, frames, 96\), got \(1, 187, 95\)"):
        net.forward(np.zeros((1, 187, 95)))
    with pytest.raises(ValueError, match="got \\(0, 187, 96\\)"):
        net.forward(np.zeros((0, 187, 96)))


def test_bad_weights_file_gives_the_reason(tmp_path):
    bad = tmp_path / "w.npz"
    np.savez(bad, nothing=np.zeros(3))
    with pytest.raises(EmbeddingError, match="not a musicnn weights file"):
        MusicnnNetwork.load(bad)
