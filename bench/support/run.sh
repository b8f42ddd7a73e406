#!/usr/bin/env bash
# Support pages on a large cloud store (issue 14): seeds 1,000 practices and 1,000,000 batches (seed.sql, bulk
# generate_series inserts) into a private PostgreSQL, starts `recallfiles run --role cloud` on loopback (no login: the
# person at the machine) and times each dashboard page with curl, RUNS times (default 5) after one warm-up.
# Prints one line per page: best and median total time in milliseconds. A bench, not a test.
#   bench/support/run.sh [RUNS]          RF_BENCH_KEEP=SECONDS keeps the store (and prints how to reach it) that long after
set -euo pipefail
runs=${1:-5}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/rf-bench-support-XXXXXX)
chmod 755 "$work"
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
as_user() { if [ "$(id -u)" -eq 0 ]; then runuser -u "$1" -- "${@:2}"; else "${@:2}"; fi; }
host_pid=""
cleanup() {
  [ -n "$host_pid" ] && kill "$host_pid" 2>/dev/null && wait "$host_pid" 2>/dev/null || true
  [ -d "$work/pg" ] && as_user postgres "$pgbin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
"$root/recallfiles" --help >/dev/null   # build once, outside the timings

pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
pgport=$(free_port)
mkdir -p "$work/pg" && [ "$(id -u)" -eq 0 ] && chown postgres "$work/pg"
as_user postgres "$pgbin/initdb" -D "$work/pg" -U postgres -A trust >/dev/null
as_user postgres "$pgbin/pg_ctl" -D "$work/pg" -l "$work/pg/log" -w -o "-p $pgport -c listen_addresses=127.0.0.1 -c unix_socket_directories=$work/pg -c fsync=off -c shared_buffers=512MB" start >/dev/null
pg() { psql -X -q -h 127.0.0.1 -p "$pgport" -U postgres "$@"; }
pg -c "CREATE DATABASE support"

export RecallFiles__Database__ConnectionString="Host=127.0.0.1;Port=$pgport;Username=postgres;Database=support"
export RecallFiles__DataFolder="$work/data"
export RecallFiles__Practices__P0001__TimeZone="Europe/Madrid"
export RecallFiles__Logging__Console=false
"$root/recallfiles" batches --limit 1 >/dev/null          # migrates the empty store
start=$(date +%s)
pg -d support -f "$root/bench/support/seed.sql"
echo "seeded in $(( $(date +%s) - start )) s: $(pg -d support -Atc "SELECT count(*) FROM batches") batches, $(pg -d support -Atc "SELECT count(*) FROM practices") practices"

port=$(free_port)
"$root/recallfiles" run --role cloud --urls "http://127.0.0.1:$port" >"$work/host.log" 2>&1 &
host_pid=$!
for _ in $(seq 300); do curl -fs -o /dev/null "http://127.0.0.1:$port/hangfire/practices" && break; sleep 0.5; done

failed=$(pg -d support -Atc "SELECT id FROM batches WHERE practice_id = 'P0500' AND state = 'failed' ORDER BY id DESC LIMIT 1")
day=$(pg -d support -Atc "SELECT to_char((now() - interval '100 days')::date, 'YYYY-MM-DD')")
pages=(
  "practices|/hangfire/practices"
  "batches (newest 50)|/hangfire/batches"
  "batches, practice|/hangfire/batches?practice=P0500"
  "batches, practice + failed|/hangfire/batches?practice=P0500&state=failed"
  "batches, state failed|/hangfire/batches?state=failed"
  "batches, file name|/hangfire/batches?file=P0500_2026"
  "batches, APP_LID|/hangfire/batches?app_lid=100150"
  "batches, practice + APP_LID|/hangfire/batches?practice=P0500&app_lid=100150"
  "batches, one day|/hangfire/batches?from=$day&to=$day"
  "batches, page 10,000 deep|/hangfire/batches?before=500000"
  "batch page|/hangfire/batches/$failed"
  "error report download|/hangfire/batches/$failed/report"
  "trace|/hangfire/trace?practice=P0500&app_lid=100150"
  "status|/hangfire/status"
)
echo "machine: $(nproc) cores, $(grep MemTotal /proc/meminfo | awk '{print int($2/1048576)}') GiB; load $(cut -d' ' -f1-3 /proc/loadavg); runs: $runs"
printf '%-32s %8s %8s %6s\n' "page" "best ms" "median" "http"
for entry in "${pages[@]}"; do
  name=${entry%%|*}; path=${entry#*|}
  curl -s -o /dev/null "http://127.0.0.1:$port$path"   # warm-up
  times=()
  for _ in $(seq "$runs"); do
    out=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' "http://127.0.0.1:$port$path")
    code=${out% *}; times+=("$(awk -v t="${out#* }" 'BEGIN{printf "%.0f", t*1000}')")
  done
  sorted=($(printf '%s\n' "${times[@]}" | sort -n))
  printf '%-32s %8s %8s %6s\n' "$name" "${sorted[0]}" "${sorted[$(( runs / 2 ))]}" "$code"
done
if [ -n "${RF_BENCH_KEEP:-}" ]; then
  echo "store kept for $RF_BENCH_KEEP s: psql -h 127.0.0.1 -p $pgport -U postgres -d support"
  sleep "$RF_BENCH_KEEP"
fi
