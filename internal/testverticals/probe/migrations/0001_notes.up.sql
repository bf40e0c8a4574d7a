CREATE TABLE notes (
    company_id uuid NOT NULL,
    id uuid NOT NULL,
    body text NOT NULL CHECK (length(body) <= 1000),
    amount numeric(12,2) NOT NULL DEFAULT 0,
    status text NOT NULL DEFAULT 'open',
    version bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, id)
);
