"""Screenshots of File > Classify a Music Library…: the results window after a real run of the default
model over GTZAN clips copied into a temporary library, the tag preview once its worker has read the
tags, and (with ``distributed`` installed) a second library classified on a real local Dask cluster
(a scheduler and two workers on 127.0.0.1) with the tag preview over the window.

Used by scripts/screenshots.py; alone (with the default model, no training run):
``xvfb-run -a -s "-screen 0 1600x1000x24" python scripts/library_screenshots.py OUT``
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GENRE_GUI_SHARED_DATA", ROOT.parent / "shared" / "data"))
#: (genre, clip) copied into the library, and an existing genre tag for some
PICKS = (("blues", 0, None), ("classical", 1, "Classical"), ("country", 2, None), ("disco", 0, None),
         ("hiphop", 1, None), ("jazz", 4, "Rock"), ("metal", 2, None), ("pop", 0, None), ("reggae", 4, None),
         ("rock", 1, None))


#: the second library, classified on the cluster
CLUSTER_PICKS = (("blues", 3, None), ("classical", 3, None), ("country", 3, "Folk"), ("jazz", 3, None),
                 ("metal", 3, None), ("reggae", 3, None))


def make_library(folder: Path, clips_dir: Path, picks=PICKS, name: str = "Music", tone: bool = True) -> Path:
    from mutagen.flac import FLAC

    music = folder / name
    for genre, i, existing in picks:
        src = clips_dir / genre / f"{genre}.{i:05d}.flac"
        if not src.exists():
            continue
        dest = music / "GTZAN" / f"{genre}.{i:05d}.flac"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        f = FLAC(str(dest))
        f["ALBUM"], f["TITLE"], f["ARTIST"] = "GTZAN clips", f"{genre} {i}", "(GTZAN)"
        if existing:
            f["GENRE"] = existing
        f.save()
    if not tone:
        return music
    import numpy as np
    import soundfile as sf

    # and something that is not music: a steady test tone
    t = np.arange(22050 * 20) / 22050
    (music / "Misc").mkdir()
    y = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    sf.write(str(music / "Misc" / "test_tone_440Hz.wav"), y, 22050)
    return music


def save_library_shots(w, out: Path, clips_dir: Path, tmp: str) -> list[Path]:
    """Run the library job from the window's action on a temporary copy of some clips; save the shots."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from genre_gui.ui import dialogs
    from genre_gui.ui.event_loop import process_events

    music = make_library(Path(tmp), clips_dir)
    finished, got = [], []
    w.jobs.library_finished.connect(finished.append)
    w.jobs.tracks_received.connect(lambda b: got.extend(b.tracks))
    saved = dialogs.choose_folder
    dialogs.choose_folder = lambda *a: str(music)
    try:
        w.library_job_action.trigger()
    finally:
        dialogs.choose_folder = saved
    win = w.library_window
    win.resize(1300, 440)
    win.move(40, 40)
    paths = []
    if process_events(300, lambda: len(got) >= 5 or bool(finished), interval=0.01) and not finished:
        process_events(1.5, interval=0.01)  # the ETA needs two reports
        path = out / "library_job_running.png"
        win.grab().save(str(path))
        paths.append(path)
    if not process_events(600, lambda: bool(finished), interval=0.01):
        raise TimeoutError("screenshots: the library job did not finish")
    win.table.sortByColumn(5, Qt.SortOrder.AscendingOrder)
    process_events(0.8, interval=0.01)
    path = out / "library_job.png"
    win.grab().save(str(path))
    paths.append(path)
    dialog = win.tag_preview("replace")
    dialog.resize(1000, 420)
    dialog.show()
    if not process_events(120, lambda: dialog.plan is not None, interval=0.01):  # the worker reads the tags
        raise TimeoutError("screenshots: the tag preview's worker did not finish")
    process_events(0.5, interval=0.01)
    path = out / "library_tag_preview.png"
    dialog.grab().save(str(path))
    paths.append(path)
    dialog.close()
    QApplication.processEvents()
    from genre_gui.core import cluster

    if cluster.available():
        paths.append(save_cluster_shot(w, out, clips_dir, tmp))
    return paths


def save_cluster_shot(w, out: Path, clips_dir: Path, tmp: str) -> Path:
    """A second library classified with "Run on a Dask cluster" on a real local cluster, then the tag
    preview (filled by its worker) over the window, in one picture."""
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QColor, QPainter, QPixmap
    from PySide6.QtWidgets import QApplication

    from genre_gui.core.cluster import local_cluster
    from genre_gui.ui.event_loop import process_events

    music = make_library(Path(tmp), clips_dir, CLUSTER_PICKS, "More music", tone=False)
    win = w.library_window
    with local_cluster(Path(tmp) / "dask", 2) as address:
        win.cluster_check.setChecked(True)
        win.scheduler_edit.setText(address)
        finished = []
        w.jobs.library_finished.connect(finished.append)
        if not win.start([str(music)]):
            raise RuntimeError(f"screenshots: the cluster run did not start: {win.status.text()}")
        if not process_events(600, lambda: bool(finished), interval=0.01):
            raise TimeoutError("screenshots: the cluster run did not finish")
    win.resize(1300, 440)
    dialog = win.tag_preview("missing")
    dialog.resize(760, 300)
    dialog.show()
    if not process_events(120, lambda: dialog.plan is not None, interval=0.01):
        raise TimeoutError("screenshots: the tag preview's worker did not finish")
    process_events(0.8, interval=0.01)
    # the two grabs composed (Xvfb has no window manager: a screen grab shows whatever lies around them)
    back, front = win.grab(), dialog.grab()
    at = QPoint(back.width() - front.width() - 20, back.height() - front.height() + 60)
    shot = QPixmap(back.width(), at.y() + front.height() + 10)
    shot.fill(QColor("#9a9a9a"))
    painter = QPainter(shot)
    painter.drawPixmap(0, 0, back)
    painter.setPen(QColor("#404040"))
    painter.drawRect(at.x() - 1, at.y() - 1, front.width() + 1, front.height() + 1)
    painter.drawPixmap(at, front)
    painter.end()
    path = out / "library_cluster_tag_preview.png"
    shot.save(str(path))
    dialog.close()
    win.cluster_check.setChecked(False)
    QApplication.processEvents()
    return path


def main(argv: list[str]) -> int:
    out = Path(argv[1] if len(argv) > 1 else ROOT / "docs" / "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from genre_gui.ui.event_loop import process_events
    from genre_gui.ui.main_window import MainWindow
    from genre_gui.ui.settings import AppSettings

    app = QApplication.instance() or QApplication(argv[:1])
    tmp = tempfile.TemporaryDirectory(prefix="genre_gui_library_shots_")
    settings = AppSettings(QSettings(os.path.join(tmp.name, "settings.ini"), QSettings.Format.IniFormat))
    w = MainWindow(settings, load_defaults=False, cache_path=os.path.join(tmp.name, "features.sqlite"))
    w.show()
    w.models.load_default_model()
    process_events(120, lambda: w.state.pipeline is not None, interval=0.01)
    for path in save_library_shots(w, out, SHARED / "gtzan_clips", tmp.name):
        print(f"screenshots: {path}")
    w.close()
    app.processEvents()
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
