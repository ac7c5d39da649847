"""A yellow banner that says results came from another dataset than the one loaded now, and greys the
views showing them (disabled) (issue 14: "results never lie"). Shared by Evaluation and Comparison."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QWidget


class StaleBanner(QLabel):
    """Hidden while the results shown come from the dataset loaded now.

    ``set_source(dataset, name, current)`` when new results are shown (``dataset`` the object trained on,
    None when only its ``name`` is known; ``current`` the dataset loaded now, or None);
    ``dataset_loaded(dataset, name)`` when another dataset is announced. ``grey`` are the widgets faded
    while the banner shows.
    """

    def __init__(self, grey: tuple[QWidget, ...] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grey = tuple(grey)
        self.setWordWrap(True)
        self.setStyleSheet("QLabel { background: #fff3b0; color: #3d3000; border: 1px solid #d9b500; "
                           "padding: 4px; }")
        self.hide()
        self.source: tuple[Any, str] | None = None  # (dataset object or None, its name)
        self.has_results = False

    @property
    def stale(self) -> bool:
        return not self.isHidden()

    def set_source(self, dataset: Any, name: str, current: Any = None, has_results: bool = True) -> None:
        """New results are shown (a new run): clear the mark, unless the data loaded now is already other."""
        self.source = (dataset, name)
        self.has_results = has_results
        self._mark(None)
        if current is not None:
            self.dataset_loaded(current, str(getattr(current, "name", "")))

    def info_loaded(self, info: Any) -> None:
        """``AppState.dataset_changed`` (a ``DatasetInfo``)."""
        self.dataset_loaded(info.dataset, str(getattr(info.dataset, "name", "")))

    def dataset_loaded(self, dataset: Any, name: str) -> None:
        """Another dataset was loaded: mark the results shown stale when they came from other data."""
        if not self.has_results or self.source is None:
            return
        src, src_name = self.source
        same = dataset is src if src is not None else name == src_name
        if not same:
            self._mark(name)

    def _mark(self, new_name: str | None) -> None:
        if new_name is None:
            self.hide()
            for w in self.grey:
                w.setEnabled(True)
            return
        old = (self.source[1] if self.source else "") or "an earlier dataset"
        new = new_name or "another dataset"
        if new == old:
            new = f"a new copy of {new}"  # same name, other data (reloaded, or another feature set)
        self.setText(f"These results are from {old}, before you loaded {new}. Train again to update.")
        self.setToolTip("The plots and tables below show the last run, made on the data named here.")
        self.show()
        # disabled, not faded: an opacity effect on a plot inside a tabbed dock painted the tab shown
        # before it through the plot (seen in a walkthrough); disabled views are greyed by the style and
        # cannot be mistaken for current, clickable results
        for w in self.grey:
            w.setEnabled(False)
