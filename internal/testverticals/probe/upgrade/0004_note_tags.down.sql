DROP INDEX notes_tag;
