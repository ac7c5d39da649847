"""Drag and drop of files onto a widget (the main window): a drag is accepted when it carries something
the app opens, decided once at drag-enter (move events come with every mouse move and the answer cannot
change); a drop hands its local paths over."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget


class FileDrops(QObject):
    """Installed on ``widget``: ``can_open(paths)`` decides at drag-enter, ``open_paths(paths)`` gets the
    drop; ``hover(accepted)`` (optional) hears the answer while a drag is over the widget (True / False)
    and None when it leaves or drops, for visible feedback."""

    def __init__(self, widget: QWidget, can_open: Callable[[list[str]], bool],
                 open_paths: Callable[[list[str]], None],
                 hover: Callable[[bool | None], None] | None = None) -> None:
        super().__init__(widget)
        self._can_open, self._open_paths = can_open, open_paths
        self._hover = hover or (lambda _accepted: None)
        self.accepted = False  # the answer of the drag in progress
        widget.setAcceptDrops(True)
        widget.installEventFilter(self)

    @staticmethod
    def _paths(event) -> list[str]:
        mime = event.mimeData()
        urls = mime.urls() if mime.hasUrls() else []
        return [u.toLocalFile() for u in urls if u.isLocalFile()]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        kind = event.type()
        if kind == QEvent.Type.DragEnter:
            self.accepted = self._can_open(self._paths(event))
            self._hover(self.accepted)
        if kind == QEvent.Type.DragLeave:
            self._hover(None)
            return False
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            event.acceptProposedAction() if self.accepted else event.ignore()
            return True
        if kind == QEvent.Type.Drop:
            self._hover(None)
            paths = self._paths(event)
            if not paths:
                event.ignore()
                return True
            event.acceptProposedAction()
            self._open_paths(paths)
            return True
        return False
