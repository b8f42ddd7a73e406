-- The sample PMS of the embedded default (`./recallfiles run` with no configuration): a small SQLite
-- database with the kind of table a practice management system has, local start times and all.
-- Built at start-up from sample-data/appointments/APPOINTMENTS_DEMO-01_20261123T080000Z.csv, with the
-- dates moved so that the file's reference time (2026-11-23T08:00Z) is "now".
DROP TABLE IF EXISTS appointments;
CREATE TABLE appointments (
    app_lid TEXT PRIMARY KEY,
    starts_at TEXT NOT NULL,          -- local wall-clock time, Europe/Madrid, 'yyyy-MM-dd HH:mm:ss'
    landline TEXT, mobile TEXT, email TEXT,
    resource_lid TEXT NOT NULL, resource_name TEXT NOT NULL, resource_mobile TEXT, resource_email TEXT,
    location_lid TEXT, location_name TEXT,
    status INTEGER NOT NULL DEFAULT 1,      -- 1 booked, 5 cancelled (the status applier writes it)
    confirmed INTEGER NOT NULL DEFAULT 0    -- 1 once the patient confirmed (the status applier writes it)
);
