#!/usr/bin/env bash
# What the foreign key and the events' indexes cost a first load (issue 18, docs/performance.md "why the first load and
# the re-load miss their ratios"). Starts a private PostgreSQL (fsync on, default settings, like the importer bench),
# fills an unlogged table with the importer bench's 1M rows (zero-padded APP_LIDs, 4 days x 600 minutes), then inserts
# them, alternated ROUNDS times, into fresh copies of the store's appointments / appointment_events tables:
#   appointments with the key (today), without any check, and with a statement-level trigger instead of the key;
#   events with their three indexes, without appointment_events_batch, without it and appointment_events_practice.
# Prints one line per insert: variant and milliseconds. A bench, not a test.
#   bench/schema/keys.sh [ROWS] [ROUNDS]
# On a shared machine run it as `echo -20 > /proc/self/autogroup; bench/schema/keys.sh` (see docs/performance.md).
set -euo pipefail
rows=${1:-1000000}
rounds=${2:-2}
work=$(mktemp -d /tmp/rf-bench-keys-XXXXXX)
chmod 755 "$work"
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_user() { if [ "$(id -u)" -eq 0 ]; then runuser -u "$1" -- "${@:2}"; else "${@:2}"; fi; }
mkdir -p "$work/pg"; [ "$(id -u)" -eq 0 ] && chown postgres "$work/pg"
cleanup() { as_user postgres "$pgbin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
as_user postgres "$pgbin/initdb" -D "$work/pg" -U postgres -A trust >/dev/null
as_user postgres "$pgbin/pg_ctl" -D "$work/pg" -l "$work/pg/log" -w -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$work/pg" start >/dev/null
P="psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $port -U postgres -d postgres"
$P -c "CREATE TABLE practices (id text PRIMARY KEY)" -c "INSERT INTO practices VALUES ('BIG')"
$P -c "CREATE UNLOGGED TABLE src AS SELECT 'BIG'::text practice_id, 'APP' || lpad(g::text, 8, '0') app_lid,
  timestamp '2026-11-23 08:00' + (g % 4) * interval '1 day' + ((g / 4) % 600) * interval '1 minute' starts_at,
  date '2026-11-23' + (g % 4) app_date, time '08:00' + ((g / 4) % 600) * interval '1 minute' app_start_time,
  '+346' || lpad(g::text, 8, '0') user_mobile_phone, 'patient' || g || '@example.org' user_email,
  'DDS' || (g % 40) resource_lid, 'Dr. Resource ' || (g % 40) resource_name, 'L' || (g % 3) location_lid, 'Clinic ' || (g % 3) location_name,
  gen_random_uuid() row_hash,
  json_build_object('starts_at', 'x', 'end', null, 'landline', null, 'mobile', '+346' || lpad(g::text, 8, '0'), 'email', 'patient' || g || '@example.org',
    'language', null, 'preferences', null, 'privacy', null, 'status', null, 'resource', 'DDS' || (g % 40), 'location', 'L' || (g % 3)) payload
  FROM generate_series(0, $rows - 1) g" -c "VACUUM ANALYZE src"
tables="DROP TABLE IF EXISTS appointments; DROP TABLE IF EXISTS appointment_events;
CREATE TABLE appointments (practice_id text NOT NULL REFERENCES practices (id), app_lid text NOT NULL, starts_at timestamp NOT NULL,
  app_date date NOT NULL, app_start_time time, app_end_time time, user_landline_phone text, user_mobile_phone text, user_work_phone text,
  user_email text, user_language text, communication_preferences text, privacy text, status text, resource_lid text NOT NULL,
  resource_name text NOT NULL, resource_mobile_phone text, resource_email text, location_lid text, location_name text, row_hash uuid,
  removed boolean NOT NULL DEFAULT false, first_batch_id bigint NOT NULL, last_batch_id bigint NOT NULL, last_change text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (practice_id, app_lid));
CREATE INDEX appointments_lid ON appointments (app_lid);
CREATE INDEX appointments_practice_start_removed ON appointments (practice_id, starts_at) INCLUDE (removed);
CREATE TABLE appointment_events (id bigserial PRIMARY KEY, practice_id text NOT NULL, app_lid text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('added', 'changed', 'removed', 'status-changed')), payload json NOT NULL, batch_id bigint,
  created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX appointment_events_practice ON appointment_events (practice_id, app_lid, id);
CREATE INDEX appointment_events_batch ON appointment_events (batch_id);
CHECKPOINT;"
trigger="ALTER TABLE appointments DROP CONSTRAINT appointments_practice_id_fkey;
CREATE OR REPLACE FUNCTION appointments_practice_check() RETURNS trigger LANGUAGE plpgsql AS \$\$
DECLARE missing text;
BEGIN
  PERFORM 1 FROM practices p WHERE p.id IN (SELECT DISTINCT n.practice_id FROM new_rows n) FOR KEY SHARE;
  SELECT n.practice_id INTO missing FROM (SELECT DISTINCT practice_id FROM new_rows) n
   WHERE NOT EXISTS (SELECT 1 FROM practices p WHERE p.id = n.practice_id) LIMIT 1;
  IF FOUND THEN RAISE EXCEPTION 'practice % does not exist', missing USING ERRCODE = 'foreign_key_violation'; END IF;
  RETURN NULL;
END \$\$;
CREATE TRIGGER appointments_practice_exists AFTER INSERT ON appointments REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION appointments_practice_check();"
cols="practice_id, app_lid, starts_at, app_date, app_start_time, user_mobile_phone, user_email, resource_lid, resource_name, location_lid, location_name, row_hash"
appointments="INSERT INTO appointments ($cols, first_batch_id, last_batch_id, last_change) SELECT $cols, 1, 1, 'added' FROM src"
events="INSERT INTO appointment_events (practice_id, app_lid, kind, payload, batch_id) SELECT practice_id, app_lid, 'added', payload, 7 FROM src"
run() { # LABEL SETUP INSERT
  $P -c "$tables" 2>/dev/null; $P -c "$2" >/dev/null
  echo "$1 $( (echo '\timing on'; echo "$3;") | $P | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p') ms"
}
echo "keys bench: $rows rows, $rounds rounds, $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
for _ in $(seq "$rounds"); do
  run "appointments, with the key" "SELECT 1" "$appointments"
  run "appointments, no check" "ALTER TABLE appointments DROP CONSTRAINT appointments_practice_id_fkey" "$appointments"
  run "appointments, statement trigger" "$trigger" "$appointments"
  run "events, three indexes" "SELECT 1" "$events"
  run "events, no batch index" "DROP INDEX appointment_events_batch" "$events"
  run "events, no batch or practice index" "DROP INDEX appointment_events_batch; DROP INDEX appointment_events_practice" "$events"
done
