#!/usr/bin/env bash
# Installs the Debian packages the app and its tests need. As root it runs apt-get; otherwise it prints
# the exact command, because a user session cannot (and should not silently try to) become root.
set -u
PKGS="libgl1 libegl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0 libportaudio2 \
xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxkbcommon-x11-0 \
libxcb-randr0 libxcb-render-util0 libxcb-image0 libxcb-xinerama0 libxcb-xkb1 \
pulseaudio pulseaudio-utils desktop-file-utils appstream espeak-ng"
command -v dpkg-query >/dev/null 2>&1 || { echo "system_deps: not a Debian system; install the equivalents of: $PKGS"; exit 0; }
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ]; then
  echo "system_deps: installing:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq $missing >/dev/null \
    || { echo "system_deps: apt-get failed for:$missing" >&2; exit 1; }
else
  echo "system_deps: missing Debian packages. Run as root:"
  echo "  apt-get install -y$missing"
fi
