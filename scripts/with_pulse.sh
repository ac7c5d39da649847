#!/usr/bin/env bash
# Runs a command with a private PulseAudio daemon providing a virtual sink (vsink) and a virtual
# microphone (virtmic) that records what is played into vsink. CI has no sound card; this is a real
# audio server, so the microphone tests exercise real PortAudio streams. The daemon is stopped by PID.
set -u
XDG_RUNTIME_DIR=$(mktemp -d); export XDG_RUNTIME_DIR; chmod 700 "$XDG_RUNTIME_DIR"
# a home of its own: the daemon's cookie (~/.config/pulse), the feature cache and settings written by
# tests stay in this temp folder, and the daemon and its clients agree on the cookie
export HOME="$XDG_RUNTIME_DIR/home" XDG_CONFIG_HOME="$XDG_RUNTIME_DIR/home/.config"
export XDG_CACHE_HOME="$XDG_RUNTIME_DIR/home/.cache" XDG_DATA_HOME="$XDG_RUNTIME_DIR/home/.local/share"
mkdir -p "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_DATA_HOME"
if ! command -v pulseaudio >/dev/null 2>&1; then
  echo "with_pulse: pulseaudio not installed; running without a virtual microphone" >&2
  "$@"; status=$?; rm -rf "$XDG_RUNTIME_DIR"; exit $status
fi
export PULSE_RUNTIME_PATH="$XDG_RUNTIME_DIR/pulse"
pulseaudio -n --daemonize=no --exit-idle-time=-1 --system=false --disallow-exit \
  --load=module-native-protocol-unix \
  --load="module-null-sink sink_name=vsink rate=48000" \
  --load="module-remap-source master=vsink.monitor source_name=virtmic" \
  >"$XDG_RUNTIME_DIR/pulse.log" 2>&1 &
PA_PID=$!
cleanup() { kill "$PA_PID" 2>/dev/null; wait "$PA_PID" 2>/dev/null; rm -rf "$XDG_RUNTIME_DIR"; }
trap cleanup EXIT
ok=0
for _ in $(seq 1 50); do
  if pactl info >/dev/null 2>&1; then ok=1; break; fi
  sleep 0.1
done
if [ "$ok" = 1 ]; then
  pactl set-default-sink vsink; pactl set-default-source virtmic
  export GENRE_GUI_PULSE=1
else
  echo "with_pulse: PulseAudio did not start:" >&2; cat "$XDG_RUNTIME_DIR/pulse.log" >&2
fi
"$@"
