"""The app's bundled assets, and the one place that knows their paths (source tree, wheel or bundle)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent
#: the GTZAN feature table, the demo dataset loaded at start
DEMO_CSV = ROOT / "features_30_sec.csv"
#: the default model: musicnn embedding, 10 GTZAN genres + "not music" (``make default-model``)
DEFAULT_MODEL = ROOT / "default_model.npz"
#: the gtzan57 model trained on the GTZAN feature table (``make default-model``)
TABLE_MODEL = ROOT / "gtzan57_table_model.npz"
#: the MSD_musicnn network's weights (``make musicnn-weights``) and their licence
MUSICNN_WEIGHTS = ROOT / "models" / "musicnn_msd.npz"
#: the fault-filtered GTZAN split lists (Kereliuk, Sturm & Larsen 2015; MIT, see its LICENSE)
GTZAN_SPLITS = ROOT / "gtzan_splits"
