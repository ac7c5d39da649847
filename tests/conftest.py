"""Shared fixtures: the real data in ../shared/data, skipped with a reason when absent (failing under CI)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("GENRE_GUI_SHARED_DATA", ROOT.parent / "shared" / "data"))
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_shared(*parts: str) -> Path:
    """Return ``SHARED_DATA/parts``; skip when it is absent, but fail under ``CI=true``."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        msg = f"needs {path} (the shared data beside the project)"
        if IN_CI:
            pytest.fail(msg + " and CI=true: shared data must be present")
        pytest.skip(msg)
    return path


@pytest.fixture(scope="session")
def gtzan_csv() -> Path:
    return require_shared("gtzan_features", "features_30_sec.csv")


@pytest.fixture(scope="session")
def gtzan_clips_dir() -> Path:
    return require_shared("gtzan_clips")


@pytest.fixture(scope="session")
def gtzan_clip_paths(gtzan_clips_dir: Path) -> list[Path]:
    paths = sorted(gtzan_clips_dir.glob("*/*.flac"))
    assert len(paths) == 50, f"expected 50 clips in {gtzan_clips_dir}, found {len(paths)}"
    return paths


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    return require_shared("mnist")
