"""Dataset loaders on the real GTZAN table and clips, and on every kind of bad input."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from genre_gui.core.datasets import (
    Dataset,
    DatasetError,
    clip_id,
    load_dataset,
    load_feature_csv,
    load_idx,
    load_npz,
    save_feature_csv,
    save_npz,
)


def _read_table(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def _write(path, header, rows, delimiter=","):
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_text(buf.getvalue())
    return path


@pytest.fixture(scope="module")
def table(gtzan_csv):
    return _read_table(gtzan_csv)


@pytest.fixture
def small_csv(tmp_path, table):
    header, rows = table
    # 4 clips of each of 3 genres: keeps every bad-input test fast
    keep = [r for r in rows if r[-1] in ("blues", "jazz", "rock") and int(r[0].split(".")[1]) < 4]
    return header, keep


# -- the real table --------------------------------------------------------------------------------
def test_clip_id():
    assert clip_id("blues.00000.wav") == "blues.00000"
    assert clip_id("blues.00000.3.wav") == "blues.00000"
    assert clip_id("/x/genres/rock/rock.00042.au") == "rock.00042"
    assert clip_id("my song.mp3") == "my song"
    assert clip_id("track.01") == "track.01"


def test_gtzan_table_matches_the_file(gtzan_csv, table):
    header, rows = table
    d = load_dataset(gtzan_csv)
    assert isinstance(d, Dataset)
    assert d.X.shape == (1000, 57) and d.X.dtype == np.float64
    assert "length" not in d.columns and "filename" not in d.columns and "label" not in d.columns
    assert d.columns == header[2:-1]
    # compare with an independent parse of the file
    expected = np.array([[float(c) for c in r[2:-1]] for r in rows])
    np.testing.assert_array_equal(d.X, expected)
    assert d.y.tolist() == [r[-1] for r in rows]
    assert d.groups[0] == "blues.00000" and d.groups[-1] == "rock.00099"
    assert len(set(d.groups.tolist())) == 1000
    assert d.classes == sorted({r[-1] for r in rows}) and len(d.classes) == 10
    assert d.sources[0] == "blues.00000.wav"
    assert d.failures == []


def test_gtzan_table_is_recognised_as_gtzan57(gtzan_csv, table):
    from genre_gui.core.features import FEATURE_SETS

    d = load_feature_csv(gtzan_csv)
    assert d.feature_set == "gtzan57"
    assert d.columns == list(FEATURE_SETS["gtzan57"].columns)


def test_reordered_columns_are_put_back_in_feature_set_order(tmp_path, small_csv, gtzan_csv):
    from genre_gui.core.features import FEATURE_SETS

    header, rows = small_csv
    cols = list(range(len(header)))
    feat = cols[2:-1]
    perm = [cols[-1], cols[0]] + feat[::-1] + [cols[1]]  # label first, features reversed, length last
    path = _write(tmp_path / "r.csv", [header[i] for i in perm], [[r[i] for i in perm] for r in rows])
    d = load_feature_csv(path, "gtzan57")
    assert d.feature_set == "gtzan57"
    assert d.columns == list(FEATURE_SETS["gtzan57"].columns)
    ref = load_feature_csv(_write(tmp_path / "o.csv", header, rows))
    np.testing.assert_array_equal(d.X, ref.X)


def test_three_second_rows_group_by_clip(tmp_path, small_csv):
    header, rows = small_csv
    seg_rows = []
    for r in rows:
        for k in range(3):
            seg_rows.append([r[0].replace(".wav", f".{k}.wav"), *r[1:]])
    d = load_feature_csv(_write(tmp_path / "seg.csv", header, seg_rows))
    assert len(d) == 3 * len(rows)
    assert d.groups[:3].tolist() == ["blues.00000"] * 3
    assert len(set(d.groups.tolist())) == len(rows)


def test_semicolon_and_tab_separated(tmp_path, small_csv):
    header, rows = small_csv
    a = load_feature_csv(_write(tmp_path / "a.csv", header, rows, delimiter=";"))
    b = load_feature_csv(_write(tmp_path / "b.tsv", header, rows, delimiter="\t"))
    np.testing.assert_array_equal(a.X, b.X)


def test_generic_table_without_filename(tmp_path):
    path = _write(tmp_path / "g.csv", ["a", "b", "genre"],
                  [["1", "2", "x"], ["3", "4", "y"], ["5", "6", "x"], ["7", "8", "y"]])
    d = load_feature_csv(path)
    assert d.feature_set is None and d.columns == ["a", "b"]
    assert d.groups.tolist() == ["row 2", "row 3", "row 4", "row 5"]
    assert d.y.tolist() == ["x", "y", "x", "y"]


def test_integer_labels_stay_integers(tmp_path):
    d = load_feature_csv(_write(tmp_path / "i.csv", ["a", "label"], [["1", "0"], ["2", "1"], ["3", "1"]]))
    assert d.y.dtype.kind == "i" and d.classes == [0, 1]


# -- bad CSV input ---------------------------------------------------------------------------------
def _expect(path, *words, feature_set="auto"):
    with pytest.raises(DatasetError) as ei:
        load_feature_csv(path, feature_set)
    msg = str(ei.value)
    assert str(path) in msg, msg
    for w in words:
        assert w in msg, msg
    return msg


def test_missing_column(tmp_path, small_csv):
    header, rows = small_csv
    j = header.index("mfcc7_var")
    path = _write(tmp_path / "m.csv", header[:j] + header[j + 1:], [r[:j] + r[j + 1:] for r in rows])
    _expect(path, "missing", "mfcc7_var")
    _expect(path, "missing", "mfcc7_var", feature_set="gtzan57")
    # without a feature-set expectation it is a plain 56-column table
    assert load_feature_csv(path, None).X.shape[1] == 56


def test_extra_column(tmp_path, small_csv):
    header, rows = small_csv
    extra_rows = [r[:-1] + ["1.0", r[-1]] for r in rows]
    path = _write(tmp_path / "e.csv", header[:-1] + ["bonus", "label"], extra_rows)
    _expect(path, "unexpected", "bonus")


def test_nan_cell_names_row_and_column(tmp_path, small_csv):
    header, rows = small_csv
    rows = [list(r) for r in rows]
    rows[2][5] = "nan"
    msg = _expect(_write(tmp_path / "n.csv", header, rows), "row 4",
                  header[5])
    assert "finite" in msg


def test_text_and_empty_cells(tmp_path, small_csv):
    header, rows = small_csv
    rows = [list(r) for r in rows]
    rows[0][3] = "abc"
    _expect(_write(tmp_path / "t.csv", header, rows), "row 2", header[3], "abc")
    rows[0][3] = ""
    _expect(_write(tmp_path / "t2.csv", header, rows), "row 2", "empty")
    rows[0][3] = "inf"
    _expect(_write(tmp_path / "t3.csv", header, rows), "row 2", "finite")


def test_no_label_column(tmp_path, small_csv):
    header, rows = small_csv
    _expect(_write(tmp_path / "nl.csv", header[:-1], [r[:-1] for r in rows]), "no label column")


def test_fewer_than_two_classes(tmp_path, small_csv):
    header, rows = small_csv
    _expect(_write(tmp_path / "one.csv", header, [r for r in rows if r[-1] == "jazz"]), "at least 2 classes")


def test_single_clip_class_warns_and_continues(tmp_path, small_csv):
    header, rows = small_csv
    rows = [r for r in rows if r[-1] != "rock"] + [next(r for r in rows if r[-1] == "rock")]
    d = load_feature_csv(_write(tmp_path / "s.csv", header, rows))
    assert "rock" in d.classes
    assert any("rock" in reason and "single clip" in reason for _, reason in d.failures)


@pytest.mark.parametrize("content, words", [
    (b"", ["empty"]),
    (b"   \n\n", ["empty"]),
    (b"a,b,label\n", ["no data rows"]),
    (b"a,b,label\n1,2\n", ["row 2", "cells"]),
    (b"a,a,label\n1,2,x\n3,4,y\n", ["twice"]),
    (b"\xff\xfe\x00a\x00b", ["not a text file"]),
    (b"a,b,label\n1,2,\xe9t\xe9\n", ["UTF-8"]),
    (b"a,label\n1,\n2,y\n", ["row 2", "empty label"]),
    (b"filename,a,label\nx.00001.wav,1,a\nx.00001.wav,2,b\n", ["x.00001", "different labels"]),
    (b"label\nx\ny\n", ["single column"]),
])
def test_malformed_files(tmp_path, content, words):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    _expect(path, *words)


def test_missing_file_and_folder(tmp_path):
    _expect(tmp_path / "nope.csv", "no such file")
    d = tmp_path / "d.csv"
    d.mkdir()
    _expect(d, "folder")


def test_csv_round_trip(tmp_path, small_csv):
    header, rows = small_csv
    d = load_feature_csv(_write(tmp_path / "in.csv", header, rows))
    save_feature_csv(d, tmp_path / "out.csv")
    d2 = load_feature_csv(tmp_path / "out.csv")
    np.testing.assert_array_equal(d.X, d2.X)
    assert d2.y.tolist() == d.y.tolist() and d2.groups.tolist() == d.groups.tolist()
    assert d2.feature_set == d.feature_set


# -- NPZ -------------------------------------------------------------------------------------------
def test_npz_round_trip(tmp_path, gtzan_csv):
    d = load_feature_csv(gtzan_csv).subset(np.arange(0, 1000, 7))
    save_npz(d, tmp_path / "d.npz")
    d2 = load_dataset(tmp_path / "d.npz")
    np.testing.assert_array_equal(d.X, d2.X)
    assert d2.y.tolist() == d.y.tolist() and d2.groups.tolist() == d.groups.tolist()
    assert d2.columns == d.columns and d2.feature_set == d.feature_set and d2.classes == d.classes
    assert d2.sources == d.sources


def test_npz_minimal_and_integer_labels(tmp_path):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "m.npz", X=rng.normal(size=(6, 3)).astype(np.float32), y=np.array([0, 1, 2, 0, 1, 2]))
    d = load_npz(tmp_path / "m.npz")
    assert d.X.dtype == np.float64 and d.classes == [0, 1, 2] and d.columns == ["f0", "f1", "f2"]


@pytest.mark.parametrize("arrays, words", [
    ({"y": np.array([0, 1])}, ["no 'X'"]),
    ({"X": np.ones((2, 2))}, ["no 'y'"]),
    ({"X": np.ones(4), "y": np.array([0, 1, 0, 1])}, ["2-D"]),
    ({"X": np.ones((3, 2)), "y": np.array([0, 1])}, ["one entry per row"]),
    ({"X": np.array([[1.0, np.nan], [1, 2]]), "y": np.array([0, 1])}, ["NaN", "row 0"]),
    ({"X": np.array([["a", "b"], ["c", "d"]]), "y": np.array([0, 1])}, ["numeric"]),
    ({"X": np.ones((3, 2)), "y": np.array([1, 1, 1])}, ["at least 2 classes"]),
    ({"X": np.ones((2, 2)), "y": np.array([0.5, 1.5])}, ["labels"]),
])
def test_npz_bad_content(tmp_path, arrays, words):
    path = tmp_path / "b.npz"
    np.savez(path, **arrays)
    with pytest.raises(DatasetError) as ei:
        load_npz(path)
    assert str(path) in str(ei.value)
    for w in words:
        assert w in str(ei.value)


def test_npz_object_array_is_refused_without_unpickling(tmp_path):
    path = tmp_path / "o.npz"
    np.savez(path, X=np.ones((2, 2)), y=np.array([{"a": 1}, None], dtype=object))
    with pytest.raises(DatasetError, match="pickled"):
        load_npz(path)


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04garbage", os.urandom(300)])
def test_npz_not_an_archive(tmp_path, content):
    path = tmp_path / "x.npz"
    path.write_bytes(content)
    with pytest.raises(DatasetError):
        load_npz(path)


def test_npz_truncated(tmp_path):
    path = tmp_path / "t.npz"
    np.savez(path, X=np.ones((50, 50)), y=np.arange(50) % 2)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DatasetError):
        load_npz(path)


# -- dispatch --------------------------------------------------------------------------------------
def test_load_dataset_dispatch_errors(tmp_path):
    with pytest.raises(DatasetError, match="no such file"):
        load_dataset(tmp_path / "missing.csv")
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(DatasetError, match="unknown dataset type"):
        load_dataset(tmp_path / "x.json")


# -- audio folders (real clips in a genre layout) --------------------------------------------------
@pytest.fixture
def genre_tree(tmp_path, gtzan_clips_dir):
    """tmp/genres/<genre>/<clip>.flac for 2 clips of 3 genres (symlinks to the shared clips)."""
    root = tmp_path / "gtzan"
    for genre in ("blues", "classical", "metal"):
        d = root / "genres" / genre
        d.mkdir(parents=True)
        for src in sorted((gtzan_clips_dir / genre).glob("*.flac"))[:2]:
            (d / src.name).symlink_to(src)
    return root


def _direct(paths, name="mfcc13"):
    from genre_gui.core.audio_io import load_audio
    from genre_gui.core.features import get_feature_set

    fs = get_feature_set(name)
    return np.stack([fs.extract(load_audio(p), 22050) for p in paths])


def test_audio_folder_gtzan_layout(genre_tree):
    from genre_gui.core.cache import FeatureCache

    cache = FeatureCache(genre_tree.parent / "cache.sqlite")
    calls = []
    d = load_dataset(genre_tree, feature_set="mfcc13", cache=cache, progress=lambda *a: calls.append(a))
    assert d.classes == ["blues", "classical", "metal"]
    assert d.y.tolist() == ["blues"] * 2 + ["classical"] * 2 + ["metal"] * 2
    assert d.groups.tolist()[:2] == ["blues.00000", "blues.00001"]
    assert d.feature_set == "mfcc13" and len(d.columns) == 13
    assert d.failures == []
    np.testing.assert_array_equal(d.X, _direct(d.sources))
    assert calls[-1][0] == calls[-1][1] == 6
    assert len(cache) == 6


def test_audio_folder_plain_label_layout_with_problems(genre_tree, tmp_path):
    base = genre_tree / "genres"  # point at <label>/<files> directly
    (base / "blues" / "broken.wav").write_text("not audio")
    (base / "blues" / "notes.txt").write_text("ignored: not an audio extension")
    (base / "empty_class").mkdir()
    (base / "metal" / "loop").symlink_to(base / "metal")  # a symlink loop
    (base / "metal" / "sub").mkdir()
    (base / "metal" / "sub" / "up").symlink_to(base)  # a loop to the root
    d = load_dataset(base, feature_set="mfcc13", n_jobs=1)
    assert d.classes == ["blues", "classical", "metal"] and len(d) == 6
    reasons = {p: r for p, r in d.failures}
    broken = str(base / "blues" / "broken.wav")
    assert broken in reasons and "not a readable audio file" in reasons[broken]
    assert any("empty_class" in r for r in reasons.values())
    assert any("symlink loop" in r for r in reasons.values())
    assert not any("notes.txt" in p for p in reasons)


def test_audio_folder_single_clip_class_warns(genre_tree):
    base = genre_tree / "genres"
    (base / "classical" / "classical.00001.flac").unlink()
    d = load_dataset(genre_tree, feature_set="mfcc13", n_jobs=1)
    assert d.classes == ["blues", "classical", "metal"]
    assert any("classical" in r and "single clip" in r for _, r in d.failures)


def test_audio_folder_segment_mode(genre_tree):
    d = load_dataset(genre_tree, feature_set="mfcc13", n_jobs=2, segment_seconds=10)
    assert len(d) == 18  # 6 clips x 3 segments of 10 s
    assert d.groups.tolist()[:3] == ["blues.00000"] * 3
    assert len(set(d.groups.tolist())) == 6


def test_audio_folder_errors(tmp_path, genre_tree, gtzan_clips_dir):
    with pytest.raises(DatasetError, match="no such file"):
        load_dataset(tmp_path / "nothing")
    flat = tmp_path / "flat"
    flat.mkdir()
    src = sorted((gtzan_clips_dir / "blues").glob("*.flac"))[0]
    (flat / "a.flac").symlink_to(src)
    with pytest.raises(DatasetError, match="no class folders.*one sub-folder per class"):
        load_dataset(flat)
    one = tmp_path / "one" / "jazz"
    one.mkdir(parents=True)
    (one / "a.flac").symlink_to(src)
    with pytest.raises(DatasetError, match="at least 2 classes"):
        load_dataset(tmp_path / "one", feature_set="mfcc13", n_jobs=1)
    nothing = tmp_path / "noaudio"
    for c in ("a", "b"):
        (nothing / c).mkdir(parents=True)
        (nothing / c / "x.txt").write_text("x")
    with pytest.raises(DatasetError, match="no audio files"):
        load_dataset(nothing)
    allbad = tmp_path / "allbad"
    for c in ("a", "b"):
        (allbad / c).mkdir(parents=True)
        (allbad / c / "x.wav").write_text("x")
    with pytest.raises(DatasetError, match="none of the 2 audio files"):
        load_dataset(allbad, n_jobs=1)


@pytest.mark.timeout(180)
def test_audio_folder_of_ten_thousand_empty_files(tmp_path, gtzan_clips_dir):
    root = tmp_path / "big"
    for genre in ("blues", "rock"):
        d = root / genre
        d.mkdir(parents=True)
        (d / f"{genre}.00000.flac").symlink_to(gtzan_clips_dir / genre / f"{genre}.00000.flac")
    for i in range(10_000):
        (root / "blues" / f"empty{i:05d}.wav").touch()
    d = load_dataset(root, feature_set="mfcc13", n_jobs=2)
    assert len(d) == 2 and d.classes == ["blues", "rock"]
    assert sum("empty" in r for _, r in d.failures) == 10_000


def test_non_utf8_file_names_survive_extraction_and_saving(tmp_path, gtzan_clips_dir):
    root = tmp_path / "music"
    for g in ("blues", "rock"):
        (root / g).mkdir(parents=True)
        src = gtzan_clips_dir / g / f"{g}.00000.flac"
        odd = os.path.join(os.fsencode(root / g), b"caf\xe9 \xff" + g.encode() + b".flac")
        os.symlink(src, odd)
    d = load_dataset(root, feature_set="mfcc13", n_jobs=1)
    assert len(d) == 2 and not [r for _, r in d.failures if not r.startswith("warning:")]
    save_feature_csv(d, tmp_path / "out.csv")
    back = load_feature_csv(tmp_path / "out.csv")
    np.testing.assert_allclose(back.X, d.X, rtol=1e-15)
    assert "\\xe9" in back.sources[0]
    save_npz(d, tmp_path / "out.npz")
    assert load_npz(tmp_path / "out.npz").sources == d.sources


def test_saving_into_a_missing_folder_is_a_dataset_error(tmp_path, small_csv):
    header, rows = small_csv
    d = load_feature_csv(_write(tmp_path / "in.csv", header, rows))
    with pytest.raises(DatasetError, match="cannot write"):
        save_feature_csv(d, tmp_path / "no" / "x.csv")
    with pytest.raises(DatasetError, match="cannot write"):
        save_npz(d, tmp_path / "no" / "x.npz")


def test_load_dataset_dispatches_idx_files_and_folders(tmp_path, mnist_dir):
    images = mnist_dir / "t10k-images-idx3-ubyte.gz"
    d = load_dataset(images)  # the labels file is found beside it
    assert d.X.shape == (10_000, 784) and d.classes == list(range(10))
    folder = tmp_path / "mnist"
    folder.mkdir()
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (folder / name).symlink_to(mnist_dir / name)
    d2 = load_dataset(folder)
    np.testing.assert_array_equal(d2.X, d.X)
    np.testing.assert_array_equal(d2.y, d.y)
    lonely = tmp_path / "lonely"
    lonely.mkdir()
    (lonely / "t10k-images-idx3-ubyte.gz").symlink_to(images)
    with pytest.raises(DatasetError, match="no matching labels file"):
        load_dataset(lonely / "t10k-images-idx3-ubyte.gz")


def test_is_dataset_npz_tells_datasets_from_model_files_and_junk(tmp_path, gtzan_csv):
    from genre_gui import cli
    from genre_gui.core.datasets.npz import is_dataset_npz

    save_npz(load_feature_csv(gtzan_csv).subset(np.arange(0, 1000, 50)), tmp_path / "d.npz")
    (tmp_path / "junk.npz").write_bytes(b"PK\x03\x04 truncated")
    assert is_dataset_npz(tmp_path / "d.npz")
    assert not is_dataset_npz(cli.DEFAULT_MODEL)  # a model file has a header member
    assert not is_dataset_npz(tmp_path / "junk.npz")
    assert not is_dataset_npz(tmp_path / "missing.npz")


def test_one_detection_for_every_kind_of_path(tmp_path, mnist_dir, gtzan_csv):
    from genre_gui.core.datasets import DatasetSource, detect_dataset

    src = detect_dataset([mnist_dir])
    names = [Path(p).name for p in src.paths]
    assert src.kind == "idx" and names == ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                                           "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    lone = detect_dataset([mnist_dir / "t10k-labels-idx1-ubyte.gz"])  # a labels file finds its images
    assert lone == DatasetSource("idx", (str(mnist_dir / "t10k-images-idx3-ubyte.gz"),
                                         str(mnist_dir / "t10k-labels-idx1-ubyte.gz")))
    assert detect_dataset([gtzan_csv]) == DatasetSource("csv", (str(gtzan_csv),))
    assert detect_dataset([tmp_path]) == DatasetSource("audio_folder", (str(tmp_path),))
    assert detect_dataset([tmp_path / "x.npz"]).kind == "npz"
    assert detect_dataset([tmp_path / "song.mp3"]) is None and detect_dataset([]) is None


def test_mnist_folder_brings_its_official_split(mnist_dir):
    d = load_dataset(mnist_dir)
    assert d.X.shape == (70_000, 784)
    assert (d.split == "train").sum() == 60_000 and (d.split == "test").sum() == 10_000
    assert d.split[:60_000].tolist() == ["train"] * 60_000  # training rows first, in file order
    t10k = load_idx(mnist_dir / "t10k-images-idx3-ubyte.gz", mnist_dir / "t10k-labels-idx1-ubyte.gz")
    np.testing.assert_array_equal(d.X[60_000:], t10k.X)
    np.testing.assert_array_equal(d.y[60_000:], t10k.y)


def test_open_dataset_opens_the_cache_only_for_a_folder_that_holds_audio(tmp_path):
    """open_cache is the one place that decides when a load may create the feature cache: never for a
    table, never for a folder refused for having no audio, once for a folder of audio."""
    from genre_gui.core.cache import LazyCache
    from genre_gui.core.datasets import DatasetSource, open_dataset

    calls: list[int] = []
    closed: list[int] = []

    class Cache:  # stands for FeatureCache: the loader asks it for nothing it lacks (a miss)
        warnings: list[str] = []

        def get(self, *args, **kwargs):
            return None

        def put(self, *args, **kwargs):
            pass

        def close(self):
            closed.append(1)

    def factory():
        calls.append(1)
        return Cache()

    empty = tmp_path / "empty"
    (empty / "blues").mkdir(parents=True)
    (empty / "blues" / "notes.txt").write_text("no audio here")
    with LazyCache(factory) as lazy, pytest.raises(DatasetError, match="no audio"):
        open_dataset(DatasetSource("audio_folder", (str(empty),)), open_cache=lazy)
    assert calls == [] and closed == []
    table = tmp_path / "t.csv"
    table.write_text("filename,label,a,b\nx.0.wav,x,1,2\ny.0.wav,y,3,4\n")
    with LazyCache(factory) as lazy:
        open_dataset(DatasetSource("csv", (str(table),)), open_cache=lazy)
    assert calls == [] and closed == []
    music = tmp_path / "music"
    for label, freq in (("low", 200.0), ("high", 3000.0)):
        (music / label).mkdir(parents=True)
        t = np.arange(22050) / 22050
        sf.write(music / label / "a.wav", 0.3 * np.sin(2 * np.pi * freq * t), 22050)
    with LazyCache(factory) as lazy:
        ds = open_dataset(DatasetSource("audio_folder", (str(music),)), feature_set="mfcc13",
                          open_cache=lazy, n_jobs=1)
        assert lazy() is lazy.cache  # a second call opens nothing new
    assert len(ds) == 2 and calls == [1] and closed == [1]
