-- Issue 5 (performance): each appointment keeps the content hash of its stored values, so a load can tell an
-- unchanged row without a round trip through the database. NULL for rows written before: the next snapshot that
-- names them compares their values once and fills it in. See docs/importer.md ("How a snapshot is applied").
ALTER TABLE appointments ADD COLUMN IF NOT EXISTS row_hash uuid;
