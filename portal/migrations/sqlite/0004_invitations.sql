-- A patient invites an adult to act for them; the invitee accepts with a one-time code.
CREATE TABLE proxy_invitations (
    id INTEGER PRIMARY KEY,
    patient_id TEXT NOT NULL,
    invited_by INTEGER NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    -- One of the relationship kinds the invitation form offers (see proxy::invitations::KINDS).
    kind TEXT NOT NULL,
    level TEXT NOT NULL,
    withheld_labels TEXT NOT NULL DEFAULT ' ',
    ends_on TEXT,
    -- SHA-256 of the code's canonical form: the code itself is only in the email.
    code_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    accepted_at INTEGER,
    accepted_by INTEGER REFERENCES users(id),
    relationship_id INTEGER REFERENCES proxy_relationships(id),
    cancelled_at INTEGER
);
CREATE INDEX invitations_by_patient ON proxy_invitations (patient_id);
