#!/usr/bin/env bash
# Screenshots of the play scene in each theme, from the real game in a real X session (Xvfb),
# autoplayed: docs/screenshots/play-<theme>-<size>.png. Needs: apt-get install xvfb xdotool
# imagemagick. Usage: play-capture.sh 1280x720 [more sizes, e.g. 1920x1080 3840x2160]
#
# --silent: Xvfb has no sound card, and a level never plays silently unless told to.
# SDL_FRAMEBUFFER_ACCELERATION=0: on Xvfb, SDL's default (texture) window framebuffer presents
# the whole window on every update, so slowly that frames overrun and autoplay never taps.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/docs/screenshots"
for size in "${@:-1280x720}"; do
    width=${size%x*}; height=${size#*x}
    display=:$((60 + RANDOM % 30))
    Xvfb "$display" -screen 0 "${size}x24" -nolisten tcp -noreset >/dev/null 2>&1 &
    xvfb=$!
    sleep 1
    for spec in pond/frog-hop:10 space/rocket-steps:12 parade/heel-toe-walk:12; do
        level=${spec%:*}; wait_s=${spec#*:}; theme=${level%/*}
        data=$(mktemp -d)
        DISPLAY=$display SDL_FRAMEBUFFER_ACCELERATION=0 SDL_AUDIODRIVER=dummy \
            "$root/.venv/bin/python" "$root/run.py" --data-dir "$data" \
            play "$root/levels/$level.yaml" --autoplay --silent >"$data/game.log" 2>&1 &
        game=$!
        window=""
        for _ in $(seq 60); do
            window=$(DISPLAY=$display xdotool search --class run.py 2>/dev/null | tail -1) || true
            [ -n "$window" ] && break
            sleep 0.5
        done
        # The game opens at 1280x720; the window is resizable, so it takes the screen's size.
        DISPLAY=$display xdotool windowmove "$window" 0 0 windowsize "$window" "$width" "$height"
        sleep "$wait_s"
        DISPLAY=$display import -window "$window" "$out/play-$theme-$size.png"
        kill "$game" 2>/dev/null || true
        wait "$game" 2>/dev/null || true
        rm -rf "$data"
    done
    kill "$xvfb" 2>/dev/null || true
    wait "$xvfb" 2>/dev/null || true
done
echo "play screenshots written to $out"
