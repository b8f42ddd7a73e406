-- Support search and trace (issue 14): the Batches page pages by id within a practice, filters by date and finds the
-- batches of one APP_LID (through the appointment, then its events); a batch page links to the trace of the
-- appointments it carried (events by batch); the trace reads an appointment's reminders.
CREATE INDEX IF NOT EXISTS batches_practice_id ON batches (practice_id, id);
CREATE INDEX IF NOT EXISTS batches_claimed_at ON batches (claimed_at);
CREATE INDEX IF NOT EXISTS appointments_lid ON appointments (app_lid);
CREATE INDEX IF NOT EXISTS appointment_events_batch ON appointment_events (batch_id);
CREATE INDEX IF NOT EXISTS reminders_lid ON reminders (practice_id, app_lid);
-- The Practices page's last file received and last import applied, per practice, without reading its batches.
CREATE INDEX IF NOT EXISTS batches_practice_claimed ON batches (practice_id, claimed_at);
CREATE INDEX IF NOT EXISTS batches_practice_applied ON batches (practice_id, finished_at) WHERE state = 'applied';
-- The practice's last problem (failed or held), and the batches to replay: one index probe instead of its whole history.
CREATE INDEX IF NOT EXISTS batches_practice_problems ON batches (practice_id, id) WHERE state IN ('failed', 'needs_review');
-- "File name contains": trigram search (pg_trgm is a trusted extension: the database owner may create it).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS batches_name_trgm ON batches USING gin (remote_name gin_trgm_ops);
-- The Practices page counts each practice's appointments in its window that are not removed: with `removed` in the
-- index, from the index alone. Same key as the index it replaces, so the loader's reads of a window are served as before.
CREATE INDEX IF NOT EXISTS appointments_practice_start_removed ON appointments (practice_id, starts_at) INCLUDE (removed);
DROP INDEX IF EXISTS appointments_practice_start;
