"""About and quick-help dialogs, a non-blocking error message (never one modal per file), and the file
dialogs (each starts in the last folder used)."""

from __future__ import annotations

import os
import platform
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from .. import __version__

HELP_TEXT = """<h3>genre_gui quick help</h3>
<ol>
<li><b>Home</b>: drop songs on the window (or <i>Classify songs…</i>, Ctrl+Shift+C) to see their genre
with the model chosen on Home; every answer stays in the list with the model that gave it. Nothing
plays until you press Space (play/pause, from any tab); Ctrl+. stops every sound. <i>Listen</i> classifies
the microphone. Trained models join the list; training never replaces the model for songs without
asking, and <i>Restore default</i> (Ctrl+D) brings the bundled one back.</li>
<li><b>Library</b>: the dataset to train on. The GTZAN feature table is loaded at start. Drop a folder
laid out as <code>&lt;genre&gt;/&lt;files&gt;</code> (or <i>File &gt; Open Folder</i>, Ctrl+Shift+O) to
extract features from your own music; pick the feature set first. Unreadable files are listed with the
reason, the rest is used.</li>
<li><b>Training</b>: tick the models, adjust hyperparameters and the protocol (hold-out or k-fold,
grouped by clip; <i>blocked</i> folds keep neighbouring GTZAN clip numbers, often the same artist,
together), then <i>Train</i>. Loss curves update live; <i>Cancel</i> keeps finished models.</li>
<li><b>Evaluation</b>: confusion matrix per model; click a cell to list its clips, double-click a clip
to hear it. The per-class table sorts by column and copies with Ctrl+C.</li>
<li><b>Why this genre?</b> (Ctrl+I, or the button above the answers on Home or above a cell's clips in
Evaluation): k-NN lists the nearest training clips with their distances (double-click one to hear it);
softmax and one-vs-rest show the features that pushed the answer (weight &times; standardised
value).</li>
<li><b>Comparison</b>: accuracy and macro-F1 with the cross-validation spread, which model is better
(paired tests), a learning curve (Ctrl+Shift+L); export a report (Ctrl+E).</li>
<li><b>Classify a music library</b> (<i>File &gt; Classify a Music Library…</i>, Ctrl+Shift+M): every
song under a folder with the current model; sort, filter and search the answers, export CSV or JSON,
write one playlist per genre, or write genre tags after a preview (<i>Undo Last Tagging</i> puts the old
ones back).</li>
</ol>
<p>Shortcuts: Ctrl+Shift+C classify songs, Ctrl+O open files, Ctrl+Shift+O open a folder to train on,
Ctrl+Shift+M classify a music library, Space play/pause, Ctrl+. stop, Ctrl+Shift+R listen,
Ctrl+L load model, Ctrl+D restore the default model, Ctrl+S save model, Ctrl+E export report,
Ctrl+I why this genre, Ctrl+Q quit, F1 this help.</p>"""


def about_text() -> str:
    import numpy
    import pyqtgraph
    from PySide6 import __version__ as pyside_version

    return (
        f"<h3>genre_gui {__version__}</h3>"
        "<p>Learn, compare and use music genre classifiers on real music, live.</p>"
        "<p>Softmax regression, one-vs-rest logistic regression and k-NN in NumPy; honest grouped "
        "cross-validation; safe .npz model files (no pickle).</p>"
        f"<p><small>Python {platform.python_version()} · PySide6 {pyside_version} · "
        f"pyqtgraph {pyqtgraph.__version__} · NumPy {numpy.__version__}</small></p>"
        "<p><small>MIT licence. GTZAN data © its authors (Tzanetakis &amp; Cook, 2002).</small></p>"
    )


def show_about(parent: QWidget) -> QMessageBox:
    box = QMessageBox(parent)
    box.setWindowTitle("About genre_gui")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(about_text())
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.open()
    return box


def show_help(parent: QWidget) -> QMessageBox:
    box = QMessageBox(parent)
    box.setWindowTitle("genre_gui help")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(HELP_TEXT)
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.open()
    return box


def show_error(parent: QWidget, title: str, text: str) -> QMessageBox:
    """A message box that does not block the event loop (workers keep reporting while it is open)."""
    box = QMessageBox(parent)
    box.setWindowTitle(title)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setText(text)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


# -- file dialogs: each starts in the last folder used and remembers the folder of what was chosen --------
MODEL_FILTER = "genre_gui model (*.npz)"


def confirm(parent: QWidget, title: str, text: str, yes: str = "Yes") -> bool:
    """A blocking Yes/No question (for the moments the app must wait: closing mid-run, overwriting)."""
    box = QMessageBox(parent)
    box.setWindowTitle(title)
    box.setIcon(QMessageBox.Icon.Question)
    box.setText(text)
    yes_button = box.addButton(yes, QMessageBox.ButtonRole.YesRole)
    box.setDefaultButton(box.addButton("Cancel", QMessageBox.ButtonRole.RejectRole))
    box.exec()
    return box.clickedButton() is yes_button


# -- file dialogs: each kind (songs, datasets, models, reports, folders) starts in the last folder used for
# that kind, so saving a report does not send the next "Classify songs…" into the report folder ----------
MODEL_FILTER = "genre_gui model (*.npz)"


def _key(kind: str) -> str:
    from . import settings as keys

    return f"{keys.LAST_DIR}_{kind}"


#: kinds of dialog that write: they never start in a folder the app cannot write (a read-only music share)
WRITING_KINDS = ("report", "model-save")


def _last_dir(settings, kind: str) -> str:
    from . import settings as keys

    for d in (settings.text(_key(kind), ""), settings.text(keys.LAST_DIR, "")):
        if d and os.path.isdir(d) and (kind not in WRITING_KINDS or os.access(d, os.W_OK)):
            return d
    return str(Path.home())


def _remember(settings, path: str, kind: str) -> str:
    from . import settings as keys

    if path:
        folder = os.path.dirname(path) if not os.path.isdir(path) else path
        settings.set_value(_key(kind), folder)
        settings.set_value(keys.LAST_DIR, folder)  # the fallback of a kind never used yet
    return path


def choose_files(parent: QWidget, settings, audio_extensions) -> list[str]:
    """Datasets, model files or songs to open ([] when cancelled)."""
    exts = " ".join(f"*{e}" for e in audio_extensions)
    paths, _ = QFileDialog.getOpenFileNames(
        parent, "Open", _last_dir(settings, "open"),
        f"Datasets and songs (*.csv *idx* *.npz {exts});;Feature table (*.csv);;MNIST IDX (*idx*);;"
        f"Audio ({exts});;Model (*.npz);;All files (*)")
    if paths:
        _remember(settings, paths[0], "open")
    return paths


def choose_songs(parent: QWidget, settings, audio_extensions) -> list[str]:
    """Songs to classify ([] when cancelled)."""
    exts = " ".join(f"*{e}" for e in audio_extensions)
    paths, _ = QFileDialog.getOpenFileNames(parent, "Classify songs", _last_dir(settings, "songs"),
                                            f"Audio ({exts});;All files (*)")
    if paths:
        _remember(settings, paths[0], "songs")
    return paths


def choose_folder(parent: QWidget, settings, title: str, kind: str = "folder") -> str:
    return _remember(settings, QFileDialog.getExistingDirectory(parent, title, _last_dir(settings, kind)),
                     kind)


def choose_model_to_load(parent: QWidget, settings) -> str:
    path, _ = QFileDialog.getOpenFileName(parent, "Load model", _last_dir(settings, "model"), MODEL_FILTER)
    return _remember(settings, path, "model")


def choose_model_to_save(parent: QWidget, settings) -> str:
    """Where to save the model (``.npz`` added when missing; "" when cancelled)."""
    start = os.path.join(_last_dir(settings, "model-save"), "model.npz")
    path, _ = QFileDialog.getSaveFileName(parent, "Save model", start, MODEL_FILTER)
    if path and not path.lower().endswith(".npz"):
        path += ".npz"
    return _remember(settings, path, "model-save")


def choose_report_folder(parent: QWidget, settings) -> str:
    """A new folder for a report, typed as a name ("" when cancelled). A folder dialog cannot take a
    folder that does not exist yet, and Return on a typed path exported into it at once; the export
    creates this one (and its parents) and asks before replacing files in an existing one."""
    import time

    start = os.path.join(_last_dir(settings, "report"), time.strftime("genre_gui report %Y-%m-%d %H.%M"))
    path, _ = QFileDialog.getSaveFileName(parent, "Export report into a new folder", start,
                                          "Report folder (*)")
    return _remember(settings, path, "report")
