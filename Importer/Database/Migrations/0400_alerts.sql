-- Alerts (issue 17): one row per incident — a rule's condition on one practice, from the evaluation that first saw it
-- to the one that saw it clear. One open incident per key at most (the partial unique index), so two cloud servers
-- evaluating at once cannot open it twice; notified_at / resolved_notified_at record what was sent, so a message goes
-- out once per incident (then once per re-notify interval) whichever server evaluates.
CREATE TABLE IF NOT EXISTS alert_incidents (
    id                   bigserial   PRIMARY KEY,
    rule                 text        NOT NULL,
    practice_id          text        NOT NULL REFERENCES practices (id),
    incident_key         text        NOT NULL,            -- rule:practice
    summary              text        NOT NULL,            -- one line, never PHI
    detail               text        NULL,                -- masked, bounded to 1,000 characters
    opened_at            timestamptz NOT NULL,
    last_seen_at         timestamptz NOT NULL,
    notified_at          timestamptz NULL,                -- the last "open" or reminder message
    notify_count         integer     NOT NULL DEFAULT 0,
    resolved_at          timestamptz NULL,
    resolved_notified_at timestamptz NULL,
    last_error           text        NULL                 -- the last channel failure, if any
);
CREATE UNIQUE INDEX IF NOT EXISTS alert_incidents_open ON alert_incidents (incident_key) WHERE resolved_at IS NULL;
CREATE INDEX IF NOT EXISTS alert_incidents_recent ON alert_incidents (opened_at DESC);

-- A snoozed practice: its incidents are still recorded and shown, but no message goes out until the snooze ends.
CREATE TABLE IF NOT EXISTS alert_snoozes (
    practice_id text        PRIMARY KEY REFERENCES practices (id),
    until       timestamptz NOT NULL,
    reason      text        NULL,
    actor       text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
