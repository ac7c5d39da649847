"""GUI entry point: ``genre-gui`` / ``python -m genre_gui``."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time

from . import __version__

_T0 = time.perf_counter()


def _parse(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="genre-gui", description="Music genre classification, live.")
    ap.add_argument("--version", action="version", version=f"genre-gui {__version__}")
    ap.add_argument("--smoke", action="store_true",
                    help="show the main window, load the defaults, then quit with status 0")
    ap.add_argument("--log-level", default="INFO")
    ap.add_argument("files", nargs="*", help="audio files to classify, or a folder / CSV to load")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    from .core.allocator import keep_freed_memory

    keep_freed_memory()  # songs classified in this process (one job, live view) reuse their arrays' memory
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from .assets import ICON
    from .ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("genre_gui")
    app.setOrganizationName("genre_gui")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("io.github.genre_gui.GenreGui")
    app.setWindowIcon(QIcon(str(ICON)))
    files = [os.path.abspath(f) for f in args.files]
    window = MainWindow(initial_paths=files)
    window.show()
    shown_ms = 1000 * (time.perf_counter() - _T0)
    logging.getLogger("genre_gui").info("window shown %.0f ms after start", shown_ms)
    answers: list = []
    if args.smoke:
        # quit once the startup data is in and any given songs are classified (or after 20 s at most):
        # --smoke exercises the real start, and with a song the default model's network end to end
        window.jobs.prediction_finished.connect(lambda batch: answers.extend(batch.predictions))

        def check() -> None:
            if (window.state.dataset is not None and window.state.pipeline is not None
                    and not window.jobs.dataset_running and len(answers) >= len(files)):
                window.close()
                app.quit()

        timer = QTimer(window)
        timer.timeout.connect(check)
        timer.start(100)
        QTimer.singleShot(20000, app.quit)
    code = int(app.exec())
    if args.smoke and window.state.dataset is None:
        print("smoke: the demo dataset did not load", file=sys.stderr)
        return 1
    if args.smoke and window.state.pipeline is None:
        print("smoke: the default model did not load", file=sys.stderr)
        return 1
    if args.smoke and files:
        if len(answers) < len(files):
            print("smoke: the songs were not classified in time", file=sys.stderr)
            return 1
        for a in answers:
            print(f"smoke: {a.path}: {a.error or a.answer}")
        if any(a.error for a in answers):
            return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
