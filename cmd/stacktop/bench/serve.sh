#!/usr/bin/env bash
# Whole-process figures for `stacktop serve` (issue 11's speed targets),
# beside one local dashboard in the same run, same config and size:
#
#   cmd/stacktop/bench/serve.sh [SECONDS] [SESSIONS]
#
# 1. One local dashboard in tmux at 120x40 on the Overview.
# 2. `stacktop serve` with SESSIONS (default 20) real ssh clients, each in a
#    tmux window of 120x40 on the Overview: serve's CPU over SECONDS beside
#    the local dashboard's over the same SECONDS, serve's RSS
#    before the sessions and with them (growth per session), how long each
#    session took from `ssh` starting to its first frame, and key-to-frame
#    latency (a tab key, then the next frame showing that tab) in every
#    session.
#
# Targets: serve's CPU <= 2x the local dashboard's; RSS growth <= 3 MiB per
# session; key-to-frame median <= 100 ms; first frame <= 300 ms after
# authentication (the figure printed includes ssh's own connection and
# authentication, so it is an upper bound).
#
# PROFILE_DIR=DIR also writes pprof CPU profiles of the whole runs of both
# (DIR/local.pprof, DIR/serve.pprof): go tool pprof -top DIR/serve.pprof.
set -euo pipefail
secs=${1:-60}
n=${2:-20}
cols=120 rows=40

for tool in tmux ssh ssh-keygen; do
	command -v "$tool" >/dev/null || { echo "serve.sh: $tool is missing (apt-get install tmux openssh-client)" >&2; exit 2; }
done
top=$(cd "$(dirname "$0")/../../.." && pwd)
work=$(mktemp -d)
sock="$work/tmux.sock"
t() { tmux -S "$sock" "$@"; }
cleanup() {
	t kill-server 2>/dev/null || true
	# serve writes its profile (PROFILE_DIR) as it stops: wait for it.
	[ -n "${serve_pid:-}" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

(cd "$top" && go build -o "$work/stacktop" ./cmd/stacktop)
ssh-keygen -q -t ed25519 -N "" -C bench -f "$work/key"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$work/config.toml" <<EOF
[general]
state_dir = "$work/state"
default_postgres = false
default_docker = false
[serve]
listen = "127.0.0.1:$port"
[[serve.users]]
name = "bench"
role = "operator"
keys = ["$(cat "$work/key.pub")"]
EOF
hz=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
now_ms() { date +%s%3N; }
wait_for() { # PANE TEXT TIMEOUT_MS -> ms waited, or -1
	local start end
	start=$(now_ms)
	while :; do
		if t capture-pane -p -t "$1" 2>/dev/null | grep -qF -- "$2"; then
			end=$(now_ms)
			echo $((end - start))
			return
		fi
		if (($(now_ms) - start > $3)); then
			echo -1
			return
		fi
		sleep 0.01
	done
}
median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) {print "n/a"} else {print a[int((NR+1)/2)]}}'; }

# 1. The local dashboard.
prof() { [ -n "${PROFILE_DIR:-}" ] && echo "STACKTOP_CPUPROFILE=$(cd "$PROFILE_DIR" && pwd)/$1.pprof"; true; }
t new-session -d -s local -x "$cols" -y "$rows" "env $(prof local) $work/stacktop --config $work/config.toml"
wait_for local:0 "[1 Overview]" 20000 >/dev/null
lpid=$(t display-message -p -t local '#{pane_pid}')

# 2. serve with n sessions.
env $(prof serve) "$work/stacktop" serve --config "$work/config.toml" >"$work/serve.out" 2>&1 &
serve_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/serve.out" && break; sleep 0.1; done
sleep 2
rss0=$(rss_kib "$serve_pid")
sshcmd="TERM=xterm-256color exec_ssh -t -o BatchMode=yes -o IdentitiesOnly=yes -o IdentityAgent=none -o StrictHostKeyChecking=no -o UserKnownHostsFile=$work/known_hosts -F /dev/null -i $work/key -p $port bench@127.0.0.1; sleep 600"
sshcmd=${sshcmd/exec_ssh/ssh}
firsts=()
for i in $(seq "$n"); do
	if [ "$i" = 1 ]; then
		t new-session -d -s serve -x "$cols" -y "$rows" "$sshcmd"
	else
		t new-window -t serve "$sshcmd"
	fi
	t resize-window -t "serve:$((i - 1))" -x "$cols" -y "$rows" 2>/dev/null || true
	firsts+=("$(wait_for "serve:$((i - 1))" "[1 Overview]" 20000)")
done
sleep 3
rss1=$(rss_kib "$serve_pid")
# Both over the same seconds: the host's load (and the cost of reading
# its /proc, which both pay) moves from minute to minute.
l0=$(ticks "$lpid") s0=$(ticks "$serve_pid")
sleep "$secs"
l1=$(ticks "$lpid") s1=$(ticks "$serve_pid")
t send-keys -t local q
local_cpu=$(awk -v d=$((l1 - l0)) -v hz="$hz" -v s="$secs" 'BEGIN {printf "%.2f", d * 100 / hz / s}')
lat=()
for i in $(seq 0 $((n - 1))); do
	for key in 2 1; do
		want="[$key "
		t send-keys -t "serve:$i" "$key"
		lat+=("$(wait_for "serve:$i" "$want" 5000)")
	done
done
serve_cpu=$(awk -v d=$((s1 - s0)) -v hz="$hz" -v s="$secs" 'BEGIN {printf "%.2f", d * 100 / hz / s}')
echo "stacktop serve with $n sessions at ${cols}x${rows} on the Overview, beside one local dashboard (the same $secs s):"
awk -v l="$local_cpu" -v s="$serve_cpu" 'BEGIN {printf "  cpu          local %.2f%% of a core · serve %.2f%% · ratio %.2fx (target <= 2x)\n", l, s, (l > 0 ? s / l : 0)}'
awk -v a="$rss0" -v b="$rss1" -v n="$n" 'BEGIN {printf "  rss          %.1f MiB before the sessions, %.1f MiB with them: %.2f MiB per session (target <= 3 MiB)\n", a / 1024, b / 1024, (b - a) / 1024 / n}'
echo "  first frame  median $(printf '%s\n' "${firsts[@]}" | median) ms from ssh starting (includes connection and authentication; target <= 300 ms after authentication)"
echo "  key to frame median $(printf '%s\n' "${lat[@]}" | median) ms over $((n * 2)) keys (target <= 100 ms; polling granularity 10 ms)"
