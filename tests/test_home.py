"""The suite writes nothing into the user's home: HOME and the XDG folders point into a temp folder."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from genre_gui.core.cache import default_cache_path


def test_the_suite_runs_in_a_temporary_home():
    tmp = Path(tempfile.gettempdir()).resolve()
    assert Path(os.path.expanduser("~")).resolve().is_relative_to(tmp)
    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        assert Path(os.environ[var]).resolve().is_relative_to(tmp), var
    assert Path(default_cache_path()).resolve().is_relative_to(tmp)


def test_extract_of_a_missing_folder_creates_nothing(tmp_path, capsys):
    from genre_gui import cli

    cache = tmp_path / "cache" / "features.sqlite"
    code = cli.main(["extract", str(tmp_path / "nope"), "--out", str(tmp_path / "f.csv"),
                     "--cache", str(cache)])
    assert code == 2
    assert capsys.readouterr().err.strip() == f"genre-gui-cli: error: {tmp_path / 'nope'}: no such folder"
    assert not cache.parent.exists() and not (tmp_path / "f.csv").exists()
