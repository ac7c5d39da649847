"""The main window (to be filled in by the main-window issue)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QMainWindow


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("genre_gui")
        self.setCentralWidget(QLabel("genre_gui"))
        self.resize(1200, 800)

    def open_paths(self, paths: list[str]) -> None:
        pass
