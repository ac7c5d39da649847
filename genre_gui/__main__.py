"""GUI entry point: ``genre-gui`` / ``python -m genre_gui``."""

from __future__ import annotations

import argparse
import logging
import sys

from . import __version__


def _parse(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="genre-gui", description="Music genre classification, live.")
    ap.add_argument("--version", action="version", version=f"genre-gui {__version__}")
    ap.add_argument("--smoke", action="store_true", help="show the main window, then quit with status 0")
    ap.add_argument("--log-level", default="INFO")
    ap.add_argument("files", nargs="*", help="audio files to classify, or a folder / CSV to load")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from .ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("genre_gui")
    app.setOrganizationName("genre_gui")
    app.setApplicationVersion(__version__)
    window = MainWindow()
    window.show()
    if args.files:
        window.open_paths(args.files)
    if args.smoke:
        QTimer.singleShot(300, app.quit)
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main())
