-- A support-sized cloud store (issue 14): 1,000 practices, 1,000,000 batches over ~347 days (one every 30 s),
-- 2 history lines per batch, 5 row errors per failed batch, 300 appointments per practice with an added and a
-- changed event each, one sent reminder per appointment, 10,000 replies; every practice has 90 % applied, 5 % failed,
-- 3 % superseded, 1 % held and 1 % duplicate batches. Bulk inserts with generate_series only.
-- Run against a database migrated by RecallFiles (any verb that opens the store migrates it).
\set ON_ERROR_STOP on
SET synchronous_commit = off;
INSERT INTO practices (id, drop_box, folder, time_zone)
SELECT 'P' || lpad(p::text, 4, '0'), 'default', 'P' || lpad(p::text, 4, '0') || '/appointments', 'Europe/Madrid'
FROM generate_series(1, 1000) p ON CONFLICT (id) DO NOTHING;

INSERT INTO batches (id, practice_id, remote_folder, remote_name, remote_size, remote_mtime, file_timestamp, state, claimed_by, claimed_at,
                     sha256, archive_path, downloaded_at, finished_at, remote_done, remote_done_at, remote_disposition, report_uploaded,
                     attempts, rows_total, rows_valid, rows_invalid, inserted, updated, removed, unchanged, reason, error_report)
SELECT g, pr, pr || '/appointments', 'APPOINTMENTS_' || pr || '_' || to_char(at AT TIME ZONE 'UTC', 'YYYYMMDD"T"HH24MISS"Z"') || '.csv',
       120000, at, at, st, 'bench', at, md5(g::text) || md5((-g)::text), '/var/lib/recallfiles/archive/' || pr || '/' || g || '.csv',
       at + interval '1 second', at + interval '5 seconds', true, at + interval '6 seconds',
       CASE WHEN st IN ('failed', 'superseded', 'needs_review') THEN 'moved to ' || pr || '/appointments/failed/' ELSE 'moved to ' || pr || '/appointments/processed/' END,
       true, 1, 300, CASE WHEN st = 'failed' THEN 295 ELSE 300 END, CASE WHEN st = 'failed' THEN 5 ELSE 0 END,
       CASE WHEN st = 'applied' THEN 2 END, CASE WHEN st = 'applied' THEN 5 END, CASE WHEN st = 'applied' THEN 1 END, CASE WHEN st = 'applied' THEN 293 END,
       CASE st WHEN 'failed' THEN '5 invalid row(s) and the practice''s policy is RejectFile; nothing applied'
               WHEN 'superseded' THEN 'snapshot is older than the newest applied one; not applied'
               WHEN 'needs_review' THEN 'would remove 200 of the 300 appointments in its window: held for review' END,
       CASE WHEN st IN ('failed', 'superseded', 'needs_review') THEN convert_to('FILE,LINE,COLUMN,RULE,SEVERITY,MESSAGE' || chr(13) || chr(10) || 'x,,,file-failed,error,bench', 'UTF8') END
FROM (SELECT g, 'P' || lpad(((g - 1) % 1000 + 1)::text, 4, '0') AS pr, now() - (1000000 - g) * interval '30 seconds' AS at,
             CASE WHEN r < 90 THEN 'applied' WHEN r < 95 THEN 'failed' WHEN r < 98 THEN 'superseded' WHEN r < 99 THEN 'needs_review' ELSE 'duplicate' END AS st
      FROM generate_series(1, 1000000) g, LATERAL (SELECT ((g - 1) / 1000 * 7 + (g - 1) % 1000) % 100 AS r) m) s;
SELECT setval('batches_id_seq', 1000000);

INSERT INTO batch_history (batch_id, at, from_state, to_state, actor, reason)
SELECT b.id, b.claimed_at + h.d, h.f, CASE WHEN h.f = 'claimed' THEN 'downloaded' ELSE b.state END, 'bench', CASE WHEN h.f = 'claimed' THEN 'archived' ELSE b.reason END
FROM batches b CROSS JOIN (VALUES ('claimed', interval '1 second'), ('downloaded', interval '5 seconds')) h(f, d);

INSERT INTO batch_row_errors (batch_id, line, column_name, code, severity, message)
SELECT b.id, l, 'USER_EMAIL', 'email', 'error', 'USER_EMAIL ''s***@'' is not an e-mail address (n***@domain.tld)'
FROM batches b CROSS JOIN generate_series(2, 6) l WHERE b.state = 'failed';

-- Appointment n of practice p was added by the practice's first batch (id p) and changed by its 500th (id p + 499,000).
INSERT INTO appointments (practice_id, app_lid, starts_at, app_date, app_start_time, user_mobile_phone, user_email, resource_lid, resource_name,
                          location_lid, location_name, first_batch_id, last_batch_id, last_change)
SELECT 'P' || lpad(p::text, 4, '0'), (100000 + n)::text, date_trunc('hour', localtimestamp) + n * interval '20 minutes',
       (date_trunc('hour', localtimestamp) + n * interval '20 minutes')::date, (date_trunc('hour', localtimestamp) + n * interval '20 minutes')::time,
       '+34 600 ' || lpad((n * 7 % 1000)::text, 3, '0') || ' ' || lpad((p % 1000)::text, 3, '0'), 'patient' || n || '@example.org', 'DDS1', 'Dr. Molina',
       'L1', 'Main clinic', p, p + 499000, 'changed'
FROM generate_series(1, 1000) p CROSS JOIN generate_series(1, 300) n;

INSERT INTO appointment_events (practice_id, app_lid, kind, payload, batch_id, created_at)
SELECT a.practice_id, a.app_lid, k.kind, json_build_object('starts_at', a.starts_at, 'mobile', a.user_mobile_phone, 'email', a.user_email, 'resource', a.resource_lid),
       CASE WHEN k.kind = 'added' THEN a.first_batch_id ELSE a.last_batch_id END, now() - k.ago
FROM appointments a CROSS JOIN (VALUES ('added', interval '340 days'), ('changed', interval '170 days')) k(kind, ago);

INSERT INTO reminders (practice_id, app_lid, kind, label, due_at, channel, address, state, event_id, created_at, sent_at, provider_id, receipt)
SELECT a.practice_id, a.app_lid, 'reminder', '48h', now() - interval '1 day', 'sms', a.user_mobile_phone, 'sent', 1, now() - interval '3 days', now() - interval '1 day',
       'gw-' || a.practice_id || '-' || a.app_lid, 'delivered'
FROM appointments a;

INSERT INTO status_updates (practice_id, app_lid, status, app_date, app_start_time, resource_lid, user_mobile_phone, source, state)
SELECT a.practice_id, a.app_lid, 'APPROVED', a.app_date, a.app_start_time, a.resource_lid, a.user_mobile_phone, 'sms', 'queued'
FROM appointments a WHERE a.app_lid::int % 30 = 0;

-- A store in use has been vacuumed by autovacuum: visibility map set, statistics current.
VACUUM ANALYZE;
