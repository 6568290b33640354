#!/usr/bin/env bash
# Whole-process idle figure for the dashboard (issue 2's speed target):
# stacktop runs in a real terminal (tmux, 120x40 by default) at the default
# interval next to 1,000 extra sleeping processes, and this prints the CPU
# time it used, its peak RSS and the bytes it wrote to the terminal.
#
#   cmd/stacktop/bench/idle.sh [SECONDS] [EXTRA_PROCESSES] [TAB_KEY]
#
# Targets: < 2% of one core, < 40 MiB RSS, < 8 KB/s of terminal output.
# Extra arguments after the tab key are passed to stacktop (e.g. --config).
set -euo pipefail
secs=${1:-60}
extra=${2:-1000}
tab=${3:-1}
shift $(( $# < 3 ? $# : 3 ))
cols=${COLS:-120} rows=${ROWS:-40}

command -v tmux >/dev/null || { echo "idle.sh: tmux is missing — apt-get install tmux" >&2; exit 2; }
top=$(cd "$(dirname "$0")/../../.." && pwd)
work=$(mktemp -d)
session="stacktop-idle-$$"
sleepers=()
cleanup() {
	tmux kill-session -t "$session" 2>/dev/null || true
	((${#sleepers[@]})) && kill "${sleepers[@]}" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

(cd "$top" && go build -o "$work/stacktop" ./cmd/stacktop)
for ((i = 0; i < extra; i++)); do
	sleep $((secs + 120)) &
	sleepers+=($!)
done

tmux new-session -d -s "$session" -x "$cols" -y "$rows" "$work/stacktop $*"
tmux pipe-pane -t "$session" -o "cat > $work/terminal.out"
sleep 3 # let it start, take its first polls and settle
tmux send-keys -t "$session" "$tab"
sleep 1
pid=$(tmux display-message -p -t "$session" '#{pane_pid}')
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
t0=$(ticks) b0=$(stat -c %s "$work/terminal.out")
sleep "$secs"
t1=$(ticks) b1=$(stat -c %s "$work/terminal.out")
hwm_kib=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
hz=$(getconf CLK_TCK)
procs=$(ls -d /proc/[0-9]* | wc -l)
awk -v t=$((t1 - t0)) -v hz="$hz" -v s="$secs" -v hwm="$hwm_kib" -v b=$((b1 - b0)) -v p="$procs" -v c="$cols" -v r="$rows" 'BEGIN {
	cpu = t / hz
	printf "stacktop idle %ds at %dx%d with %d processes on the host:\n", s, c, r, p
	printf "  cpu      %.2f s  (%.2f%% of one core; target < 2%%)\n", cpu, cpu * 100 / s
	printf "  peak rss %.1f MiB (target < 40 MiB)\n", hwm / 1024
	printf "  terminal %.0f B/s  (target < 8 KB/s)\n", b / s
}'
tmux send-keys -t "$session" q
