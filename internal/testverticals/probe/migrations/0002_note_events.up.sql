CREATE TABLE note_events (
    company_id uuid NOT NULL,
    id uuid NOT NULL,
    note_id uuid NOT NULL,
    attempt int NOT NULL,
    PRIMARY KEY (company_id, id)
);
