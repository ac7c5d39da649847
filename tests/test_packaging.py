"""Desktop integration files: valid by the freedesktop validators, and installed/removed per user."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "packaging"
APP_ID = "io.github.genre_gui.GenreGui"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{name} is missing: scripts/system_deps.sh installs it")
        pytest.skip(f"{name} not installed")
    return path


def test_desktop_file_validates():
    out = subprocess.run([_tool("desktop-file-validate"), str(PKG / f"{APP_ID}.desktop")],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "error" not in (out.stdout + out.stderr).lower()


def test_metainfo_validates():
    out = subprocess.run([_tool("appstreamcli"), "validate", "--no-net", str(PKG / f"{APP_ID}.metainfo.xml")],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_desktop_entry_opens_audio_files():
    entry = configparser.ConfigParser(interpolation=None)
    entry.read(PKG / f"{APP_ID}.desktop")
    d = entry["Desktop Entry"]
    assert d["Exec"].endswith("%F")  # files (songs, folders) handed to the app
    mimes = d["MimeType"].split(";")
    assert {"audio/flac", "audio/x-wav", "audio/mpeg", "audio/ogg"} <= set(mimes)


def test_install_and_uninstall_for_the_current_user(tmp_path):
    exe = Path(sys.executable).with_name("genre-gui")
    if not exe.exists():
        pytest.skip(f"{exe} not installed (pip install -e .)")
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path))
    out = subprocess.run(["bash", str(PKG / "install_desktop.sh"), str(exe)], capture_output=True, text=True,
                         env=env)
    assert out.returncode == 0, out.stderr
    desktop = tmp_path / "applications" / f"{APP_ID}.desktop"
    assert f'Exec="{exe}" %F' in desktop.read_text()
    assert (tmp_path / "icons/hicolor/256x256/apps" / f"{APP_ID}.png").exists()
    assert (tmp_path / "icons/hicolor/scalable/apps" / f"{APP_ID}.svg").exists()
    assert (tmp_path / "metainfo" / f"{APP_ID}.metainfo.xml").exists()
    out = subprocess.run(["bash", str(PKG / "install_desktop.sh"), "--uninstall"], capture_output=True,
                         text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert not desktop.exists()
    assert not (tmp_path / "icons/hicolor/256x256/apps" / f"{APP_ID}.png").exists()


def test_install_refuses_a_missing_executable(tmp_path):
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path))
    out = subprocess.run(["bash", str(PKG / "install_desktop.sh"), str(tmp_path / "nope")],
                         capture_output=True, text=True, env=env)
    assert out.returncode != 0 and "not executable" in out.stderr
    assert not (tmp_path / "applications").exists()
