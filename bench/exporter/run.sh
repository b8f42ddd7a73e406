#!/usr/bin/env bash
# Exporter benchmark (issue 4): N appointments (default 1,000,000) exported by
# `recallfiles export --once --dry-run` (query, normalise, write, validate, hash) against the
# database's own CSV export of the same query (`mariadb --batch`, `psql \copy (...) TO`).
# Each pair is alternated RUNS times (default 3) in one run; the median (and best) wall time of each is reported,
# with the CPU time (user + sys) of the process and its peak RSS, and the ratio reference / recallfiles of the medians.
# With RECALLFILES_OLD=path/to/an/older/recallfiles.dll the older build runs too, in the same alternation (old vs new).
# Starts its own MariaDB and PostgreSQL on free loopback ports in a temp folder.
#   bench/exporter/run.sh [ROWS] [RUNS]
#   RECALLFILES_OLD=/tmp/old/recallfiles.dll bench/exporter/run.sh 1000000 3
set -euo pipefail
rows=${1:-1000000}
runs=${2:-3}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/rf-bench-export-XXXXXX)
chmod 755 "$work"
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
as_user() { if [ "$(id -u)" -eq 0 ]; then runuser -u "$1" -- "${@:2}"; else "${@:2}"; fi; }
cleanup() {
  [ -f "$work/mysqld.pid" ] && kill "$(cat "$work/mysqld.pid")" 2>/dev/null || true
  [ -d "$work/pg" ] && as_user postgres "$pgbin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
timed() { # timed LABEL CMD...: prints "LABEL seconds peakKB cpuSeconds"
  local label=$1; shift
  /usr/bin/time -f "$label %e %M %U %S" -o "$work/time.txt" "$@" >/dev/null
  awk '{ printf "%s %s %s %.2f\n", $1, $2, $3, $4 + $5 }' "$work/time.txt"
}
old=${RECALLFILES_OLD:-}
started=$(date -u +%FT%TZ); load_start=$(cut -d' ' -f1 /proc/loadavg)  # for the results file (issue 18 point 8)
echo "exporter bench: $rows rows, $runs alternated runs, $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC'), load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$root/recallfiles" --help >/dev/null   # build once, outside the timings

# ---------------------------------------------------------------- MariaDB / Open Dental
myport=$(free_port)
[ "$(id -u)" -eq 0 ] && chown mysql:mysql "$work"
mariadb-install-db --no-defaults --datadir="$work/mdb" --user="$( [ "$(id -u)" -eq 0 ] && echo mysql || id -un)" \
  --auth-root-authentication-method=normal --skip-test-db >/dev/null
mariadbd --no-defaults --datadir="$work/mdb" --socket="$work/mysqld.sock" --port="$myport" --bind-address=127.0.0.1 \
  --user="$( [ "$(id -u)" -eq 0 ] && echo mysql || id -un)" --pid-file="$work/mysqld.pid" --skip-log-bin \
  --innodb-buffer-pool-size=1G --innodb-flush-log-at-trx-commit=0 >"$work/mysqld.log" 2>&1 &
for _ in $(seq 100); do mariadb --no-defaults -h127.0.0.1 -P"$myport" -uroot -e 'select 1' >/dev/null 2>&1 && break; sleep 0.2; done
my() { mariadb --no-defaults -h127.0.0.1 -P"$myport" -uroot "$@"; }
my -e 'CREATE DATABASE opendental CHARACTER SET utf8mb4'
my opendental < "$root/sample-data/opendental/schema.sql"
echo "loading $rows appointments into MariaDB..." >&2
my opendental <<SQL
INSERT INTO clinic (ClinicNum, Description, Abbr, TimeZone) VALUES (1, 'Clínica Centro', 'CEN', 'Europe/Madrid');
INSERT INTO operatory (OperatoryNum, OpName, ClinicNum) VALUES (1, 'Gabinete 1', 1);
INSERT INTO provider (ProvNum, Abbr, PreferredName) SELECT seq, CONCAT('DDS', seq), CONCAT('Dr. Provider ', seq) FROM seq_1_to_20;
INSERT INTO patient (PatNum, LName, FName, HmPhone, WirelessPhone, Email, TxtMsgOk, Language)
  SELECT seq, 'Last', 'First', CONCAT('(91) 555-', LPAD(seq MOD 10000, 4, '0')), CONCAT('6', LPAD(seq MOD 100000000, 8, '0')),
         CONCAT('p', seq, '@example.org'), 1, 'es' FROM seq_1_to_${rows};
INSERT INTO appointment (AptNum, PatNum, AptStatus, AptDateTime, Pattern, ProvNum, ClinicNum, Op)
  SELECT seq, seq, 1, TIMESTAMP '2026-11-22 09:00:00' + INTERVAL (seq MOD 5760) MINUTE, 'XXXXXX', 1 + seq MOD 20, 1, 1 FROM seq_1_to_${rows};
SQL
cat > "$work/od.json" <<JSON
{"RecallFiles":{"DataFolder":"$work/data","Agent":{"Practices":[{"PracticeId":"BENCH-OD","Source":"OpenDental",
 "ConnectionString":"Server=127.0.0.1;Port=$myport;User ID=root;Database=opendental","TimeZone":"Europe/Madrid",
 "ExtensionColumns":["APP_END_TIME"],"DefaultCountryCode":"34"}]}}}
JSON
# The reference: the same query, the server's own tab-separated export.
odquery="SELECT a.AptNum, a.AptDateTime, a.Pattern, a.AptStatus, a.ClinicNum, a.Op, p.HmPhone, p.WkPhone, p.WirelessPhone, p.Email,
 p.TxtMsgOk, p.PreferConfirmMethod, p.Language, pr.ProvNum, pr.Abbr, pr.PreferredName, c.Description, c.TimeZone, o.OpName
 FROM appointment a JOIN patient p ON p.PatNum = a.PatNum
 JOIN provider pr ON pr.ProvNum = CASE WHEN a.IsHygiene = 1 AND a.ProvHyg <> 0 THEN a.ProvHyg ELSE a.ProvNum END
 LEFT JOIN clinic c ON c.ClinicNum = a.ClinicNum LEFT JOIN operatory o ON o.OperatoryNum = a.Op
 WHERE a.AptStatus IN (1, 2) AND a.AptDateTime >= '2026-11-21 07:00:00' AND a.AptDateTime < '2026-11-27 11:00:00'
 AND p.PatStatus NOT IN (4, 5) ORDER BY a.AptDateTime, a.AptNum"

# ---------------------------------------------------------------- PostgreSQL / generic SQL
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
pgport=$(free_port)
mkdir -p "$work/pg" && [ "$(id -u)" -eq 0 ] && chown postgres "$work/pg"
as_user postgres "$pgbin/initdb" -D "$work/pg" -U postgres -A trust >/dev/null
as_user postgres "$pgbin/pg_ctl" -D "$work/pg" -l "$work/pg/log" -w -o "-p $pgport -c listen_addresses=127.0.0.1 -c unix_socket_directories=$work/pg -c fsync=off -c shared_buffers=512MB" start >/dev/null
pg() { psql -X -q -h 127.0.0.1 -p "$pgport" -U postgres "$@"; }
echo "loading $rows appointments into PostgreSQL..." >&2
pg -c "CREATE TABLE visits (id bigint PRIMARY KEY, starts timestamp NOT NULL, home text, cell text, mail text, doctor int, room int, patient_name text);
       CREATE TABLE doctors (id int PRIMARY KEY, name text);
       INSERT INTO doctors SELECT g, 'Dr. Provider ' || g FROM generate_series(1, 20) g;
       INSERT INTO visits SELECT g, timestamp '2026-11-22 09:00' + (g % 5760) * interval '1 minute', '(91) 555-' || lpad((g % 10000)::text, 4, '0'),
              '6' || lpad((g % 100000000)::text, 8, '0'), 'p' || g || '@example.org', 1 + g % 20, 1 + g % 5, 'Name ' || g FROM generate_series(1, $rows) g;
       CREATE INDEX ON visits (starts); ANALYZE;"
cat > "$work/pg.sql" <<'SQL'
SELECT v.id AS "APP_LID", to_char(v.starts, 'DD/MM/YYYY') AS "APP_DATE", to_char(v.starts, 'HH24:MI') AS "APP_START_TIME",
       v.home AS "USER_LANDLINE_PHONE", v.cell AS "USER_MOBILE_PHONE", v.mail AS "USER_EMAIL", v.doctor AS "RESOURCE_LID", d.name AS "RESOURCE_NAME",
       NULL AS "RESOURCE_MOBILE_PHONE", NULL AS "RESOURCE_EMAIL", v.room AS "LOCATION_LID", 'Room ' || v.room AS "LOCATION_NAME"
FROM visits v JOIN doctors d ON d.id = v.doctor
WHERE v.starts >= @WindowStart AND v.starts < @WindowEnd ORDER BY v.starts, v.id
SQL
cat > "$work/pg.json" <<JSON
{"RecallFiles":{"DataFolder":"$work/data","Agent":{"Practices":[{"PracticeId":"BENCH-PG","Source":"GenericSql","Provider":"PostgreSql",
 "ConnectionString":"Host=127.0.0.1;Port=$pgport;Username=postgres;Database=postgres","QueryFile":"$work/pg.sql","TimeZone":"Europe/Madrid","DefaultCountryCode":"34"}]}}}
JSON
pgref=$(sed -e "s/@WindowStart/timestamp '2026-11-22 08:00'/" -e "s/@WindowEnd/timestamp '2026-11-26 10:00'/" "$work/pg.sql" | tr '\n' ' ')

# ---------------------------------------------------------------- alternate the pairs
results="$work/results.txt"
for i in $(seq "$runs"); do
  timed "recallfiles-mariadb" "$root/recallfiles" export --once --dry-run --config "$work/od.json" --now 2026-11-23T08:00:00Z --out "$work/out-od" >>"$results"
  [ -n "$old" ] && timed "old-recallfiles-mariadb" dotnet "$old" export --once --dry-run --config "$work/od.json" --now 2026-11-23T08:00:00Z --out "$work/out-od-old" >>"$results"
  timed "mariadb-batch" sh -c "mariadb --no-defaults -h127.0.0.1 -P$myport -uroot --batch opendental -e \"$odquery\" > $work/ref-od.tsv" >>"$results"
  timed "recallfiles-postgresql" "$root/recallfiles" export --once --dry-run --config "$work/pg.json" --now 2026-11-23T08:00:00Z --out "$work/out-pg" >>"$results"
  [ -n "$old" ] && timed "old-recallfiles-postgresql" dotnet "$old" export --once --dry-run --config "$work/pg.json" --now 2026-11-23T08:00:00Z --out "$work/out-pg-old" >>"$results"
  timed "psql-copy" sh -c "psql -X -q -h 127.0.0.1 -p $pgport -U postgres -c \"\\copy ($pgref) TO '$work/ref-pg.csv' CSV HEADER\"" >>"$results"
done
exported_od=$(($(wc -l < "$(ls "$work"/out-od/*.csv)") - 1))
exported_pg=$(($(wc -l < "$(ls "$work"/out-pg/*.csv)") - 1))
if [ -n "$old" ]; then
  # The files must be the same bytes whichever build wrote them.
  cmp "$(ls "$work"/out-od/*.csv)" "$(ls "$work"/out-od-old/*.csv)" && cmp "$(ls "$work"/out-pg/*.csv)" "$(ls "$work"/out-pg-old/*.csv)" \
    && echo "old and new builds wrote identical files" || echo "WARNING: the old and new builds wrote different files"
fi
col() { awk -v l="$1" -v c="$2" '$1==l {print $c}' "$results" | sort -n; }
median() { col "$1" "$2" | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
best() { col "$1" 2 | head -1; }
peak() { col "$1" 3 | tail -1; }
echo "rows in the database: $rows; exported: Open Dental $exported_od, PostgreSQL $exported_pg; runs: $runs alternated; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-28s %10s %10s %12s %12s\n' "what" "median s" "best s" "median CPU s" "peak RSS MB"
for l in recallfiles-mariadb old-recallfiles-mariadb mariadb-batch recallfiles-postgresql old-recallfiles-postgresql psql-copy; do
  [ -z "$(col "$l" 2)" ] && continue
  printf '%-28s %10s %10s %12s %12s\n' "$l" "$(median "$l" 2)" "$(best "$l")" "$(median "$l" 4)" "$(( $(peak "$l") / 1024 ))"
done
ratio() { awk -v a="$(median "$2" 2)" -v b="$(median "$3" 2)" -v t="$4" -v n="$1" 'BEGIN { printf "ratio %s (reference / recallfiles, medians): %.2f (target >= %s)\n", n, a / b, t }'; }
ratio MariaDB mariadb-batch recallfiles-mariadb 1.0
ratio PostgreSQL psql-copy recallfiles-postgresql 0.8
if [ -n "$old" ]; then
  ratio "MariaDB, old build" mariadb-batch old-recallfiles-mariadb 1.0
  ratio "PostgreSQL, old build" psql-copy old-recallfiles-postgresql 0.8
fi
# Issue 18 point 8: merge the medians into docs/bench/results.json (or $RF_BENCH_RESULTS); `... RecallFiles.Bench.dll report` draws them.
bench_dll="$root/bench/RecallFiles.Bench/bin/Release/net10.0/RecallFiles.Bench.dll"
[ -f "$bench_dll" ] || dotnet build "$root/bench/RecallFiles.Bench" -c Release -v q >&2
dotnet "$bench_dll" record-export "$results" --rows "$rows" --command "bash bench/exporter/run.sh $rows $runs" --started "$started" --load "$load_start"
