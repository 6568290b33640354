#!/usr/bin/env bash
# Whole-process side-by-side figures on the Postgres tab (issue 12): stacktop
# and its peers (pg_activity, and pg_top when installed) each run in a real
# terminal (tmux at 120x40, 2 s refresh) against the same throwaway cluster
# under the same load, one after the other, for the same time after the
# same warm-up. For each it prints:
#   - server time per refresh: execution + planning time pg_stat_statements
#     recorded for the tool's own role over the window, divided by the
#     refreshes in it (window / 2 s); execution alone in brackets;
#   - its own CPU, % of one core (utime + stime of the process);
#   - the bytes it wrote to the terminal per second (tmux pipe-pane).
#
#   cmd/stacktop/bench/peers_postgres.sh [SECONDS] [IDLE_BACKENDS] [TPS]
#
# Defaults: 60 s measured after a 10 s warm-up, 500 idle backends, pgbench
# at 200 transactions per second. Set TOOLS="stacktop pg_activity" to pick
# the tools (default: stacktop, then every peer installed). Needs root (the
# server runs as the postgres OS user), the PostgreSQL server binaries
# (/usr/lib/postgresql/*/bin), tmux, and go to build stacktop.
#
# stacktop runs with a config that watches this cluster only (no Docker, so
# other containers on the machine do not count against it); the host
# collector runs as always. HOLD=SECONDS keeps the setup up that long before
# measuring, to look at it by hand (it prints where the cluster listens).
set -euo pipefail
secs=${1:-60}
idle=${2:-500}
tps=${3:-200}
warm=${WARMUP:-10}
cols=120 rows=40 refresh=2

die() { echo "peers_postgres.sh: $*" >&2; exit 2; }
command -v tmux >/dev/null || die "tmux is missing — apt-get install tmux"
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/postgres" ] || die "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin — apt-get install postgresql"
[ "$(id -u)" = 0 ] || die "run as root: the server runs as the postgres OS user"
id postgres >/dev/null 2>&1 || die "no postgres OS user — apt-get install postgresql"
tools=${TOOLS:-stacktop $(for p in pg_activity pg_top; do command -v "$p" >/dev/null && printf '%s ' "$p"; done)}

top=$(cd "$(dirname "$0")/../../.." && pwd)
work=$(mktemp -d /tmp/stacktop-peers-XXXXXX)
chmod 755 "$work"
chown postgres: "$work"
sock="$work/tmux.sock"
t() { tmux -S "$sock" "$@"; }
pids=()
cleanup() {
	t kill-server 2>/dev/null || true
	((${#pids[@]})) && kill "${pids[@]}" 2>/dev/null || true
	[ -f "$work/data/postmaster.pid" ] && runuser -u postgres -- "$bin/pg_ctl" -D "$work/data" -m immediate -w stop >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
trap "exit 130" INT TERM

(cd "$top" && go build -o "$work/stacktop" ./cmd/stacktop)

# The cluster, as collectors/postgres/pgtest builds it.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
super=peers-super
echo "$super" >"$work/pwfile"
runuser -u postgres -- "$bin/initdb" -D "$work/data" -U postgres --pwfile "$work/pwfile" \
	--auth-host=scram-sha-256 --auth-local=trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
cat >>"$work/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$work'
max_connections = $((idle + 100))
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
pg_stat_statements.track_planning = on
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 128MB
track_io_timing = on
EOF
runuser -u postgres -- "$bin/pg_ctl" -D "$work/data" -l "$work/server.log" -w -t 60 start >/dev/null
export PGHOST=127.0.0.1 PGPORT=$port PGSSLMODE=disable
psql_super() { PGUSER=postgres PGPASSWORD=$super "$bin/psql" -X -q -v ON_ERROR_STOP=1 -At "$@"; }
psql_super -d postgres -c "CREATE EXTENSION pg_stat_statements" -c "CREATE DATABASE bench"
for r in stacktop_peer pga_peer pgtop_peer; do
	psql_super -d postgres -c "CREATE ROLE $r LOGIN PASSWORD '$r-pw' IN ROLE pg_monitor"
done
PGUSER=postgres PGPASSWORD=$super "$bin/pgbench" -q -i -s 10 bench >/dev/null 2>&1

# Idle sessions: pgbench clients that run one query, then sleep.
printf 'SELECT 1 /* idle session */;\n\\sleep 100000 s\n' >"$work/idle.sql"
PGUSER=postgres PGPASSWORD=$super PGAPPNAME=idle_app "$bin/pgbench" -n -c "$idle" -j 2 -T 100000 \
	-f "$work/idle.sql" postgres >/dev/null 2>&1 &
pids+=($!)
PGUSER=postgres PGPASSWORD=$super "$bin/pgbench" -n -R "$tps" -c 4 -j 2 -T 100000 bench >/dev/null 2>&1 &
pids+=($!)
for ((i = 0; i < 120; i++)); do
	n=$(psql_super -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'idle_app' AND state = 'idle'")
	((n >= idle)) && break
	sleep 1
done
((n >= idle)) || die "only $n of $idle idle sessions connected"

cat >"$work/config.toml" <<EOF
[general]
state_dir = "$work/state"
interval = "${refresh}s"
default_postgres = false
default_docker = false
[[postgres]]
name = "bench"
dsn = "host=127.0.0.1 port=$port user=stacktop_peer dbname=postgres sslmode=disable"
password_env = "PEER_PW"
EOF

# server_ms ROLE -> "exec+plan exec calls" in ms, summed over the role's statements.
server_ms() {
	psql_super -d postgres -F ' ' -c "SELECT coalesce(sum(total_exec_time + total_plan_time), 0),
		coalesce(sum(total_exec_time), 0), coalesce(sum(calls), 0)
		FROM pg_stat_statements WHERE userid = '$1'::regrole"
}
hz=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

declare -A raw
role_of() { # TOOL -> its role ("pg_" names are reserved)
	case $1 in stacktop) echo stacktop_peer ;; pg_activity) echo pga_peer ;; pg_top) echo pgtop_peer ;; esac
}
measure() { # TOOL
	local tool=$1 role cmd
	role=$(role_of "$tool")
	case $tool in
	stacktop) cmd="PEER_PW=$role-pw exec $work/stacktop --config $work/config.toml" ;;
	pg_activity) cmd="PGUSER=$role PGPASSWORD=$role-pw exec pg_activity -d postgres --refresh $refresh" ;;
	pg_top) cmd="PGUSER=$role PGPASSWORD=$role-pw exec pg_top -d postgres -s $refresh" ;;
	*) die "unknown tool $tool" ;;
	esac
	psql_super -d postgres -c "SELECT pg_stat_statements_reset('$role'::regrole)" >/dev/null
	t new-session -d -s "$tool" -x "$cols" -y "$rows" "cd $work && $cmd"
	t pipe-pane -t "$tool" -o "cat > $work/$tool.out"
	local pid
	pid=$(t display-message -p -t "$tool" '#{pane_pid}')
	if [ "$tool" = stacktop ]; then
		sleep 2
		t send-keys -t "$tool" 3 # the Postgres tab
	fi
	sleep "$warm"
	local t0 b0 s0 t1 b1 s1
	t0=$(ticks "$pid") b0=$(stat -c %s "$work/$tool.out") s0=$(server_ms "$role")
	sleep "$secs" &
	wait $!
	t1=$(ticks "$pid") b1=$(stat -c %s "$work/$tool.out") s1=$(server_ms "$role")
	t capture-pane -p -t "$tool" >"$work/$tool.screen"
	t kill-session -t "$tool"
	# raw figures: server ms per refresh (exec+plan), exec ms per refresh, calls, cpu %, bytes/s
	raw[$tool]=$(awk -v t0="$t0" -v t1="$t1" -v hz="$hz" -v s="$secs" -v b=$((b1 - b0)) -v r="$refresh" \
		-v s0="$s0" -v s1="$s1" 'BEGIN {
		split(s0, a, " "); split(s1, z, " "); n = s / r
		printf "%.3f %.3f %d %.3f %.0f", (z[1] - a[1]) / n, (z[2] - a[2]) / n, z[3] - a[3], (t1 - t0) * 100 / hz / s, b / s }')
	line "$tool" >&2
}
line() { # TOOL
	printf '%-12s' "$1"
	echo "${raw[$1]}" | awk '{ printf "%6.2f ms (exec %5.2f) %5d stmts   cpu %5.2f%%   terminal %6.0f B/s\n", $1, $2, $3, $4, $5 }'
}

echo "peers_postgres.sh: PostgreSQL $("$bin/postgres" --version | awk '{print $3}'), $idle idle backends, pgbench -R $tps," \
	"${cols}x$rows, ${refresh}s refresh, ${secs}s after ${warm}s warm-up; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
if [ -n "${HOLD:-}" ]; then # keep the setup up for HOLD seconds to look at it by hand
	echo "cluster on 127.0.0.1:$port (superuser postgres, password $super; roles stacktop_peer, pga_peer, pgtop_peer, password <role>-pw), config $work/config.toml" >&2
	sleep "$HOLD" &
	wait $! # a signal interrupts wait, so the cleanup runs at once
fi
for tool in $tools; do
	measure "$tool"
done
echo
echo "per tool: server time per refresh (exec+plan, and exec alone), statements in the window, own CPU (% of one core), terminal bytes/s"
for tool in $tools; do
	line "$tool"
done
for peer in $tools; do
	[ "$peer" = stacktop ] || [ -z "${raw[stacktop]:-}" ] && continue
	echo "${raw[stacktop]} ${raw[$peer]}" | awk -v p="$peer" '{
		printf "stacktop / %s: server time %.2fx, cpu %.2fx, terminal bytes %.2fx\n", p,
			($6 > 0 ? $1 / $6 : 0), ($9 > 0 ? $4 / $9 : 0), ($10 > 0 ? $5 / $10 : 0) }'
done
