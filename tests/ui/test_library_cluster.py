"""The library window's "Run on a Dask cluster" option against a real scheduler and two worker processes on
127.0.0.1 (core.cluster.local_cluster, as tests/core/test_cluster.py): the same answers as the local run;
an unreachable scheduler is a clear message naming the address; without ``distributed`` the option is
disabled and says how to install it; the address is validated and remembered."""

from __future__ import annotations

import pytest

# a cluster takes seconds to start
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    from genre_gui.core.cluster import local_cluster

    with local_cluster(tmp_path_factory.mktemp("dask"), 2) as address:
        yield address


@pytest.fixture
def tone_library(tmp_path):
    """Real tone files (low and high, four formats) in artist folders, and a broken one."""
    from tests.core.library_fixtures import HIGH, LOW, tone_file

    music = tmp_path / "music"
    exts = (".mp3", ".m4a", ".ogg", ".flac", ".mp3", ".m4a")
    for i, (freq, ext) in enumerate(zip(LOW[:3] + HIGH[:3], exts)):
        folder = music / ("Low" if freq in LOW else "High")
        folder.mkdir(parents=True, exist_ok=True)
        tone_file(folder / f"tone{i}{ext}", freq, ext, seconds=3.0)
    (music / "broken.flac").write_bytes(b"fLaC not really")
    return music


@pytest.fixture(scope="module")
def pipeline():
    from tests.core.library_fixtures import tone_pipeline

    return tone_pipeline()


def _window(qtbot, app_settings, pipeline):
    from genre_gui.ui.jobs import JobController
    from genre_gui.ui.library_window import LibraryWindow
    from genre_gui.ui.state import AppState

    state = AppState()
    state.set_pipeline(pipeline, "tones")
    jobs = JobController(state, None)  # no feature cache, no state: every run analyses every file
    win = LibraryWindow(jobs, state, settings=app_settings)
    qtbot.addWidget(win)
    win._keep = (state, jobs)
    return win


def _run(qtbot, win, roots, **kw):
    with qtbot.waitSignal(win.jobs.library_started, timeout=10000) as started:
        assert win.start(roots, **kw)
    with qtbot.waitSignal(win.jobs.library_finished, timeout=300000) as blocker:
        pass
    return started.args[0], blocker.args[0]


def _genre_gui_tasks(address: str) -> int:
    """Task state transitions the scheduler counted for genre_gui's tasks (keys genre-gui-<run>-<i>): it
    grows by at least one per file sent to the cluster."""
    from distributed import Client

    with Client(address, timeout=30, set_as_default=False) as client:
        return client.run_on_scheduler(
            lambda dask_scheduler: sum(tp.state_counts.get("memory", 0) + tp.state_counts.get("released", 0)
                                       + tp.state_counts.get("forgotten", 0)
                                       for name, tp in dask_scheduler.task_prefixes.items()
                                       if name.startswith("genre-gui")))


def test_the_cluster_option_gives_the_local_answers(qtbot, app_settings, cluster, tone_library, pipeline):
    from genre_gui.core import cluster as core_cluster

    assert core_cluster.available()
    win = _window(qtbot, app_settings, pipeline)
    assert win.cluster_check.isEnabled()
    win.cluster_check.setChecked(False)
    request, local = _run(qtbot, win, [str(tone_library)], n_jobs=0)
    assert request.scheduler is None
    tasks_before = _genre_gui_tasks(cluster)

    win.cluster_check.setChecked(True)
    win.scheduler_edit.setText(cluster)
    assert win.scheduler_address() == cluster and win.scheduler_check.text() == ""
    request, remote = _run(qtbot, win, [str(tone_library)])
    assert request.scheduler == cluster
    assert f"on the Dask cluster at {cluster}" in win.folder_label.text()
    # the files really went to the cluster's workers
    assert _genre_gui_tasks(cluster) - tasks_before >= len(local.results)
    assert len(remote.results) == len(local.results) == 7
    here = {r.path: r for r in local.results}
    there = {r.path: r for r in remote.results}
    assert here.keys() == there.keys()
    for path, r in here.items():
        assert (there[path].ok, there[path].genre, there[path].unsure) == (r.ok, r.genre, r.unsure), path
        if r.ok:
            assert there[path].confidence == pytest.approx(r.confidence, abs=1e-9)
        else:  # the bad file's reason names it here, not the worker's temporary copy
            assert there[path].error.startswith(path) and "genre_gui_" not in there[path].error
    assert sum(r.ok for r in here.values()) == 6
    assert {here[p].genre for p in here if "Low" in p} == {"low"}
    assert {here[p].genre for p in here if "High" in p} == {"high"}
    # the window shows the cluster's answers; the option and the address are remembered
    assert win.model.rowCount() == 7
    assert app_settings.text("library/dask_scheduler") == cluster
    assert str(app_settings.value("library/use_dask_cluster")).lower() == "true"
    win2 = _window(qtbot, app_settings, pipeline)
    assert win2.cluster_check.isChecked() and win2.scheduler_edit.text() == cluster


def test_an_unreachable_scheduler_is_a_clear_message(qtbot, app_settings, tone_library, pipeline):
    import time

    win = _window(qtbot, app_settings, pipeline)
    win.cluster_check.setChecked(True)
    win.scheduler_edit.setText("tcp://127.0.0.1:9")  # the discard port: nothing listens there
    t0 = time.monotonic()
    with qtbot.waitSignal(win.jobs.library_failed, timeout=60000) as blocker:
        assert win.start([str(tone_library)])
    assert time.monotonic() - t0 < 10
    message = blocker.args[0]
    assert message.startswith("cannot reach the Dask scheduler at tcp://127.0.0.1:9: ")
    assert len(message) > len("cannot reach the Dask scheduler at tcp://127.0.0.1:9: ")  # and why
    shown = win.progress.label.text()
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in shown
    assert win.model.rowCount() == 0 and not win.running


def test_an_invalid_address_is_refused_before_anything_starts(qtbot, app_settings, tone_library, pipeline):
    win = _window(qtbot, app_settings, pipeline)
    win.cluster_check.setChecked(True)
    win.scheduler_edit.setText("my-cluster:8786")
    assert "not a Dask scheduler address" in win.scheduler_check.text()
    assert win.scheduler_address() is None
    assert not win.start([str(tone_library)])
    assert not win.running
    assert "not a Dask scheduler address" in win.status.text() and "tcp://HOST:PORT" in win.status.text()
    assert app_settings.text("library/dask_scheduler", "unset") != "my-cluster:8786"  # not remembered
    win.cluster_check.setChecked(False)  # off: the address does not matter
    assert win.scheduler_check.text() == ""


def test_without_distributed_the_option_is_disabled_and_says_how_to_install(qtbot, app_settings, monkeypatch,
                                                                            pipeline):
    from genre_gui.core import cluster

    app_settings.set_value("library/use_dask_cluster", True)  # remembered from a machine that had it
    monkeypatch.setattr(cluster, "available", lambda: False)
    win = _window(qtbot, app_settings, pipeline)
    assert not win.cluster_check.isEnabled() and not win.cluster_check.isChecked()
    assert not win.scheduler_edit.isEnabled()
    assert 'pip install "genre_gui[cluster]"' in win.cluster_check.toolTip()
    assert win.scheduler_address() is None
