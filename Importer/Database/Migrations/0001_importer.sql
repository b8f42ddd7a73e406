-- RecallFiles importer store (issue 5). Applied by Migrator inside one transaction, under an advisory lock;
-- every statement is idempotent so a half-known database is brought up to date safely.

CREATE TABLE IF NOT EXISTS practices (
    id                 text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,40}$'),
    drop_box           text NOT NULL,
    folder             text NOT NULL,
    time_zone          text NOT NULL,
    cadence            interval NOT NULL DEFAULT interval '4 hours',
    enabled            boolean NOT NULL DEFAULT true,
    row_error_policy   text NOT NULL DEFAULT 'reject_rows' CHECK (row_error_policy IN ('reject_rows', 'reject_file')),
    max_removal_share  numeric(5,4) NOT NULL DEFAULT 0.5 CHECK (max_removal_share BETWEEN 0 AND 1),
    window_past        interval NOT NULL DEFAULT interval '24 hours',
    window_ahead       interval NOT NULL DEFAULT interval '72 hours',
    updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS batches (
    id                 bigserial PRIMARY KEY,
    practice_id        text NOT NULL REFERENCES practices (id),
    remote_folder      text NOT NULL,
    remote_name        text NOT NULL,
    remote_size        bigint NOT NULL,
    remote_mtime       timestamptz NOT NULL,
    file_timestamp     timestamptz,
    state              text NOT NULL CHECK (state IN ('claimed', 'downloaded', 'applied', 'failed', 'needs_review', 'superseded', 'duplicate')),
    claimed_by         text NOT NULL,
    claimed_at         timestamptz NOT NULL DEFAULT now(),
    sha256             text,
    archive_path       text,
    downloaded_at      timestamptz,
    finished_at        timestamptz,
    remote_done        boolean NOT NULL DEFAULT false,
    remote_done_at     timestamptz,
    remote_disposition text,
    report_uploaded    boolean NOT NULL DEFAULT false,
    duplicate_of       bigint REFERENCES batches (id),
    attempts           integer NOT NULL DEFAULT 0,
    rows_total         bigint,
    rows_valid         bigint,
    rows_invalid       bigint,
    inserted           bigint,
    updated            bigint,
    removed            bigint,
    unchanged          bigint,
    window_start       timestamp,
    window_end         timestamp,
    reason             text,
    error_report       bytea,
    updated_at         timestamptz NOT NULL DEFAULT now()
);

-- The claim: while a file is still on the drop box, one batch at most holds its identity, so two servers
-- cannot both take it. Once the file has been moved away (remote_done) the same name may be dropped again.
CREATE UNIQUE INDEX IF NOT EXISTS batches_claim_key ON batches (practice_id, remote_folder, remote_name, remote_size, remote_mtime)
    WHERE NOT remote_done;
CREATE INDEX IF NOT EXISTS batches_practice_sha ON batches (practice_id, sha256);
CREATE INDEX IF NOT EXISTS batches_open ON batches (practice_id, id) WHERE NOT remote_done;
CREATE INDEX IF NOT EXISTS batches_state ON batches (state, id);

CREATE TABLE IF NOT EXISTS batch_history (
    id          bigserial PRIMARY KEY,
    batch_id    bigint NOT NULL REFERENCES batches (id),
    at          timestamptz NOT NULL DEFAULT now(),
    from_state  text,
    to_state    text NOT NULL,
    actor       text NOT NULL,
    reason      text
);
CREATE INDEX IF NOT EXISTS batch_history_batch ON batch_history (batch_id, id);

CREATE TABLE IF NOT EXISTS batch_row_errors (
    batch_id  bigint NOT NULL REFERENCES batches (id),
    line      bigint,
    column_name text,
    code      text NOT NULL,
    severity  text NOT NULL,
    message   text NOT NULL
);
CREATE INDEX IF NOT EXISTS batch_row_errors_batch ON batch_row_errors (batch_id, line);

CREATE TABLE IF NOT EXISTS appointments (
    practice_id            text NOT NULL REFERENCES practices (id),
    app_lid                text NOT NULL,
    starts_at              timestamp NOT NULL,
    app_date               date NOT NULL,
    app_start_time         time,
    app_end_time           time,
    user_landline_phone    text,
    user_mobile_phone      text,
    user_work_phone        text,
    user_email             text,
    user_language          text,
    communication_preferences text,
    privacy                text,
    status                 text,
    resource_lid           text NOT NULL,
    resource_name          text NOT NULL,
    resource_mobile_phone  text,
    resource_email         text,
    location_lid           text,
    location_name          text,
    removed                boolean NOT NULL DEFAULT false,
    first_batch_id         bigint NOT NULL,
    last_batch_id          bigint NOT NULL,
    last_change            text NOT NULL,
    updated_at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (practice_id, app_lid)
);
CREATE INDEX IF NOT EXISTS appointments_window ON appointments (practice_id, starts_at) WHERE NOT removed;

CREATE TABLE IF NOT EXISTS appointment_events (
    id           bigserial PRIMARY KEY,
    practice_id  text NOT NULL,
    app_lid      text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('added', 'changed', 'removed', 'status-changed')),
    payload      json NOT NULL,
    batch_id     bigint,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS appointment_events_practice ON appointment_events (practice_id, app_lid, id);

-- Where each consumer of the feed is (the reference reminder engine, the webhook forwarder).
CREATE TABLE IF NOT EXISTS event_cursors (
    consumer    text PRIMARY KEY,
    last_id     bigint NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
