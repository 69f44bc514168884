#!/usr/bin/env bash
# Screenshots of every scene, from the real game in a real X session (Xvfb), driven with
# xdotool. Needs: apt-get install xvfb xdotool imagemagick. Usage: capture.sh 1280x720
set -euo pipefail
size=${1:-1280x720}
width=${size%x*}; height=${size#*x}
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/docs/screenshots"
data=$(mktemp -d)
display=:$((60 + RANDOM % 30))
Xvfb "$display" -screen 0 "${size}x24" -nolisten tcp -noreset >/dev/null 2>&1 &
xvfb=$!
trap 'kill $game $xvfb 2>/dev/null || true; rm -rf "$data"' EXIT
export DISPLAY=$display
sleep 1
u() { python3 -c "print(round($1 * min($height / 720, $width / 1280)))"; }  # design px -> px (game/canvas.py)
shot() { import -window root "$out/$1-$size.png"; }
click() { xdotool mousemove "$1" "$2" click 1; sleep 0.8; }
key() { xdotool key "$@"; sleep 0.7; }

"$root/.venv/bin/python" "$root/run.py" --data-dir "$data" --window "$size" --autoplay \
    >"$data/game.log" 2>&1 &
game=$!
sleep 6; shot title
key Return                      # -> profiles (nobody yet)
key Return                      # "New player"
xdotool type --delay 60 "Mia"; key Right Right Return; shot new-profile
key Down Return; shot profiles  # "Let's go!" -> profiles with Mia
key Return; sleep 1; shot level-map
key Return; sleep 9; shot play  # the easiest pond level, autoplayed
key Escape; shot pause
key Return; sleep 40; shot results
key Return                      # -> level map
click $((width - $(u 130))) "$(u 86)"; shot stickers
key Escape; key Escape          # -> level map -> profiles
click $((width - $(u 154))) $((height - $(u 54))); shot settings
key Escape
click $((width - $(u 428))) $((height - $(u 54))); shot therapist-profiles
key Return; shot therapist-sessions
key Return; sleep 1; shot therapist-session
echo "screenshots of $size written to $out"
