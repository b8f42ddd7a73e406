-- Issue 5 (performance): each appointment keeps the content hash of its stored values, so a load can tell an
-- unchanged row without a round trip through the database. NULL for rows written before: the next snapshot that
-- names them compares their values once and fills it in. See docs/importer.md ("Load semantics").
ALTER TABLE appointments ADD COLUMN IF NOT EXISTS row_hash uuid;

-- A load reads the practice's appointments from the start of the snapshot's window on, removed ones included (a
-- removed appointment named again comes back), and asks whether any start before it: the window index of 0001 only
-- held the non-removed rows. Queries that want those only (dashboard, reminders) filter on removed, as before.
CREATE INDEX IF NOT EXISTS appointments_practice_start ON appointments (practice_id, starts_at);
DROP INDEX IF EXISTS appointments_window;
