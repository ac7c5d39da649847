"""Extraction on a real Dask distributed cluster: a scheduler and two worker processes on 127.0.0.1."""

from __future__ import annotations

import os

import numpy as np
import pytest

from genre_gui.core.batch import ExtractionCancelled, extract_batch
from genre_gui.core.cluster import ClusterError, check_address, connect, local_cluster

# a cluster takes seconds to start: left out of the mutation runs (-m "not slow"), run by make test
pytestmark = pytest.mark.slow
#: this process's environment before any cluster started
_ENV_BEFORE = dict(os.environ)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A real scheduler and two workers: `dask scheduler` and `dask worker` processes on 127.0.0.1."""
    with local_cluster(tmp_path_factory.mktemp("dask"), 2) as address:
        yield address


@pytest.fixture(scope="module")
def clips(gtzan_clip_paths):
    return [str(p) for p in gtzan_clip_paths[::10]]  # one clip of each of five genres


def test_cluster_gives_the_local_numbers_and_names_bad_files(cluster, clips, tmp_path):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    paths = clips + [str(bad)]
    seen = []
    X, ok, failures = extract_batch(paths, "mfcc13", scheduler=cluster,
                                    progress=lambda d, t, m: seen.append((d, t)))
    X_local, ok_local, _ = extract_batch(clips, "mfcc13", n_jobs=1)
    assert ok == ok_local == clips
    np.testing.assert_array_equal(X, X_local)  # the same code on the workers: the same numbers, bit for bit
    (path, reason), = failures
    # the reason names the caller's file, not the worker's temporary copy
    assert path == str(bad) and reason.startswith(str(bad)) and "genre_gui_" not in reason
    assert seen[-1] == (len(paths), len(paths))


def test_segment_mode_on_the_cluster(cluster, clips):
    X, ok, failures = extract_batch(clips[:2], "mfcc13", scheduler=cluster, segment_seconds=10.0)
    X_local, ok_local, _ = extract_batch(clips[:2], "mfcc13", n_jobs=1, segment_seconds=10.0)
    assert not failures and ok == ok_local and X.shape == (6, 13)  # three 10-s segments of each 30-s clip
    np.testing.assert_array_equal(X, X_local)


def test_cancel_stops_the_cluster_run(cluster, clips):
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 3  # after the first file has come back

    with pytest.raises(ExtractionCancelled):
        extract_batch(clips, "mfcc13", scheduler=cluster, cancel=cancel)


def test_the_cluster_left_this_process_environment_alone(cluster):
    # worker processes started from this process (an in-process LocalCluster) set OMP_NUM_THREADS=1 here
    # and broke the k-NN tie replay of later tests; separate `dask` processes leave it alone
    for key in ("__DASK_PARENT_PID", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        assert os.environ.get(key) == _ENV_BEFORE.get(key), key


def test_an_unreachable_scheduler_is_a_clear_error():
    with pytest.raises(ClusterError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        connect("tcp://127.0.0.1:9")  # the discard port: nothing listens there


def test_cli_extract_on_the_cluster(cluster, gtzan_clip_paths, tmp_path, capsys):
    from genre_gui import cli
    from genre_gui.core.datasets import load_dataset

    root = tmp_path / "music"
    for p in gtzan_clip_paths[:2] + gtzan_clip_paths[5:7]:  # two blues, two classical
        (root / p.parent.name).mkdir(parents=True, exist_ok=True)
        (root / p.parent.name / p.name).symlink_to(p)
    out = tmp_path / "features.csv"
    code = cli.main(["-q", "extract", str(root), "--out", str(out), "--feature-set", "mfcc13", "--no-cache",
                     "--scheduler", cluster])
    assert code == 0, capsys.readouterr().err
    here = tmp_path / "here.csv"
    assert cli.main(["-q", "extract", str(root), "--out", str(here), "--feature-set", "mfcc13",
                     "--no-cache", "--jobs", "1"]) == 0
    np.testing.assert_array_equal(load_dataset(out).X, load_dataset(here).X)
    capsys.readouterr()
    code = cli.main(["-q", "extract", str(root), "--out", str(tmp_path / "x.csv"), "--no-cache",
                     "--scheduler", "tcp://127.0.0.1:9"])
    err = capsys.readouterr().err
    assert code == 2 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err
    assert len([ln for ln in err.splitlines() if ln.strip()]) == 1


def test_library_classified_on_the_cluster_answers_as_locally(cluster, gtzan_clip_paths, tmp_path, capsys):
    """genre-gui-cli classify --scheduler: the workers analyse, the answers are the local ones."""
    import json

    from genre_gui import cli

    root = tmp_path / "library"
    root.mkdir()
    clips = gtzan_clip_paths[::12]  # five clips of five genres
    for p in clips:
        (root / p.name).symlink_to(p)
    (root / "broken.flac").write_bytes(b"fLaC not really")
    out_cluster, out_local = tmp_path / "cluster.json", tmp_path / "local.json"
    code = cli.main(["-q", "classify", str(root), "--out", str(out_cluster), "--no-cache", "--no-resume",
                     "--scheduler", cluster])
    err = capsys.readouterr().err
    assert code == 2 and "broken.flac" in err  # the one bad file is named (exit 2), the rest answered
    assert cli.main(["-q", "classify", str(root), "--out", str(out_local), "--no-cache", "--no-resume",
                     "--jobs", "1"]) == 2
    remote = {r["file"]: r for r in json.loads(out_cluster.read_text())["results"]}
    local = {r["file"]: r for r in json.loads(out_local.read_text())["results"]}
    assert remote.keys() == local.keys() and len(remote) == len(clips) + 1
    assert sum(r["ok"] for r in remote.values()) == len(clips)
    for f, r in local.items():
        assert remote[f]["genre"] == r["genre"] and remote[f]["ok"] == r["ok"]
        if r["ok"]:
            assert remote[f]["confidence"] == pytest.approx(r["confidence"], abs=1e-6)
        else:  # the reason names the file here, not the worker's temporary copy
            assert remote[f]["error"].startswith(f) and "genre_gui_" not in remote[f]["error"]


@pytest.mark.parametrize("text", ["tcp://127.0.0.1:8786", " tcp://cluster.lan:8786 ", "tls://[::1]:8786",
                                  "tcp://a:1"])
def test_valid_scheduler_addresses(text):
    assert check_address(text) == text.strip()


@pytest.mark.parametrize("text", ["", "127.0.0.1:8786", "http://host:8786", "tcp://host", "tcp://host:0",
                                  "tcp://host:99999", "tcp://ho st:8786", "tcp://host:87a6"])
def test_invalid_scheduler_addresses_are_named(text):
    with pytest.raises(ClusterError, match="address|port"):
        check_address(text)


@pytest.mark.parametrize("command", [["extract", "--out", "x.csv"], ["classify", "--out", "x.json"],
                                     ["compare"]])
def test_cli_refuses_a_malformed_scheduler_before_creating_anything(command, tmp_path, capsys):
    from genre_gui import cli

    music = tmp_path / "music"
    music.mkdir()
    cache = tmp_path / "cache.sqlite"
    with pytest.raises(SystemExit) as exit_:
        cli.main([command[0], str(music), *command[1:], "--cache", str(cache),
                  "--scheduler", "127.0.0.1:8786"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert ("argument --scheduler: 127.0.0.1:8786 is not a Dask scheduler address: write tcp://HOST:PORT"
            in err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["music"]  # no cache, no output


def test_connect_names_a_malformed_address_without_trying_it():
    with pytest.raises(ClusterError, match=r"^tcp://host is not a Dask scheduler address"):
        connect("tcp://host")
