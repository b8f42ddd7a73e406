-- The reference reminder engine's tables (Reminders/). Applied by Migrator like every other migration (name order);
-- idempotent: databases where an older ReminderEngine.EnsureSchemaAsync already created these tables keep them as they are.
CREATE TABLE IF NOT EXISTS reminders (
    id            bigserial PRIMARY KEY,
    practice_id   text NOT NULL,
    app_lid       text NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('reminder', 'feedback')),
    label         text NOT NULL,                 -- '48h', '2h', 'feedback'
    due_at        timestamptz NOT NULL,
    channel       text NOT NULL CHECK (channel IN ('sms', 'email', 'landline')),
    address       text NOT NULL,                 -- the phone or e-mail; never logged unmasked
    state         text NOT NULL DEFAULT 'planned' CHECK (state IN ('planned', 'sent', 'cancelled')),
    event_id      bigint NOT NULL,               -- the appointment event that planned it
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS reminders_appointment ON reminders (practice_id, app_lid) WHERE state = 'planned';
CREATE INDEX IF NOT EXISTS reminders_due ON reminders (due_at) WHERE state = 'planned';

-- What the default sender "sends": one row per message, for a real SMS/e-mail gateway to pick up.
CREATE TABLE IF NOT EXISTS reminder_outbox (
    id            bigserial PRIMARY KEY,
    reminder_id   bigint NOT NULL UNIQUE REFERENCES reminders (id),
    practice_id   text NOT NULL,
    app_lid       text NOT NULL,
    channel       text NOT NULL,
    address       text NOT NULL,
    message       text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
