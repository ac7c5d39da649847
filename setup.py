"""What pyproject.toml cannot say: the wheel ships the top-level ``resources/`` folder (the app's assets) as
``genre_gui/resources``, next to the code. genre_gui/assets.py finds it there, or beside the package in a
source tree or editable install, or in the PyInstaller bundle. Everything else is in pyproject.toml."""

from pathlib import Path

from setuptools import find_packages, setup

# resources/ and each folder in it become data-only packages (no __init__.py; nothing imports them) so
# that setuptools copies every file: a new asset or asset folder needs no change here
folders = [Path("resources"), *sorted(p for p in Path("resources").rglob("*")
                                      if p.is_dir() and p.name != "__pycache__")]
assets = {".".join(("genre_gui", *folder.parts)): ["*"] for folder in folders}

setup(
    packages=[*find_packages(include=["genre_gui", "genre_gui.*"]), *assets],
    package_dir={"genre_gui.resources": "resources"},
    package_data=assets,
)
