"""A bar across the top of the window with a question that must not interrupt: "Use the new model for
songs?" after a run. A dialog took the keyboard focus from the results the person was looking at (and a
modal one blocked the window); the bar waits, visible from every tab, until it is answered or replaced."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QToolBar, QWidget


class OfferBar(QToolBar):
    """``offer(text, on_yes)`` shows the question; Yes runs ``on_yes`` and hides the bar, No hides it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Question", parent)
        self.setObjectName("offer_bar")  # saveState needs a name
        self.setMovable(False)
        self.setFloatable(False)
        self.toggleViewAction().setVisible(False)  # not a toolbar the View menu should list
        self.setStyleSheet("QToolBar#offer_bar { background: #fff4c2; border-bottom: 1px solid #d9c26b; }")
        self.label = QLabel("")
        # one line, never wider than the room the buttons leave (a wrapped label made the bar 100 px tall,
        # a long one pushed the buttons into the toolbar's overflow menu); the whole text is the tooltip
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.label.setMinimumWidth(0)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.yes_button = QPushButton("Yes")
        self.no_button = QPushButton("No")
        # one expanding row: a toolbar gives each of its own items only its size hint
        row = QWidget()
        row.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        lay = QHBoxLayout(row)
        lay.setContentsMargins(6, 2, 2, 2)
        lay.addWidget(self.label, 1)
        lay.addWidget(self.yes_button)
        lay.addWidget(self.no_button)
        self.addWidget(row)
        self.yes_button.clicked.connect(self._yes)
        self.no_button.clicked.connect(self.dismiss)
        self.pending: Callable[[], object] | None = None
        self.setVisible(False)

    def offer(self, text: str, on_yes: Callable[[], object], yes: str = "Yes", no: str = "No") -> None:
        """Ask ``text`` (a newer question replaces an unanswered one)."""
        self.label.setText(text)
        self.label.setToolTip(text)
        self.yes_button.setText(yes)
        self.no_button.setText(no)
        self.pending = on_yes
        self.setVisible(True)

    def _yes(self) -> None:
        on_yes = self.pending
        self.dismiss()
        if on_yes is not None:
            on_yes()

    def dismiss(self) -> None:
        self.pending = None
        self.setVisible(False)
