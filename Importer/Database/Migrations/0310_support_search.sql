-- Support search and trace (issue 14): the Batches page pages by id within a practice, filters by date and finds the
-- batches of one APP_LID (through the appointment, then its events); a batch page links to the trace of the
-- appointments it carried (events by batch); the trace reads an appointment's reminders.
CREATE INDEX IF NOT EXISTS batches_practice_id ON batches (practice_id, id);
CREATE INDEX IF NOT EXISTS batches_claimed_at ON batches (claimed_at);
CREATE INDEX IF NOT EXISTS appointments_lid ON appointments (app_lid);
CREATE INDEX IF NOT EXISTS appointment_events_batch ON appointment_events (batch_id);
CREATE INDEX IF NOT EXISTS reminders_lid ON reminders (practice_id, app_lid);
