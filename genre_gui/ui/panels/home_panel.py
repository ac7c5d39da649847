"""Home: where a person classifies music. A drop zone with hover feedback, "Classify songs…", "Listen",
"Classify a music library…", the model used for songs and the microphone (picked from the models you
keep, "Restore default"), the latest answer in big type, and every answer so far in one list (each row
names the model that gave it; Clear empties it), with its probabilities, "sounds like" tags and timeline.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ..views.genre_timeline import GenreTimeline
from ..widgets import CopyableTable, reason_of

if TYPE_CHECKING:
    from ..jobs import JobController
    from ..models_controller import ModelsController
    from ..state import AppState

#: the shortcut of "Why this genre?" (the selected song here, the Evaluation panel's selected clip)
EXPLAIN_SHORTCUT = "Ctrl+I"
#: "Classify songs…" (Ctrl+O opens any file: datasets, models and songs)
CLASSIFY_SHORTCUT = "Ctrl+Shift+C"

DROP_TEXT = "Drop songs or a music folder here"
_ZONE_STYLE = ("QFrame#drop_zone {{ border: 2px dashed {border}; border-radius: 10px; background: {bg}; }}"
               "QFrame#drop_zone QLabel {{ background: transparent; }}")


class ProbabilityBars(pg.PlotWidget):
    """Horizontal bars: one per genre, probabilities of the selected file."""

    def __init__(self) -> None:
        super().__init__()
        self.setMinimumHeight(130)
        self.getPlotItem().setMouseEnabled(x=False, y=False)
        self.getPlotItem().hideButtons()
        self.setLabel("bottom", "probability")
        self._bars: pg.BarGraphItem | None = None
        self.getPlotItem().invertY(True)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        # the plots' 480-px default made the details' scroll area (sized by height-for-width, from the
        # size hints) scroll even on a large screen; 11 genre names read well in 240
        return QSize(400, 240)

    def set_probabilities(self, probabilities: dict[str, float], title: str = "") -> None:
        if self._bars is not None:
            self.removeItem(self._bars)
            self._bars = None
        self.setTitle(title, size="9pt")
        if not probabilities:
            return
        names = list(probabilities)
        vals = np.array([probabilities[n] for n in names])
        best = int(np.argmax(vals))
        brushes = [pg.mkBrush(31, 119, 180) if i == best else pg.mkBrush(150, 170, 200)
                   for i in range(len(vals))]
        self._bars = pg.BarGraphItem(x0=0, y=np.arange(len(vals)), height=0.7, width=vals, brushes=brushes)
        self.addItem(self._bars)
        self.getAxis("left").setTicks([[(i, n) for i, n in enumerate(names)]])
        self.setXRange(0, 1, padding=0.02)
        self.setYRange(-0.5, len(vals) - 0.5, padding=0)


class DropZone(QFrame):
    """The large target of the Home panel; the window's drop handler lights it while a drag is over the
    window (``set_hover``), so the answer to "can I drop this?" is visible before the drop."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("drop_zone")
        self.label = QLabel(DROP_TEXT)
        f = QFont()
        f.setPointSize(f.pointSize() + 5)
        self.label.setFont(f)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint = QLabel("MP3, M4A, FLAC, WAV, OGG and whatever FFmpeg decodes · a folder of "
                           "<genre>/<songs> becomes a dataset to train on")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addStretch(1)
        lay.addWidget(self.label)
        lay.addWidget(self.hint)
        lay.addStretch(1)
        self.hovered: bool | None = None
        self.set_hover(None)

    def set_hover(self, accepted: bool | None) -> None:
        """None: no drag; True: a drag the app can open; False: one it cannot."""
        self.hovered = accepted
        border, bg, text = {None: ("#8a9bb5", "#f4f7fb", DROP_TEXT),
                            True: ("#1f77b4", "#dcebf8", "Release to open"),
                            False: ("#c0392b", "#fbe9e7", "Not something genre_gui can open")}[accepted]
        self.setStyleSheet(_ZONE_STYLE.format(border=border, bg=bg))
        self.label.setText(text)


class HomePanel(QWidget):
    """Signals: ``classify_requested`` ("Classify songs…"), ``listen_requested``, ``library_requested``,
    ``model_chosen(int)`` (an entry of the models list), ``restore_default_requested``,
    ``file_activated(str)`` (an answer double-clicked), ``explain_requested(FilePrediction)``."""

    classify_requested = Signal()
    listen_requested = Signal()
    library_requested = Signal()
    model_chosen = Signal(int)
    restore_default_requested = Signal()
    file_activated = Signal(str)
    explain_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.drop_zone = DropZone()
        self.classify_button = QPushButton("Classify songs…")
        self.classify_button.setToolTip(f"Pick songs and see their genre ({CLASSIFY_SHORTCUT})")
        self.classify_button.clicked.connect(self.classify_requested.emit)
        self.listen_button = QPushButton("Listen (microphone)")
        self.listen_button.setToolTip("Classify what the microphone hears, live")
        self.listen_button.clicked.connect(self.listen_requested.emit)
        self.library_button = QPushButton("Classify a music library…")
        self.library_button.setToolTip("Every song under a folder: playlists and genre tags (Ctrl+Shift+M)")
        self.library_button.clicked.connect(self.library_requested.emit)
        for b in (self.classify_button, self.listen_button, self.library_button):
            b.setMinimumHeight(34)
        buttons = QHBoxLayout()
        for b in (self.classify_button, self.listen_button, self.library_button):
            buttons.addWidget(b)

        self.model_combo = QComboBox()
        self.model_combo.setToolTip("The model that classifies songs and the microphone")
        self.model_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.model_combo.setMinimumContentsLength(24)
        self.model_combo.activated.connect(self._model_activated)
        self.restore_button = QPushButton("Restore default")
        self.restore_button.setToolTip("Use the bundled default model again (Ctrl+D)")
        self.restore_button.clicked.connect(self.restore_default_requested.emit)
        model_row = QHBoxLayout()
        model_row.addWidget(QLabel("Model for songs and the microphone:"))
        model_row.addWidget(self.model_combo, 1)
        model_row.addWidget(self.restore_button)

        self.answer = QLabel("")
        f = QFont()
        f.setPointSize(f.pointSize() + 10)
        f.setBold(True)
        self.answer.setFont(f)
        self.answer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.answer_detail = QLabel("No song classified yet: drop one above or use Classify songs…")
        self.answer_detail.setWordWrap(True)

        self.answers_box = QGroupBox("Answers (0)")
        self.predictions = CopyableTable(["file", "answer", "confidence", "model"])
        # one answer at a time is shown, explained and played
        self.predictions.setSelectionMode(CopyableTable.SelectionMode.SingleSelection)
        self.predictions.itemSelectionChanged.connect(self._show_selected_prediction)
        self.predictions.cellDoubleClicked.connect(self._activated)
        self.predictions.setToolTip("Double-click a song to play it; Space plays and pauses from any tab")
        self.why_button = QPushButton("Why this genre?")
        self.why_button.setToolTip(f"What in the selected song led to its answer ({EXPLAIN_SHORTCUT})")
        self.why_button.setEnabled(False)
        self.why_button.clicked.connect(self.explain_selected)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Empty the list of answers")
        self.clear_button.setEnabled(False)
        self.clear_button.clicked.connect(self.clear_predictions)
        self.why_action = QAction("Why this genre?", self)
        self.why_action.setShortcut(QKeySequence(EXPLAIN_SHORTCUT))
        self.why_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.why_action.triggered.connect(self.explain_selected)
        self.addAction(self.why_action)  # the shortcut, anywhere in the panel
        self.predictions.addAction(self.why_action)  # and the table's context menu
        self.bars = ProbabilityBars()
        self.bars.setMinimumHeight(230)  # eleven readable genre names (at 700 px they overlapped)
        self.sounds_like = QLabel("")
        self.sounds_like.setWordWrap(True)
        self.sounds_like.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sounds_like.setToolTip("The network's most probable Million Song Dataset tags for this song")
        self.timeline = GenreTimeline()
        self.timeline.setToolTip("Genre probabilities of every 3-s window, under the song's waveform")
        self.timeline.setVisible(False)
        self.timeline.setMaximumHeight(250)
        self.timeline.setMinimumHeight(230)
        self.bars.setVisible(False)  # no empty plot: the hint above says what will appear
        self._predictions: list = []

        head = QHBoxLayout()
        head.addStretch(1)
        head.addWidget(self.why_button)
        head.addWidget(self.clear_button)
        al = QVBoxLayout(self.answers_box)
        al.addLayout(head)
        al.addWidget(self.predictions)

        top = QWidget()
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.drop_zone)
        tl.addLayout(buttons)
        tl.addLayout(model_row)
        tl.addWidget(self.answer)
        tl.addWidget(self.answer_detail)
        details = QWidget()
        dl = QVBoxLayout(details)
        dl.setContentsMargins(0, 0, 0, 0)
        dl.addWidget(self.bars, 3)
        dl.addWidget(self.sounds_like)
        dl.addWidget(self.timeline, 2)
        # on a small screen the details scroll rather than squeeze their labels on top of each other
        details_scroll = QScrollArea()
        details_scroll.setWidget(details)
        details_scroll.setWidgetResizable(True)
        details_scroll.setFrameShape(QFrame.Shape.NoFrame)
        details_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.answers_box)
        lower.addWidget(details_scroll)
        lower.setStretchFactor(0, 1)
        lower.setStretchFactor(1, 1)
        lower.setVisible(False)  # until the first answer the drop zone has the room: nothing empty on show
        self.lower = lower
        lay = QVBoxLayout(self)
        lay.addWidget(top)
        lay.addWidget(lower, 1)
        self._stretch = QWidget()  # takes the height the hidden answers leave, under the drop zone
        lay.addWidget(self._stretch, 1)
        self._answers_shown: bool | None = None
        self._set_answers_shown(False)

    def bind(self, jobs: JobController, state: AppState, models: ModelsController) -> None:
        """Follow the models list, the current model and the songs' answers."""
        models.changed.connect(lambda: self.show_models(models))
        state.pipeline_changed.connect(lambda _p: self.show_models(models))
        jobs.file_classified.connect(self.add_prediction)
        self.show_models(models)

    # -- models ------------------------------------------------------------------------------------
    def show_models(self, models: ModelsController) -> None:
        """List the kept models; those that cannot classify audio are shown but not selectable."""
        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        for i, entry in enumerate(models.entries):
            text = entry.label if entry.classifies_audio else f"{entry.label} (cannot classify songs)"
            self.model_combo.addItem(text, i)
            row = self.model_combo.count() - 1
            self.model_combo.setItemData(row, entry.description, Qt.ItemDataRole.ToolTipRole)
            item = self.model_combo.model().item(row)
            if item is not None and not entry.classifies_audio:
                item.setEnabled(False)
        if not models.entries:
            self.model_combo.addItem("none: load a model file, train one, or Restore default", -1)
        current = self.model_combo.findData(models.current)
        self.model_combo.setCurrentIndex(max(0, current))
        self.model_combo.blockSignals(False)

    def _model_activated(self, row: int) -> None:
        index = self.model_combo.itemData(row)
        if isinstance(index, int) and index >= 0:
            self.model_chosen.emit(index)

    # -- answers -----------------------------------------------------------------------------------
    def set_drop_hover(self, accepted: bool | None) -> None:
        """Light the drop zone while a drag is over the window: True accepted, False refused, None gone."""
        self.drop_zone.set_hover(accepted)

    def _set_answers_shown(self, shown: bool) -> None:
        """With answers: the list and the details below a compact drop zone; without: a tall drop zone."""
        if shown == self._answers_shown:
            return
        self._answers_shown = shown
        self.lower.setVisible(shown)
        self.answer.setVisible(shown)
        self._stretch.setVisible(not shown)
        self.drop_zone.setMinimumHeight(0 if shown else 220)
        if shown:
            # details (bars, tags, timeline) get a little more than half: they are what the eye reads
            total = max(self.lower.width(), 2)
            self.lower.setSizes([int(0.45 * total), total - int(0.45 * total)])

    def clear_predictions(self) -> None:
        self._predictions = []
        self.predictions.setRowCount(0)
        self.answers_box.setTitle("Answers (0)")
        self.why_button.setEnabled(False)
        self.clear_button.setEnabled(False)
        self.answer.setText("")
        self.answer_detail.setText("No song classified yet: drop one above or use Classify songs…")
        self._show_selected_prediction()
        self._set_answers_shown(False)

    def add_prediction(self, pred, model: str = "") -> None:
        """Append one song's answer (``model``: the name of the model that gave it)."""
        model = model or getattr(pred, "model_label", "") or ""
        self._predictions.append(pred)
        name = os.path.basename(pred.path)
        if pred.error:
            reason = reason_of(pred.path, pred.error)
            row = [name, f"not classified: {reason}", "—", model]
        else:
            # the number the answer states (a genre's share of the genres, or the "not music" probability);
            # an unsure answer has no single confidence
            conf = 0.0 if pred.unsure else (pred.confidence or pred.probabilities.get(pred.genre, 0.0))
            row = [name, pred.answer or pred.genre, (conf, "—" if pred.unsure else f"{100 * conf:.0f} %"),
                   model]
        sorting = self.predictions.isSortingEnabled()
        r = self.predictions.append_row(row)
        self.predictions.item(r, 0).setToolTip(pred.path)
        self.predictions.item(r, 0).setData(Qt.ItemDataRole.UserRole, len(self._predictions) - 1)
        if pred.error:  # the reason first, then where the file is
            self.predictions.item(r, 1).setToolTip(f"{reason_of(pred.path, pred.error)}\n{pred.path}")
        self.predictions.item(r, 3).setToolTip(model)
        # a long file name must not push the answer out of view: the name column is capped (whole name
        # and path in its tooltip)
        for column, cap in ((0, 220), (1, 200)):
            self.predictions.resizeColumnToContents(column)
            self.predictions.setColumnWidth(column, min(cap, self.predictions.columnWidth(column)))
        self.predictions.setSortingEnabled(sorting)
        self.answers_box.setTitle(f"Answers ({len(self._predictions)})")
        self.clear_button.setEnabled(True)
        self._set_answers_shown(True)
        self.predictions.clearSelection()  # selectRow adds to a selection while a modifier is held
        self.predictions.selectRow(r)  # the newest answer is the one the person is waiting for
        self.predictions.scrollToItem(self.predictions.item(r, 0))
        self._show_selected_prediction()

    def _selected_prediction(self):
        rows = sorted({i.row() for i in self.predictions.selectedIndexes()})
        if not rows:
            return None
        idx = self.predictions.item(rows[0], 0).data(Qt.ItemDataRole.UserRole)
        return self._predictions[idx] if idx is not None and idx < len(self._predictions) else None

    def selected_path(self) -> str:
        pred = self._selected_prediction()
        return "" if pred is None else pred.path

    def explain_selected(self) -> None:
        """Ask for the selected song's answer to be explained (needs its feature rows)."""
        pred = self._selected_prediction()
        if pred is not None and not pred.error:
            self.explain_requested.emit(pred)

    def _show_selected_prediction(self) -> None:
        pred = self._selected_prediction()
        self.why_button.setEnabled(pred is not None and not pred.error
                                   and getattr(pred, "features", None) is not None)
        if pred is None or pred.error:
            self.bars.set_probabilities({})
            self.bars.setVisible(False)
            self.sounds_like.setText("")
            self.timeline.clear()
            self.timeline.setVisible(False)
            if pred is not None:
                self.answer.setText("not classified")
                reason = reason_of(pred.path, pred.error)
                self.answer_detail.setText(f"{os.path.basename(pred.path)}: {reason}")
            return
        name = os.path.basename(pred.path)
        model = getattr(pred, "model_label", "")
        self.answer.setText(pred.answer or pred.genre)
        self.answer_detail.setText(f"{name}" + (f" · model: {model}" if model else ""))
        self.bars.setVisible(True)
        self.bars.set_probabilities(pred.probabilities, f"{name}: {pred.answer or pred.genre}")
        self.sounds_like.setText(f"Sounds like: {', '.join(pred.tags)}" if pred.tags and not pred.not_music
                                 else "")
        if pred.timeline is not None and pred.envelope is not None:
            self.timeline.set_timeline(pred.envelope, pred.duration, pred.starts, pred.window_seconds,
                                       pred.timeline, pred.classes,
                                       f"{name}: genre every {pred.window_seconds:.0f} s")
            self.timeline.setVisible(True)
        else:
            self.timeline.clear()
            self.timeline.setVisible(False)

    def _activated(self, row: int, _col: int) -> None:
        idx = self.predictions.item(row, 0).data(Qt.ItemDataRole.UserRole)
        if idx is not None:
            self.file_activated.emit(self._predictions[idx].path)
