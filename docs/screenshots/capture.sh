#!/usr/bin/env bash
# Screenshots of every scene, from the real game in a real X session (Xvfb), driven with
# xdotool and the mouse: in English (NAME-SIZE.png), in Spanish (NAME-es-SIZE.png) and with
# large text (NAME-large-SIZE.png).
# Needs: apt-get install xvfb xdotool imagemagick. Usage: capture.sh [WIDTHxHEIGHT] [variants]
#
# Each run has its own settings, levels and data folders (XDG_CONFIG_HOME, XDG_DATA_HOME,
# --data-dir), so the machine's own are never touched. Xvfb has no sound card: the game runs
# as a therapist chose "silent" in the settings; at the end the output is set back to the
# system default, which has no sound, and the stop screen a child would see is taken too.
set -euo pipefail
size=${1:-1280x720}
variants=${2:-en es large}
width=${size%x*}; height=${size#*x}
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/docs/screenshots"
u() { python3 -c "print(round($1 * min($height / 720, $width / 1280)))"; }  # design px -> px (game/canvas.py)
click() { xdotool mousemove "$1" "$2" click 1; sleep 0.8; }
key() { xdotool key "$@"; sleep 0.7; }

capture() {
    local variant=$1 suffix language=en large=false
    case $variant in
        en) suffix="" ;;
        es) suffix="-es"; language=es ;;
        large) suffix="-large"; large=true ;;
        *) echo "unknown variant $variant (en, es, large)"; exit 2 ;;
    esac
    local work display xvfb game
    work=$(mktemp -d)
    mkdir -p "$work/config/OnBeat" "$work/share" "$work/data"
    printf 'language: %s\nlarge_text: %s\naudio_device: silent\n' "$language" "$large" \
        >"$work/config/OnBeat/settings.yaml"
    display=:$((60 + RANDOM % 30))
    Xvfb "$display" -screen 0 "${size}x24" -nolisten tcp -noreset >/dev/null 2>&1 &
    xvfb=$!
    export DISPLAY=$display
    sleep 1
    XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/share" SDL_FRAMEBUFFER_ACCELERATION=0 \
        "$root/.venv/bin/python" "$root/run.py" --data-dir "$work/data" --window "$size" \
        --autoplay >"$work/game.log" 2>&1 &
    game=$!
    shot() { import -window root "$out/$1$suffix-$size.png"; }
    sleep 7; shot title
    key Return                                   # "Play" -> profiles (nobody yet)
    key Return                                   # "New player"
    xdotool type --delay 80 "Mia"; sleep 0.5; key Right Right; shot new-profile
    click $((width / 2)) "$(u 180)"; shot keyboard  # the name box opens the on-screen keyboard
    key Escape                                   # close the keyboard
    key Down Down Return; sleep 1; shot level-map  # name box -> Owl -> "Let's go!" -> the map
    key Return; sleep 9; shot play               # Tadpole Tap, autoplayed
    key Escape; shot pause
    key Return; sleep 30; shot results           # "Go on"; the level ends, the results
    key Return; sleep 1                          # Enter chooses at once -> the map
    click $((width - $(u 130))) "$(u 86)"; shot stickers
    key Escape; key Escape; sleep 0.5; shot profiles  # -> the map -> profiles
    click $((width - $(u 154))) $((height - $(u 54))); shot settings
    click "$(u 226)" "$(u 447)"; sleep 1.3; shot sound-check  # the right ear sounds now
    key Escape; key Escape                       # -> settings -> profiles
    click $((width - $(u 438))) $((height - $(u 54))); sleep 0.5; shot therapist-profiles
    key Return; sleep 0.5; shot therapist-sessions
    key Return; sleep 1; shot therapist-session
    key Escape; key Escape; key Escape           # -> sessions -> profiles list -> profiles
    click $((width - $(u 154))) $((height - $(u 54)))
    click "$(u 226)" "$(u 375)"; sleep 1; shot settings-no-sound  # silent -> system default
    key Escape; key Return; sleep 0.5            # -> profiles; Mia -> her map
    key Return; sleep 1; shot no-sound           # a level, with no sound: the stop screen
    kill "$game" "$xvfb" 2>/dev/null || true
    wait "$game" "$xvfb" 2>/dev/null || true
    rm -rf "$work"
}

for variant in $variants; do
    capture "$variant"
done
echo "screenshots of $size ($variants) written to $out"
