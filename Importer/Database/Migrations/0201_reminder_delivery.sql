-- Reminder delivery (issue 15): every message ends sent, failed (reason) or suppressed (the rule that stopped it);
-- 'sending' is the claim a sender holds while it talks to SMTP or the SMS gateway (at most once: a claim left by a
-- crash is never sent again, it is failed as "outcome unknown"). Language and the appointment start the message
-- refers to are kept, so a reply can be answered in the same language and told when its appointment moved.
ALTER TABLE reminders DROP CONSTRAINT IF EXISTS reminders_state_check;
ALTER TABLE reminders ADD CONSTRAINT reminders_state_check
    CHECK (state IN ('planned', 'sending', 'sent', 'failed', 'suppressed', 'cancelled'));
ALTER TABLE reminders
    ADD COLUMN IF NOT EXISTS language          text,          -- USER_LANGUAGE as the row gave it (normalised), or null
    ADD COLUMN IF NOT EXISTS template_language text,          -- the template used: the language, or the practice's default
    ADD COLUMN IF NOT EXISTS starts_at         timestamp,     -- the appointment's local start the message refers to
    ADD COLUMN IF NOT EXISTS reason            text,          -- why failed / suppressed / cancelled
    ADD COLUMN IF NOT EXISTS attempts          integer NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS next_attempt_at   timestamptz,   -- a transient failure's retry
    ADD COLUMN IF NOT EXISTS provider_id       text,          -- the SMTP Message-Id or the gateway's message id
    ADD COLUMN IF NOT EXISTS receipt           text,          -- the gateway's last delivery receipt (delivered, undelivered, ...)
    ADD COLUMN IF NOT EXISTS sent_at           timestamptz;
CREATE INDEX IF NOT EXISTS reminders_sending ON reminders (updated_at) WHERE state = 'sending';
CREATE INDEX IF NOT EXISTS reminders_provider ON reminders (provider_id) WHERE provider_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS reminders_address ON reminders (address, sent_at DESC) WHERE state = 'sent';

-- STOP: no message to this address any more (practice_id '' = from every practice of the deployment).
CREATE TABLE IF NOT EXISTS reminder_opt_outs (
    address      text NOT NULL,                 -- normalised: digits of a phone, lower-case e-mail
    practice_id  text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (address, practice_id)
);
