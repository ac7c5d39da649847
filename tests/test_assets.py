"""The app's assets: all in the top-level resources/, found through genre_gui/assets.py alone, and shipped in
the wheel (the PyInstaller bundle's copy is checked by packaging/smoke_test.py, run by ``make bundle``)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from genre_gui import assets

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "genre_gui"
#: the assets' file names, so that none is spelled anywhere but assets.py
ASSET_NAMES = {p.name for p in assets.ALL}


def test_every_asset_is_in_the_top_level_resources_folder():
    assert assets.ROOT == ROOT / "resources"  # a source tree or an editable install (what make uses)
    for path in assets.ALL:
        assert path.is_file(), path
        assert assets.ROOT in path.parents, path
    assert set(assets.LICENCES) <= set(assets.ALL)
    left = [p for p in (PACKAGE / "resources").rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    assert left == [], "the assets moved to the top-level resources/ folder"


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def _path_computations(path: Path, root: Path = ROOT) -> list[str]:
    """Ways of reaching a file next to the code: ``__file__``, ``sys._MEIPASS``, importlib.resources or
    pkgutil data, a "resources" folder name, or an asset's file name (docstrings aside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        what = None
        if isinstance(node, ast.Name) and node.id == "__file__":
            what = "__file__"
        elif isinstance(node, ast.Attribute) and node.attr in ("_MEIPASS", "get_data"):
            what = node.attr
        elif isinstance(node, ast.ImportFrom) and node.module in ("importlib.resources", "pkg_resources"):
            what = node.module
        elif isinstance(node, ast.ImportFrom) and node.module == "importlib" and any(
                a.name == "resources" for a in node.names):
            what = "importlib.resources"
        elif isinstance(node, ast.Import) and any(
                a.name in ("importlib.resources", "pkg_resources") for a in node.names):
            what = "importlib.resources"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            parts = set(node.value.replace("\\", "/").split("/"))
            if "resources" in parts or parts & ASSET_NAMES:
                what = repr(node.value)
        if what:
            found.append(f"{path.relative_to(root)}:{node.lineno} {what}")
    return found


def test_no_asset_path_is_computed_outside_assets_py():
    offenders = [hit for p in sorted(PACKAGE.rglob("*.py")) if p.name != "assets.py"
                 for hit in _path_computations(p)]
    assert offenders == [], "asset paths go through genre_gui/assets.py only: " + ", ".join(offenders)


def test_tests_and_benchmarks_take_asset_paths_from_assets_py():
    # they may find their own files with __file__, but never the app's resources folder by hand
    offenders = [hit for d in ("tests", "bench", "scripts") for p in sorted((ROOT / d).rglob("*.py"))
                 if p != Path(__file__).resolve()
                 for hit in _path_computations(p) if "resources" in hit.split(" ", 1)[1]]
    assert offenders == [], "use genre_gui.assets: " + ", ".join(offenders)


def test_the_grep_sees_a_planted_asset_path(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text('"""A module that mentions default_model.npz in its docstring only."""\n'
                       "from pathlib import Path\n\n"
                       'TABLE = Path(__file__).parent / "resources" / "features_30_sec.csv"\n',
                       encoding="utf-8")
    hits = sorted(h.split(" ", 1)[1] for h in _path_computations(planted, tmp_path))
    assert hits == ["'features_30_sec.csv'", "'resources'", "__file__"], hits


@pytest.mark.slow
def test_the_wheel_ships_the_assets_and_no_developer_tools(tmp_path):
    """Build the wheel, install it (no dependencies needed for this) and look from outside the source tree."""
    pip = [sys.executable, "-m", "pip"]
    out = subprocess.run([*pip, "wheel", "-q", "--no-deps", "-w", str(tmp_path / "whl"), str(ROOT)],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    (wheel,) = (tmp_path / "whl").glob("genre_gui-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {p.relative_to(assets.ROOT).as_posix() for p in assets.ROOT.rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    assert {p.relative_to(assets.ROOT).as_posix() for p in assets.ALL} <= shipped
    for rel in shipped:  # everything in resources/, not only what assets.py names
        assert f"genre_gui/resources/{rel}" in names, rel
    assert "genre_gui/assets.py" in names and "genre_gui/audio/playback.py" in names
    assert not [n for n in names if "screenshots" in n or n.startswith(("tests/", "scripts/", "bench/"))]
    tops = {n.split("/")[0] for n in names}
    assert tops == {"genre_gui", wheel.name.split("-py3")[0] + ".dist-info"}, tops
    target = tmp_path / "site"
    out = subprocess.run([*pip, "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    code = ("import genre_gui.assets as a; print(a.__file__); print(a.ROOT); "
            "print(all(p.is_file() for p in a.ALL))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                         timeout=60, env={**os.environ, "PYTHONPATH": str(target)})
    assert out.returncode == 0, out.stderr
    file, root, ok = out.stdout.split()
    assert Path(file).is_relative_to(target), file  # the installed copy, not this tree's
    assert Path(root) == target / "genre_gui" / "resources"
    assert ok == "True"
