-- Status flow back to the PMS (issue 6). Applied by Migrator after the importer's migrations (name order); idempotent.

-- One row per status file the cloud wrote for a practice. The name is assigned in the same transaction that assigns
-- the updates to it, so a crash before the upload re-uploads the same file under the same name.
CREATE TABLE IF NOT EXISTS status_files (
    id            bigserial PRIMARY KEY,
    practice_id   text NOT NULL REFERENCES practices (id),
    file_name     text NOT NULL UNIQUE,
    remote_folder text NOT NULL,
    rows          integer NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    uploaded_at   timestamptz,
    sha256        text,
    result_file   text,
    result_at     timestamptz
);
CREATE INDEX IF NOT EXISTS status_files_open ON status_files (practice_id, id) WHERE uploaded_at IS NULL;

-- What patients (or the practice) answered, on its way to the PMS.
CREATE TABLE IF NOT EXISTS status_updates (
    id                  bigserial PRIMARY KEY,
    practice_id         text NOT NULL REFERENCES practices (id),
    app_lid             text NOT NULL,
    status              text NOT NULL CHECK (status IN ('PENDING', 'APPROVED', 'CANCELLED by USER', 'CANCELLED by ADMIN')),
    app_date            date,
    app_start_time      time,
    resource_lid        text NOT NULL,
    user_landline_phone text,
    user_mobile_phone   text,
    user_email          text,
    source              text NOT NULL DEFAULT 'api',
    created_at          timestamptz NOT NULL DEFAULT now(),
    status_file_id      bigint REFERENCES status_files (id),
    file_name           text,
    state               text NOT NULL DEFAULT 'pending'
                        CHECK (state IN ('pending', 'superseded', 'exported', 'applied', 'conflicted', 'failed', 'not_found')),
    result_message      text,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS status_updates_pending ON status_updates (practice_id, id) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS status_updates_file ON status_updates (status_file_id, app_lid);
CREATE INDEX IF NOT EXISTS status_updates_lid ON status_updates (practice_id, app_lid, id);

-- Result files imported (idempotency: the same name and bytes twice change nothing).
CREATE TABLE IF NOT EXISTS status_result_files (
    practice_id  text NOT NULL REFERENCES practices (id),
    file_name    text NOT NULL,
    sha256       text NOT NULL,
    status_file_id bigint REFERENCES status_files (id),
    rows         integer NOT NULL,
    applied      integer NOT NULL,
    conflicted   integer NOT NULL,
    failed       integer NOT NULL,
    not_found    integer NOT NULL,
    unmatched    integer NOT NULL,
    imported_at  timestamptz NOT NULL DEFAULT now(),
    remote_done  boolean NOT NULL DEFAULT false,
    PRIMARY KEY (practice_id, file_name, sha256)
);
