-- Issue 11: one name per concept. A status update waiting for the next status export was "pending", the same word as
-- the wire value PENDING; it is now "queued". An update replaced by a newer answer for the same APP_LID was
-- "superseded", the word for an older snapshot made moot by a newer one (batches, the agent's export ledger); it is now
-- "replaced". Idempotent: the constraint is dropped and made again, the updates touch only old values.
ALTER TABLE status_updates DROP CONSTRAINT IF EXISTS status_updates_state_check;
UPDATE status_updates SET state = 'queued' WHERE state = 'pending';
UPDATE status_updates SET state = 'replaced', result_message = replace(result_message, 'superseded by update', 'replaced by update')
WHERE state = 'superseded';
ALTER TABLE status_updates ALTER COLUMN state SET DEFAULT 'queued';
ALTER TABLE status_updates ADD CONSTRAINT status_updates_state_check
    CHECK (state IN ('queued', 'replaced', 'exported', 'applied', 'conflicted', 'failed', 'not_found'));
DROP INDEX IF EXISTS status_updates_pending;
CREATE INDEX IF NOT EXISTS status_updates_queued ON status_updates (practice_id, id) WHERE state = 'queued';
