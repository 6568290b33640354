#!/usr/bin/env bash
# Time from launching the dashboard to its first frame on screen (issue 2's
# speed target: <= 200 ms, never waiting on PostgreSQL or Docker).
#
#   cmd/stacktop/bench/firstframe.sh [RUNS] [stacktop args...]
#
# Each run starts the built binary in a fresh tmux pane at 100x30 and polls
# the pane every 2 ms until the header's "stacktop" appears. The figure
# includes process start, config loading and tmux's own latency, so it
# over-states the program's part slightly. Prints every run and the median.
set -euo pipefail
runs=${1:-10}
shift $(( $# < 1 ? $# : 1 ))
command -v tmux >/dev/null || { echo "firstframe.sh: tmux is missing — apt-get install tmux" >&2; exit 2; }
top=$(cd "$(dirname "$0")/../../.." && pwd)
work=$(mktemp -d)
session="stacktop-ff-$$"
trap 'tmux kill-session -t "$session" 2>/dev/null || true; rm -rf "$work"' EXIT
(cd "$top" && go build -o "$work/stacktop" ./cmd/stacktop)
tmux new-session -d -s "$session" -x 100 -y 30 "sleep 3600"
tmux set-option -t "$session" remain-on-exit on >/dev/null

times=()
for ((i = 0; i < runs; i++)); do
	rm -f "$work/t0"
	# The pane records the time just before it execs stacktop.
	tmux respawn-pane -k -t "$session" "date +%s%N > $work/t0; exec $work/stacktop $*"
	until [ -s "$work/t0" ]; do sleep 0.001; done
	start=$(cat "$work/t0")
	while ! tmux capture-pane -p -t "$session" | grep -q "stacktop"; do
		sleep 0.002
		if (( $(date +%s%N) - start > 5000000000 )); then echo "run $i: no frame within 5 s" >&2; exit 1; fi
	done
	now=$(date +%s%N)
	ms=$(( (now - start) / 1000000 ))
	times+=("$ms")
	echo "run $i: first frame after ${ms} ms"
	tmux send-keys -t "$session" q
	sleep 0.3
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "median %d ms over %d runs (target <= 200 ms)\n", a[int((NR+1)/2)], NR}'
