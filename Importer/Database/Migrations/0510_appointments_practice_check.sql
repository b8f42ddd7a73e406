-- The appointments' practice checked once per statement instead of once per row (issue 18). The foreign key
-- appointments.practice_id → practices.id ran a `SELECT … FOR KEY SHARE` on practices for every row a load COPYed:
-- 20–40 % of the appointments insert (bench/schema/keys.sh, docs/performance.md). The same guarantee, kept for every
-- writer, not only the loader:
--   * after each INSERT statement, the practices it named are locked FOR KEY SHARE (as the key did: none can be
--     deleted or re-keyed until the inserting transaction ends) and an unknown one fails the statement;
--   * an UPDATE that changes an appointment's practice_id is checked the same way, row by row (the product never does);
--   * deleting a practice, or changing its id, fails while appointments name it; checked after the row is deleted, so
--     a delete that waited for a load to commit sees that load's appointments.
-- Errors keep the key's SQLSTATE 23503 (foreign_key_violation).
ALTER TABLE appointments DROP CONSTRAINT IF EXISTS appointments_practice_id_fkey;

CREATE OR REPLACE FUNCTION appointments_practice_exists() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing text;
BEGIN
    PERFORM 1 FROM practices p WHERE p.id IN (SELECT DISTINCT n.practice_id FROM new_rows n) ORDER BY p.id FOR KEY SHARE;
    SELECT n.practice_id INTO missing FROM (SELECT DISTINCT practice_id FROM new_rows) n
     WHERE NOT EXISTS (SELECT 1 FROM practices p WHERE p.id = n.practice_id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'insert or update on table "appointments" names practice "%", which is not in table "practices"', missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS appointments_practice_exists ON appointments;
CREATE TRIGGER appointments_practice_exists AFTER INSERT ON appointments
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION appointments_practice_exists();

CREATE OR REPLACE FUNCTION appointments_practice_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM practices p WHERE p.id = NEW.practice_id FOR KEY SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'insert or update on table "appointments" names practice "%", which is not in table "practices"', NEW.practice_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS appointments_practice_moved ON appointments;
CREATE TRIGGER appointments_practice_moved BEFORE UPDATE OF practice_id ON appointments
    FOR EACH ROW WHEN (OLD.practice_id IS DISTINCT FROM NEW.practice_id) EXECUTE FUNCTION appointments_practice_moved();

CREATE OR REPLACE FUNCTION practices_keep_appointments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM appointments a WHERE a.practice_id = OLD.id) THEN
        RAISE EXCEPTION 'update or delete on table "practices" would leave appointments of practice "%" without their practice', OLD.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS practices_keep_appointments_delete ON practices;
CREATE TRIGGER practices_keep_appointments_delete AFTER DELETE ON practices
    FOR EACH ROW EXECUTE FUNCTION practices_keep_appointments();
DROP TRIGGER IF EXISTS practices_keep_appointments_update ON practices;
CREATE TRIGGER practices_keep_appointments_update AFTER UPDATE OF id ON practices
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION practices_keep_appointments();
