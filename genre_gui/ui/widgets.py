"""Small reusable widgets: a copyable/sortable table, a progress row with ETA and Cancel, a guard that keeps
the mouse wheel from changing a form's values, and window sizing that fits the screen."""

from __future__ import annotations

import os

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)


class NumericItem(QTableWidgetItem):
    """A table cell that sorts by its number, not its text."""

    def __init__(self, value: float, text: str) -> None:
        super().__init__(text)
        self.value = float(value)
        self.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def __lt__(self, other: QTableWidgetItem) -> bool:
        if isinstance(other, NumericItem):
            return self.value < other.value
        return super().__lt__(other)


class CopyableTable(QTableWidget):
    """Read-only table; Ctrl+C (or the context menu) copies the selection, or everything, as TSV."""

    def __init__(self, headers: list[str], parent: QWidget | None = None) -> None:
        super().__init__(0, len(headers), parent)
        self.setHorizontalHeaderLabels(headers)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setStretchLastSection(True)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        copy = QAction("Copy", self)
        copy.setShortcut(QKeySequence.StandardKey.Copy)
        copy.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        copy.triggered.connect(self.copy_selection)
        copy_all = QAction("Copy whole table", self)
        copy_all.triggered.connect(self.copy_all)
        self.addAction(copy)
        self.addAction(copy_all)

    def enable_sorting(self, column: int = 0, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sortable by clicking a header; starts sorted on ``column`` in ``order``."""
        self.horizontalHeader().setSortIndicator(column, order)
        self.setSortingEnabled(True)

    def headers(self) -> list[str]:
        return [self.horizontalHeaderItem(c).text() for c in range(self.columnCount())]

    def as_tsv(self, rows: list[int] | None = None) -> str:
        rows = list(range(self.rowCount())) if rows is None else rows
        lines = ["\t".join(self.headers())]
        for r in rows:
            cells = []
            for c in range(self.columnCount()):
                it = self.item(r, c)
                cells.append("" if it is None else it.text())
            lines.append("\t".join(cells))
        return "\n".join(lines) + "\n"

    def copy_selection(self) -> str:
        rows = sorted({i.row() for i in self.selectedIndexes()})
        text = self.as_tsv(rows or None)
        QGuiApplication.clipboard().setText(text)
        return text

    def copy_all(self) -> str:
        text = self.as_tsv()
        QGuiApplication.clipboard().setText(text)
        return text

    def set_rows(self, rows: list[list], tooltips: list[list[str]] | None = None) -> None:
        """Fill the table; numbers become sortable numeric cells (floats shown with 3 decimals).

        ``tooltips``: per row, a tooltip per cell ("" for none); set here, before the table sorts
        itself, because afterwards row ``r`` is no longer the ``r``-th row given."""
        sorting = self.isSortingEnabled()
        self.setSortingEnabled(False)
        self.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                item = make_item(v)
                if tooltips is not None and c < len(tooltips[r]) and tooltips[r][c]:
                    item.setToolTip(tooltips[r][c])
                self.setItem(r, c, item)
        self.setSortingEnabled(sorting)

    def append_row(self, row: list) -> int:
        """Add one row at the end (sorting paused so it stays where it was put); returns its index."""
        sorting = self.isSortingEnabled()
        self.setSortingEnabled(False)
        r = self.rowCount()
        self.setRowCount(r + 1)
        for c, v in enumerate(row):
            self.setItem(r, c, make_item(v))
        self.setSortingEnabled(sorting)
        return r


def make_item(v) -> QTableWidgetItem:
    """Cell for a value: ``(sort value, text)`` tuples and numbers sort numerically."""
    if isinstance(v, tuple):
        return NumericItem(v[0], v[1])
    if isinstance(v, bool) or not isinstance(v, int | float):
        return QTableWidgetItem(str(v))
    return NumericItem(v, f"{v:.3f}" if isinstance(v, float) else str(v))


def format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = int(round(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h} h {m:02d} min" if h else (f"{m} min {s:02d} s" if m else f"{s} s")


class ProgressRow(QWidget):
    """Progress bar + message/ETA label + Cancel button; hidden when idle (its space kept)."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(True)
        self.label = QLabel("")
        self.label.setMinimumWidth(120)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_requested.emit)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.bar, 2)
        lay.addWidget(self.label, 3)
        lay.addWidget(self.cancel_button)
        # the row keeps its space while hidden: showing it at a run's start and hiding it at the end
        # resized the live plots above it, and repainting them cost the GUI thread 45-70 ms
        policy = self.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.setSizePolicy(policy)
        self.set_idle()

    def start(self, message: str = "") -> None:
        self.bar.setValue(0)
        self.bar.setFormat("%p%")
        self.label.setText(message)
        self.cancel_button.setEnabled(True)
        self.cancel_button.setVisible(True)
        self.bar.setVisible(True)
        self.setVisible(True)

    def update_progress(self, p) -> None:
        self.bar.setValue(int(round(1000 * p.fraction)))
        text = p.message
        if p.eta_seconds is not None and p.done < p.total:
            text = f"{text} · about {format_seconds(p.eta_seconds)} left"
        self.label.setText(text)

    def set_idle(self, message: str = "") -> None:
        """Keep only the message: an idle bar at 0 % would read as "nothing happened"."""
        self.cancel_button.setEnabled(False)
        self.cancel_button.setVisible(False)
        self.bar.setVisible(False)
        self.label.setText(message)
        self.setVisible(bool(message))


def reason_of(path: str, message: str) -> str:
    """The reason in a per-file error message, without the path it starts with.

    Errors name their file first ("/music/a b/x.mp3: cannot be decoded (…)") so that a log line stands
    alone; a table already shows the file name in its own column, and a long path before the reason cut
    the reason off."""
    for prefix in (path, os.path.basename(path)):
        if prefix and message.startswith(prefix):
            rest = message[len(prefix):].lstrip(" :—-")
            return rest or message
    return message


def fit_to_screen(widget: QWidget, width: int, height: int) -> None:
    """Resize ``widget`` to ``width`` x ``height``, or less where its screen is smaller (a 1024 x 700 laptop
    had the window's right side and its status bar off-screen); a margin is left for the window frame."""
    from PySide6.QtGui import QGuiApplication

    screen = widget.screen() or QGuiApplication.primaryScreen()
    if screen is not None:
        avail = screen.availableGeometry()
        width = min(width, max(200, avail.width() - 16))
        height = min(height, max(150, avail.height() - 48))
    widget.resize(width, height)


class WheelGuard(QObject):
    """Scrolling a form must not change its values: a spin box or combo box under the mouse wheel takes
    it only once it has the keyboard focus (clicked or tabbed into); otherwise the wheel scrolls the
    form. (A walkthrough scrolled down the Training panel and silently turned a batch size 200 into 185.)"""

    def __init__(self, scroll: QScrollArea) -> None:
        super().__init__(scroll)
        self.scroll = scroll
        for w in scroll.widget().findChildren(QWidget):
            self.guard(w)

    def guard(self, widget: QWidget) -> None:
        if isinstance(widget, QAbstractSpinBox | QComboBox):
            widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the wheel alone no longer focuses it
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Wheel and isinstance(watched, QWidget) and not watched.hasFocus():
            QApplication.sendEvent(self.scroll.verticalScrollBar(), event)
            return True
        return False
