#!/usr/bin/env bash
# Screenshots of the kiosk station (docs/kiosk.md) from the real kiosk in a real X session
# (Xvfb), driven with xdotool. Needs: apt-get install xvfb xdotool imagemagick.
# Usage: kiosk-capture.sh 1280x720
set -euo pipefail
size=${1:-1280x720}
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/docs/screenshots"
work=$(mktemp -d)
data="$work/data"
display=:$((60 + RANDOM % 30))
py="$root/.venv/bin/python"
Xvfb "$display" -screen 0 "${size}x24" -nolisten tcp -noreset >/dev/null 2>&1 &
xvfb=$!
kiosk=""
trap 'kill ${kiosk:-} $xvfb 2>/dev/null || true; rm -rf "$work"' EXIT
export DISPLAY=$display XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/share"
export SDL_AUDIODRIVER=${SDL_AUDIODRIVER:-dummy}
sleep 1
shot() { import -window root "$out/kiosk-$1-$size.png"; }
key() { xdotool key --delay 80 "$@"; sleep 0.8; }

# A station with a PIN; Mia, whose plan's first stop (the assessment) is done; Leo, whose
# one-level plan is done for today.
echo 2468 | "$py" "$root/run.py" kiosk setup --data-dir "$data" >/dev/null
codes=$(cd "$root" && "$py" - "$data" <<'PY'
import sys
from engine.store.opening import open_store
from engine.store.records import SessionRecord
store = open_store(sys.argv[1])
code = store.profile_for("Mia").code
store.set_profile_details(code, None, "fox")
print(code)
print(store.profile_for("Leo").code)
store.close()
PY
)
mia=$(echo "$codes" | sed -n 1p); leo=$(echo "$codes" | sed -n 2p)
"$py" "$root/run.py" plans set "$mia" "$root/plans/hands-first.yaml" --data-dir "$data" >/dev/null
printf 'format: 1\ntitle: One frog\nlevels: [frog-hop]\nassessment_every: 0\n' >"$work/one.yaml"
"$py" "$root/run.py" plans set "$leo" "$work/one.yaml" --data-dir "$data" >/dev/null
(cd "$root" && "$py" - "$data" "$mia" "$leo" <<'PY'
import sys
from datetime import UTC, datetime, timedelta
from engine.store.opening import open_store
from engine.store.records import SessionRecord
store = open_store(sys.argv[1])
for code, level_id in ((sys.argv[2], "standard"), (sys.argv[3], "frog-hop")):
    plan = store.assigned_plan(code)
    start = datetime.now(UTC) - timedelta(minutes=20)
    session_id = store.start_session(SessionRecord(
        profile_code=code, level_id=level_id, level_title=level_id,
        level_path=f"{level_id}.yaml", started_at_utc=start.isoformat(),
        station="demo", sample_rate_hz=48000, input_offset_ms=0.0, output_latency_ms=10.0,
        plan_id=plan.plan_id, plan_visit=1, plan_stop=0))
    store.end_session(session_id, (start + timedelta(minutes=16)).isoformat(), "complete")
store.close()
PY
)

"$py" "$root/run.py" kiosk --data-dir "$data" >"$work/kiosk.log" 2>&1 &
kiosk=$!
sleep 8; shot attract
key Return; shot players          # Mia and Leo: avatars and names only
key Return; sleep 1; shot plan    # Mia's path: the assessment done, Frog Hop next
key ctrl+alt+shift+t
xdotool type --delay 120 "13"; sleep 0.5; shot pin
key BackSpace BackSpace 2 4 6 8 Return; shot menu
key Tab Tab Return; sleep 0.5; shot plans
key Escape Escape Return        # the plans' back, back again, the menu's "Back to the child"
key Return Right Return; sleep 1; shot celebration   # Leo's run is done for today
kill $kiosk; wait $kiosk || true
"$py" "$root/run.py" kiosk --data-dir "$data" --role call-therapist >>"$work/kiosk.log" 2>&1 &
kiosk=$!
sleep 4; shot call                # what repeated crashes show instead of restarting
echo "kiosk screenshots of $size written to $out"
