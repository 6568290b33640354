#!/usr/bin/env bash
# Whole-process figures for stacktop beside its peers (issue 12): each tool
# runs in its own tmux terminal of the same size, for the same time, under
# the same load, and this prints one column per tool: CPU (% of one core),
# bytes written to the terminal per second, peak RSS.
#
#   cmd/stacktop/bench/peers.sh SCENARIO [SECONDS] [REPEATS]
#
# Scenarios:
#   host      +1,000 sleeping processes; stacktop's Host tab beside htop and
#             btop (and glances when installed), all at a 2 s refresh, run
#             at the same time so they see the same machine.
#   docker    100 idle containers of a helper image built here (no
#             registry); stacktop's Docker tab beside `docker stats` (and
#             lazydocker when installed), one after the other, with the
#             engine's CPU (dockerd, containerd, the containers' shims)
#             above a minute with no tool running: "tool + engine".
#   postgres  handed to peers_postgres.sh beside this script.
#
# Defaults: 60 s measured after a 10 s warm-up (WARMUP=), two repeats, at
# 120x40 (COLS=, ROWS=). STACKTOP_BIN= uses a built binary instead of
# building one. Extra processes and containers are removed on exit.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
scenario=${1:-}
case "$scenario" in
host | docker) ;;
postgres)
	[[ -f "$here/peers_postgres.sh" ]] || {
		echo "peers.sh: $here/peers_postgres.sh is missing — the postgres scenario lives there" >&2
		exit 2
	}
	shift
	exec bash "$here/peers_postgres.sh" "$@"
	;;
*)
	echo "usage: peers.sh host|docker|postgres [SECONDS] [REPEATS]" >&2
	exit 2
	;;
esac
secs=${2:-60}
reps=${3:-2}
warm=${WARMUP:-10}
cols=${COLS:-120} rows=${ROWS:-40}
hz=$(getconf CLK_TCK)

command -v tmux >/dev/null || { echo "peers.sh: tmux is missing — apt-get install tmux" >&2; exit 2; }
top=$(cd "$here/../../.." && pwd)
work=$(mktemp -d)
sock="stacktop-peers-$$"
sleepers=()
run="bench$$"
image=""
cleanup() {
	tmux -L "$sock" kill-server 2>/dev/null || true
	((${#sleepers[@]})) && kill "${sleepers[@]}" 2>/dev/null || true
	if [[ -n "$image" ]]; then
		ids=$(docker ps -aq --filter "label=stacktop.bench=$run" 2>/dev/null || true)
		[[ -n "$ids" ]] && docker rm -f $ids >/dev/null 2>&1 || true
		docker rmi -f "$image" >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bin=${STACKTOP_BIN:-}
if [[ -z "$bin" ]]; then
	(cd "$top" && go build -o "$work/stacktop" ./cmd/stacktop)
	bin="$work/stacktop"
fi

# Throwaway config directories: htop writes its settings on exit, btop
# reads its refresh from btop.conf (update_ms).
mkdir -p "$work/home/.config/btop"
printf 'update_ms = 2000\n' >"$work/home/.config/btop/btop.conf"
peerenv="env HOME=$work/home XDG_CONFIG_HOME=$work/home/.config LANG=C.UTF-8 LC_ALL=C.UTF-8"

# Tools of the scenario: names, commands (exec'd, so the pane's process is
# the tool), and the keys sent once it is up.
names=() cmds=() keys=()
tool() { names+=("$1") cmds+=("$2") keys+=("${3:-}"); }
if [[ $scenario == host ]]; then
	tool stacktop "exec $bin" 2
	command -v htop >/dev/null && tool htop "exec $peerenv htop -d 20"
	command -v btop >/dev/null && tool btop "exec $peerenv btop --utf-force"
	command -v glances >/dev/null && tool glances "exec $peerenv glances -t 2"
else
	tool stacktop "exec $bin" 4
	tool "docker stats" "exec docker stats"
	command -v lazydocker >/dev/null && tool lazydocker "exec $peerenv lazydocker"
fi

# start i: a tmux session for tool i, its output appended to out.i.
start() {
	local i=$1
	: >"$work/out.$i"
	tmux -L "$sock" -f /dev/null new-session -d -s "t$i" -x "$cols" -y "$rows" "${cmds[$i]}"
	tmux -L "$sock" pipe-pane -t "t$i" -o "cat >> $work/out.$i"
	pid[$i]=$(tmux -L "$sock" display-message -p -t "t$i" '#{pane_pid}')
}
# press i: sends tool i its keys once it has drawn.
press() { [[ -n "${keys[$1]}" ]] && tmux -L "$sock" send-keys -t "t$1" "${keys[$1]}" || true; }
stop() { tmux -L "$sock" kill-session -t "t$1" 2>/dev/null || true; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
bytes() { stat -c %s "$work/out.$1"; }
hwm() { awk '/VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
alive() { kill -0 "$1" 2>/dev/null || { echo "peers.sh: ${names[$2]} exited early — run it by hand in a terminal to see why" >&2; exit 1; }; }

declare -a pid t0 b0 cpu tput rss eng
e0=0 e1=0
# measure i...: tools i... at once: warm up, then count secs.
measure() {
	local i
	for i in "$@"; do start "$i"; done
	sleep 2
	for i in "$@"; do press "$i"; done
	sleep $((warm > 2 ? warm - 2 : 0))
	for i in "$@"; do alive "${pid[$i]}" "$i"; t0[$i]=$(ticks "${pid[$i]}") b0[$i]=$(bytes "$i"); done
	[[ $scenario == docker ]] && e0=$(engineticks)
	sleep "$secs"
	[[ $scenario == docker ]] && e1=$(engineticks)
	for i in "$@"; do
		alive "${pid[$i]}" "$i"
		cpu[$i]=$(awk -v t=$(($(ticks "${pid[$i]}") - t0[$i])) -v hz="$hz" -v s="$secs" 'BEGIN {printf "%.2f", t * 100 / hz / s}')
		tput[$i]=$(awk -v b=$(($(bytes "$i") - b0[$i])) -v s="$secs" 'BEGIN {printf "%.0f", b / s}')
		rss[$i]=$(awk -v k="$(hwm "${pid[$i]}")" 'BEGIN {printf "%.1f", k / 1024}')
		stop "$i"
	done
}

# row LABEL VALUES...: one line of the table, a column per tool.
row() {
	printf '%-34s' "$1"
	shift
	printf '%14s' "$@"
	printf '\n'
}
header() {
	printf '\n%s\n' "$1"
	row "figure" "${names[@]}"
}
# ratios FIGURE ARRAY-NAME: stacktop's figure over each peer's.
ratios() {
	local -n a=$2
	local out=() i
	for i in "${!names[@]}"; do
		out+=("$(awk -v s="${a[0]}" -v p="${a[$i]}" 'BEGIN {if (p > 0 && s >= 0) printf "%.3g", s / p; else print "-"}')")
	done
	row "  stacktop / tool, $1" "${out[@]}"
}

load() { cut -d' ' -f1-3 /proc/loadavg; }

if [[ $scenario == host ]]; then
	for ((i = 0; i < 1000; i++)); do
		sleep $(((warm + secs) * reps + 300)) &
		sleepers+=($!)
	done
	all=(/proc/[0-9]*)
	procs=${#all[@]}
	echo "host: ${names[*]} side by side at ${cols}x${rows}, ${secs} s after ${warm} s warm-up, $procs processes on the host"
	for ((r = 1; r <= reps; r++)); do
		measure "${!names[@]}"
		header "repeat $r (load $(load))"
		row "CPU, % of one core" "${cpu[@]}"
		row "terminal, bytes/s" "${tput[@]}"
		row "peak RSS, MiB" "${rss[@]}"
		ratios "CPU" cpu
		ratios "bytes" tput
	done
	exit 0
fi

# docker: 100 idle containers of a one-file image built from the tests'
# helper program, so nothing comes from a registry.
command -v docker >/dev/null || { echo "peers.sh: docker is missing" >&2; exit 2; }
docker info >/dev/null 2>&1 || { echo "peers.sh: the Docker engine does not answer — start it, or check the user may use its socket" >&2; exit 2; }
n=${CONTAINERS:-100}
mkdir -p "$work/img"
(cd "$top" && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$work/img/helper" ./collectors/docker/dockertest/helperimage)
image="stacktop-bench-helper:$run"
tar -C "$work/img" -cf - helper | docker import --change 'ENTRYPOINT ["/helper"]' --change 'CMD ["idle"]' \
	--change "LABEL stacktop.bench=$run" - "$image" >/dev/null
ids=()
for ((i = 0; i < n; i++)); do
	ids+=("$(docker create --label "stacktop.bench=$run" --name "stacktop-bench-$run-$i" "$image")")
done
docker start "${ids[@]}" >/dev/null
# The engine: dockerd, containerd and the shims of these containers.
engine=($(pgrep -x dockerd || true) $(pgrep -x containerd || true))
for id in "${ids[@]}"; do
	p=$(docker inspect -f '{{.State.Pid}}' "$id")
	engine+=("$(awk '{print $4}' "/proc/$p/stat")")
done
engineticks() {
	local s=0 p
	for p in "${engine[@]}"; do s=$((s + $(ticks "$p"))); done
	echo "$s"
}
# A minute with no tool running: what the engine costs anyway.
idle() {
	sleep "$warm"
	local e0
	e0=$(engineticks)
	sleep "$secs"
	echo $(($(engineticks) - e0))
}
echo "docker: ${names[*]} one after the other at ${cols}x${rows}, ${secs} s each after ${warm} s warm-up, $n idle containers ($(docker ps -q | wc -l) running on the engine)"
permin() { awk -v t="$1" -v hz="$hz" -v s="$secs" 'BEGIN {printf "%.1f", t / hz * 60 / s}'; }
for ((r = 1; r <= reps; r++)); do
	# The idle engine before and after the tools: other work on the
	# engine moves it, and the spread says by how much.
	before=$(idle)
	for i in "${!names[@]}"; do
		measure "$i"
		eng[$i]=$((e1 - e0))
	done
	after=$(idle)
	base=$(((before + after) / 2))
	header "repeat $r (load $(load); idle engine $(permin "$before") then $(permin "$after") s/min)"
	above=()
	for i in "${!names[@]}"; do
		# tool + engine above the idle engine, CPU seconds per minute.
		above+=("$(awk -v c="${cpu[$i]}" -v e="${eng[$i]}" -v b="$base" -v hz="$hz" -v s="$secs" \
			'BEGIN {printf "%.1f", c * 60 / 100 + (e - b) / hz * 60 / s}')")
	done
	row "CPU, % of one core (tool)" "${cpu[@]}"
	row "tool + engine above idle, s/min" "${above[@]}"
	row "terminal, bytes/s" "${tput[@]}"
	row "peak RSS, MiB" "${rss[@]}"
	ratios "CPU + engine" above
	ratios "bytes" tput
done
