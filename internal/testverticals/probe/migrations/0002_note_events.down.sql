DROP TABLE note_events;
