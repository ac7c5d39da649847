"""Helpers shared by the GUI tests (simulated drops, quick training settings, signal logs)."""

from __future__ import annotations


def drag_enter(widget, paths):
    """Simulate a drag of ``paths`` from a file manager entering ``widget``; returns the event and its
    data (the event does not own the data: keep both while the event is used)."""
    from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
    from PySide6.QtGui import QDragEnterEvent
    from PySide6.QtWidgets import QApplication

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    enter = QDragEnterEvent(QPoint(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    return enter, mime


def drop_paths(widget, paths) -> None:
    """Simulate dragging ``paths`` from a file manager and dropping them on ``widget``."""
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QDropEvent
    from PySide6.QtWidgets import QApplication

    enter, mime = drag_enter(widget, paths)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, drop)
    assert drop.isAccepted()


def configure_quick_run(window, *, softmax_epochs=60, ovr_epochs=60,
                        models=("softmax", "ovr_logistic", "knn"), protocol="holdout", folds=5,
                        fold_kind="stratified", repeats=1):
    """Set the Training panel for a short run."""
    tp = window.training_panel
    for box in tp.model_boxes:
        box.setChecked(box.name in models)
    tp.box("softmax").field("max_iter").setValue(softmax_epochs)
    tp.box("ovr_logistic").field("max_iter").setValue(ovr_epochs)
    pb = tp.protocol_box
    pb.kind.setCurrentIndex(pb.kind.findData(protocol))
    pb.folds.setValue(folds)
    pb.fold_kind.setCurrentIndex(pb.fold_kind.findData(fold_kind))
    pb.repeats.setValue(repeats)
    pb.segment_mode.setChecked(False)


def show_panel(window, qtbot, key: str, timeout: int = 10000):
    """Bring a results panel to the front, as a user clicking its tab, and wait until it has drawn."""
    window.raise_panel(key)
    panel = {"evaluation": window.evaluation_panel, "comparison": window.comparison_panel}[key]
    qtbot.waitUntil(lambda: panel.drawing.on_screen() and not panel.drawing.pending, timeout=timeout)
    return panel


class SignalLog:
    """Connect to GUI-thread signals and record (thread, args) of every emission."""

    def __init__(self) -> None:
        self.calls: list = []

    def slot(self, name):
        from PySide6.QtCore import QThread

        def record(*args):
            self.calls.append((name, QThread.currentThread(), args))

        return record

    def names(self) -> list[str]:
        return [c[0] for c in self.calls]
