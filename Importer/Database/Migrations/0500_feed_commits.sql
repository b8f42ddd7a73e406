-- The feed in commit order, without a lock held across a load (issue 18). Until now a load took one lock for the whole
-- feed at its first event and held it to its commit, so that event ids became visible in id order: one practice's large
-- snapshot held back every other practice's load. Now each load that wrote events takes the lock only for its last
-- statement before COMMIT, and records there one row here: its commit's place in the feed (seq, given out under the
-- lock, so commits become visible in seq order) and the range of event ids it may have used (ids after after_id, up to
-- last_id, of its batch). Consumers read commits in seq order and each commit's events in id order: each event exactly
-- once, and an appointment's events in the order their loads committed (loads of one practice are serialized).
CREATE SEQUENCE IF NOT EXISTS feed_commit_seq;
CREATE TABLE IF NOT EXISTS feed_commits (
    seq          bigint      PRIMARY KEY,
    batch_id     bigint      NULL,      -- the events of this commit are this batch's in the id range; NULL: every event in it
    after_id     bigint      NOT NULL,  -- the commit's events have ids above this ...
    last_id      bigint      NOT NULL,  -- ... and up to this
    committed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
-- The consumer's place: the commit it is in (last_seq) and the last event it handled there (last_id).
ALTER TABLE event_cursors ADD COLUMN IF NOT EXISTS last_seq bigint NOT NULL DEFAULT 0;
-- Events written before this migration were visible in id order: they become commit 0, read on from each cursor's last_id.
INSERT INTO feed_commits (seq, batch_id, after_id, last_id)
SELECT 0, NULL, 0, max(id) FROM appointment_events HAVING max(id) IS NOT NULL
ON CONFLICT (seq) DO NOTHING;
