"""Run the real window, do a real training run on the demo data, and save a PNG of every panel.

Usage (see ``make screenshots``):
``xvfb-run -a -s "-screen 0 1920x1080x24" python scripts/screenshots.py OUT``
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GENRE_GUI_SHARED_DATA", ROOT.parent / "shared" / "data"))


def wait_until(predicate, timeout: float, what: str) -> None:
    from genre_gui.ui.event_loop import process_events

    if not process_events(timeout, predicate, interval=0.01):
        raise TimeoutError(f"screenshots: timed out waiting for {what}")


def settle(seconds: float = 0.4) -> None:
    from genre_gui.ui.event_loop import process_events

    process_events(seconds, interval=0.01)


def save_explanation_shots(w, run, out: Path) -> list[Path]:
    """"Why this genre?": a k-NN and a softmax confusion-matrix clip (a mistake), and a Library song."""
    import numpy as np

    from genre_gui.ui.results import confusion

    def explained() -> bool:
        return w.explanations.dialog is not None and w.explanations.dialog.view.explanation is not None

    written = []
    ev = w.evaluation_panel
    for name in ("knn", "softmax"):
        if name not in [r.model for r in run.results]:
            continue
        w.raise_panel("evaluation")
        ev.select_model(name)
        m = confusion(ev.current_result(), False)
        off = m - np.diag(np.diag(m))
        r, c = np.unravel_index(int(np.argmax(off)), off.shape)
        ev.matrix.cm.cell_clicked.emit(int(r), int(c))
        ev.clips.selectRow(0)
        ev.why_button.click()
        wait_until(explained, 60, f"the {name} explanation")
        settle(0.6)
        path = out / f"explanation_{name}.png"
        w.explanations.dialog.grab().save(str(path))
        written.append(path)
    lib = w.home_panel
    if lib.predictions.rowCount():
        w.raise_panel("home")
        lib.predictions.selectRow(0)
        if w.explanations.dialog is not None:
            w.explanations.dialog.view.explanation = None
        lib.why_button.click()
        wait_until(explained, 60, "the song's explanation")
        settle(0.6)
        path = out / "explanation_song.png"
        w.explanations.dialog.grab().save(str(path))
        written.append(path)
    if w.explanations.dialog is not None:
        w.explanations.dialog.close()
    return written


def main(argv: list[str]) -> int:
    out = Path(argv[1] if len(argv) > 1 else ROOT / "docs" / "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from genre_gui.ui.main_window import MainWindow
    from genre_gui.ui.settings import AppSettings

    app = QApplication.instance() or QApplication(argv[:1])
    tmp = tempfile.TemporaryDirectory(prefix="genre_gui_shots_")
    settings = AppSettings(QSettings(os.path.join(tmp.name, "settings.ini"), QSettings.Format.IniFormat))
    w = MainWindow(settings, cache_path=os.path.join(tmp.name, "features.sqlite"))
    w.resize(1560, 960)
    w.move(20, 20)
    w.show()
    wait_until(lambda: w.state.dataset is not None and not w.jobs.dataset_running, 120, "the demo data")
    wait_until(lambda: w.state.pipeline is not None, 120, "the default model")
    settle(0.6)
    # what a person sees first
    QApplication.primaryScreen().grabWindow(w.winId()).save(str(out / "first_launch.png"))
    print(f"screenshots: {out / 'first_launch.png'}")

    # a real run: the three families under 5-fold grouped CV on the 1000-clip table
    tp = w.training_panel
    for box in tp.model_boxes:
        box.setChecked(True)
    tp.box("softmax").field("max_iter").setValue(200)
    tp.box("ovr_logistic").field("max_iter").setValue(200)
    pb = tp.protocol_box
    pb.kind.setCurrentIndex(pb.kind.findData("kfold"))
    pb.folds.setValue(5)
    pb.repeats.setValue(2)  # 2 x 5-fold: ten paired folds for the "Which is better" table
    done = []
    w.jobs.training_finished.connect(done.append)
    tp.train_button.click()
    wait_until(lambda: bool(done), 600, "training")
    run = done[0]
    print(f"screenshots: trained {[r.model for r in run.results]} ({run.protocol})")
    wait_until(lambda: w.offer_bar.isVisible(), 10, "the offer of the trained model")
    settle(0.4)
    # the question across the top of the window: no silent replacement of the model for songs
    QApplication.primaryScreen().grabWindow(w.winId()).save(str(out / "training_offer.png"))
    w.offer_bar.no_button.click()  # "Keep the current model" (the default)

    # Evaluation: the best model, counts, one off-diagonal cell selected
    import numpy as np

    from genre_gui.ui.results import confusion

    ev = w.evaluation_panel
    best = max(range(len(run.results)), key=lambda i: run.results[i].accuracy)
    ev.model_combo.setCurrentIndex(best)
    m = confusion(run.results[best], False)
    off = m - np.diag(np.diag(m))
    r, c = np.unravel_index(int(np.argmax(off)), off.shape)
    ev.matrix.cm.cell_clicked.emit(int(r), int(c))

    # Library: classify a few real clips with the bundled default model (else the trained one)
    clips = sorted((SHARED / "gtzan_clips").glob("*/*.flac"))
    w.models.load_default_model()
    if clips:
        picks = [str(clips[i]) for i in (0, 12, 27, 41)]
        from genre_gui.core.nonmusic import espeak_available

        if espeak_available():  # and something that is not music: a spoken sentence
            import subprocess

            speech = Path(tmp.name) / "spoken_word.wav"
            subprocess.run(["espeak-ng", "-w", str(speech), "This is a sentence, spoken; it is not music, "
                            "and the app should say so."], check=True, capture_output=True)
            picks.append(str(speech))
        got = []
        w.jobs.prediction_finished.connect(got.append)
        w.datasets.classify_files(picks)
        wait_until(lambda: bool(got), 120, "classification")

    wait_until(lambda: w.live_panel is not None or "unavailable" in w._live_placeholder.text(), 120,
               "the live panel")
    shots = {"home": "home", "library": "library", "training": "training", "evaluation": "evaluation",
             "comparison": "comparison"}
    if "live" in w.docks:
        shots["live"] = "live"
    w.raise_panel("home")
    w.home_panel.predictions.selectRow(0)
    settle(0.8)
    screen = app.primaryScreen()
    screen.grabWindow(w.winId()).save(str(out / "main_window.png"))
    for key, name in shots.items():
        w.raise_panel(key)
        settle(0.6)
        pix = w.docks[key].grab()
        path = out / f"{name}.png"
        if not pix.save(str(path)):
            print(f"screenshots: could not write {path}", file=sys.stderr)
            return 1
        print(f"screenshots: {path} ({pix.width()}x{pix.height()})")
    # Comparison's other tabs: the paired tests, and a learning curve computed here
    cp = w.comparison_panel
    w.raise_panel("comparison")
    cp.tabs.setCurrentWidget(cp.pairwise)
    settle(0.6)
    w.docks["comparison"].grab().save(str(out / "comparison_pairwise.png"))
    print(f"screenshots: {out / 'comparison_pairwise.png'}")
    curves = []
    w.jobs.curves_finished.connect(curves.append)
    cp.tabs.setCurrentWidget(cp.learning)
    cp.learning.draws.setValue(3)
    cp.learning.compute_button.click()
    wait_until(lambda: bool(curves), 600, "the learning curve")
    settle(0.8)
    w.docks["comparison"].grab().save(str(out / "comparison_learning_curve.png"))
    print(f"screenshots: {out / 'comparison_learning_curve.png'}")
    cp.tabs.setCurrentWidget(cp.multiples)
    table = w.home_panel.predictions
    if table.rowCount() > 4:  # the spoken sentence: "not music", with its timeline
        w.raise_panel("home")
        table.selectRow(table.rowCount() - 1)
        table.scrollToBottom()
        settle(0.6)
        path = out / "home_not_music.png"
        w.docks["home"].grab().save(str(path))
        print(f"screenshots: {path}")
    for path in save_explanation_shots(w, run, out):
        print(f"screenshots: {path}")
    # the two sizes of issue 14: a small laptop screen and a full-HD one (the X screen is 1920x1080)
    for width, height in ((1024, 700), (1920, 1080)):
        w.showNormal()
        w.resize(width, height)
        w.move(0, 0)
        for key in ("home", "evaluation"):
            w.raise_panel(key)
            settle(0.8)
            path = out / f"{key}_{width}x{height}.png"
            screen.grabWindow(w.winId()).save(str(path))
            print(f"screenshots: {path} ({w.width()}x{w.height()})")
    w.resize(1560, 960)
    pipeline = w.state.pipeline
    if clips:  # File > Classify a Music Library… on a temporary copy of some clips (the default model)
        from library_screenshots import save_library_shots  # beside this script

        w.models.load_default_model()  # synchronous
        for path in save_library_shots(w, out, SHARED / "gtzan_clips", tmp.name):
            print(f"screenshots: {path}")
    w.close()
    # the live panel's own shots (a file playing; the microphone fed by PulseAudio's sine source)
    if clips:
        try:
            from live_screenshots import save_live_screenshots  # beside this script
        except ImportError as exc:
            print(f"screenshots: live panel shots skipped ({exc})")
        else:
            for path in save_live_screenshots(out, clips[0], pipeline):
                print(f"screenshots: {path}")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
