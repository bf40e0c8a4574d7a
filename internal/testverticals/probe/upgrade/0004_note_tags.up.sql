-- Broken on purpose: notes has no column tag.
CREATE INDEX notes_tag ON notes (company_id, tag);
