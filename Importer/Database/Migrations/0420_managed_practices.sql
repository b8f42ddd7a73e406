-- Practices without restarts (issue 17). A practice is configured in exactly one place: 'json' (RecallFiles:Practices:{id},
-- mirrored at start-up, read-only to the CLI and the dashboard) or 'db' (added by `recallfiles practices add` or support on
-- the dashboard). An id that is in both stops start-up and fails `check`, naming the key (ManagedPractices.Conflicts).
ALTER TABLE practices ADD COLUMN IF NOT EXISTS source text NOT NULL DEFAULT 'json' CHECK (source IN ('json', 'db'));
ALTER TABLE practices ADD COLUMN IF NOT EXISTS errors_folder text;
ALTER TABLE practices ADD COLUMN IF NOT EXISTS changed_by text;
ALTER TABLE practices ADD COLUMN IF NOT EXISTS config_version bigint NOT NULL DEFAULT 0;

-- Running servers compare max(config_version) once a minute (RecallFiles:Importer:PracticeRefresh): one index-only read,
-- whatever the number of practices. Every change of a setting takes the next number; poll health (poll_error) does not.
CREATE SEQUENCE IF NOT EXISTS practices_config_version;
CREATE INDEX IF NOT EXISTS practices_config_version_idx ON practices (config_version);

CREATE OR REPLACE FUNCTION practices_bump_config_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.config_version := nextval('practices_config_version');
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS practices_config_version_bump ON practices;
CREATE TRIGGER practices_config_version_bump
    BEFORE INSERT OR UPDATE OF drop_box, folder, errors_folder, time_zone, cadence, enabled, row_error_policy, max_removal_share,
        window_past, window_ahead, strict_contacts, source
    ON practices FOR EACH ROW EXECUTE FUNCTION practices_bump_config_version();
