-- Agents visible from the cloud (issue 17). Each agent run uploads AGENT_{practice}_{utc}.json next to its files; the
-- cloud takes it in through the shared inbox and keeps one row per heartbeat. The Practices page shows the newest per
-- practice; the alert rules "export failed at an agent" and "agent silent" read the newest per practice too.
CREATE TABLE IF NOT EXISTS agent_heartbeats (
    practice_id        text        NOT NULL REFERENCES practices (id),
    sent_at            timestamptz NOT NULL,            -- the UTC stamp in the file name
    received_at        timestamptz NOT NULL DEFAULT now(),
    agent              text        NOT NULL,            -- the agent's name (its Hangfire queue), bounded to 64 characters
    version            text        NOT NULL,            -- the agent's product version, bounded to 64 characters
    host               text        NOT NULL,            -- the agent's host name, bounded to 255 characters
    interval_seconds   integer     NOT NULL,            -- how often this agent promises a heartbeat (its export cadence)
    export_result      text        NOT NULL CHECK (export_result IN ('ok', 'failed', 'none')),
    export_error       text        NULL,                -- bounded to 1,000 characters, never PHI (masked by the agent)
    export_finished_at timestamptz NULL,
    ledger_failures    integer     NOT NULL DEFAULT 0,
    status_applied     integer     NOT NULL DEFAULT 0,
    status_failed      integer     NOT NULL DEFAULT 0,
    status_conflicts   integer     NOT NULL DEFAULT 0,
    file_name          text        NOT NULL,
    PRIMARY KEY (practice_id, sent_at)
);
