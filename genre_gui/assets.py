"""The app's bundled assets, and the one place that knows where they are.

The assets live in the project's top-level ``resources/`` folder. Where that folder is depends on how the
app runs:

- **frozen** (the PyInstaller bundle): ``<bundle>/resources``, copied there by packaging/genre_gui.spec;
- **installed wheel**: ``genre_gui/resources`` inside the installed package (setup.py maps the top-level
  folder to that place in the wheel);
- **source tree or editable install** (``pip install -e .``, what ``make`` does): ``resources/`` beside the
  ``genre_gui`` package.

Every path to an asset comes from here; tests/test_assets.py fails on one computed anywhere else.
"""

from __future__ import annotations

import sys
from pathlib import Path

#: what marks a resources folder as the real one (a stale ``genre_gui/resources`` from an older checkout,
#: holding only ``__pycache__``, must not win over the source tree's)
_MARKER = "features_30_sec.csv"


def _find_root() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and frozen:
        return Path(frozen) / "resources"
    package = Path(__file__).resolve().parent
    installed = package / "resources"
    if (installed / _MARKER).is_file():
        return installed
    return package.parent / "resources"


#: the resources folder itself
ROOT = _find_root()
#: the GTZAN feature table, the demo dataset loaded at start
DEMO_CSV = ROOT / _MARKER
#: the default model: musicnn embedding, 10 GTZAN genres + "not music" (``make default-model``)
DEFAULT_MODEL = ROOT / "default_model.npz"
#: the gtzan57 model trained on the GTZAN feature table (``make default-model``)
TABLE_MODEL = ROOT / "gtzan57_table_model.npz"
#: the MSD_musicnn network's weights (``make musicnn-weights``) and their licence
MUSICNN_WEIGHTS = ROOT / "models" / "musicnn_msd.npz"
MUSICNN_LICENCE = ROOT / "models" / "musicnn_msd.LICENSE.md"
#: the app's icon (the window's; packaging/ holds the 256 px PNG rendered from it for desktop menus)
ICON = ROOT / "genre_gui.svg"
#: the fault-filtered GTZAN split lists (Kereliuk, Sturm & Larsen 2015; MIT, see its LICENSE)
GTZAN_SPLITS = ROOT / "gtzan_splits"
GTZAN_TRAIN = GTZAN_SPLITS / "train_filtered.txt"
GTZAN_VALID = GTZAN_SPLITS / "valid_filtered.txt"
GTZAN_TEST = GTZAN_SPLITS / "test_filtered.txt"
GTZAN_SPLITS_LICENCE = GTZAN_SPLITS / "LICENSE"
#: the licences of third-party assets shipped here
LICENCES = (MUSICNN_LICENCE, GTZAN_SPLITS_LICENCE)
#: every asset the app needs at run time: the packaging tests check each is in the wheel and the bundle
ALL = (DEMO_CSV, DEFAULT_MODEL, TABLE_MODEL, MUSICNN_WEIGHTS, MUSICNN_LICENCE, ICON,
       GTZAN_TRAIN, GTZAN_VALID, GTZAN_TEST, GTZAN_SPLITS_LICENCE)
