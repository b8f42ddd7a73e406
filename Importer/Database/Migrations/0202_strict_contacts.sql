-- Contact-field policy (issue 15): false (the default) makes an invalid optional phone or e-mail a warning that clears the
-- value and keeps the row; true makes it a row error. Mirrored from RecallFiles:Practices:{id}:StrictContacts.
ALTER TABLE practices ADD COLUMN IF NOT EXISTS strict_contacts boolean NOT NULL DEFAULT false;
