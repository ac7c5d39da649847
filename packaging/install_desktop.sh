#!/usr/bin/env bash
# Installs (or with --uninstall removes) the desktop entry, AppStream metadata and icons for the current
# user under ~/.local/share, so the app shows in the menu, opens with a double-click and appears in
# "Open with" for audio files. Exec points at this checkout's venv (or at the bundle when given).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
id=io.github.genre_gui.GenreGui
data=${XDG_DATA_HOME:-$HOME/.local/share}
if [ "${1:-}" = "--uninstall" ]; then
  rm -f "$data/applications/$id.desktop" "$data/metainfo/$id.metainfo.xml" \
        "$data/icons/hicolor/scalable/apps/$id.svg" "$data/icons/hicolor/256x256/apps/$id.png"
  command -v update-desktop-database >/dev/null && update-desktop-database -q "$data/applications" || true
  echo "removed $id from $data"
  exit 0
fi
exe=${1:-$(cd "$here/.." && pwd)/.venv/bin/genre-gui}
[ -x "$exe" ] || { echo "install_desktop: $exe is not executable (run 'make run' or 'make bundle' first)" >&2; exit 1; }
mkdir -p "$data/applications" "$data/metainfo" "$data/icons/hicolor/scalable/apps" "$data/icons/hicolor/256x256/apps"
sed "s|^Exec=.*|Exec=\"$exe\" %F|" "$here/$id.desktop" > "$data/applications/$id.desktop.tmp"
mv "$data/applications/$id.desktop.tmp" "$data/applications/$id.desktop"
cp "$here/$id.metainfo.xml" "$data/metainfo/"
cp "$here/../resources/genre_gui.svg" "$data/icons/hicolor/scalable/apps/$id.svg"  # also the window's
cp "$here/genre_gui.png" "$data/icons/hicolor/256x256/apps/$id.png"
command -v update-desktop-database >/dev/null && update-desktop-database -q "$data/applications" || true
command -v desktop-file-validate >/dev/null && desktop-file-validate "$data/applications/$id.desktop"
echo "installed $id for $(id -un): $data/applications/$id.desktop -> $exe"
