-- Issue 14: the last poll of a practice that failed (drop box unreachable, host key changed, login refused), so the
-- Practices page turns red while its polls fail; cleared by the next poll that succeeds.
ALTER TABLE practices ADD COLUMN IF NOT EXISTS poll_failed_at timestamptz;
ALTER TABLE practices ADD COLUMN IF NOT EXISTS poll_error text;
