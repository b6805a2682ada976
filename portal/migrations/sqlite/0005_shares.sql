-- Share codes: a patient (or someone with full access to their record) lets someone see chosen
-- sections for a short time, by a code with the patient's date of birth, or by a SMART Health Link.
CREATE TABLE shares (
    id INTEGER PRIMARY KEY,
    patient_id TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users(id),
    -- Set when someone acting for the patient made it.
    proxy_relationship INTEGER REFERENCES proxy_relationships(id),
    label TEXT NOT NULL DEFAULT '',
    -- Section ids, space-separated (see shares::SECTIONS).
    sections TEXT NOT NULL,
    sent_to TEXT,
    -- SHA-256 of the code's canonical form: the code itself is shown once and emailed, never kept.
    code_hash TEXT NOT NULL UNIQUE,
    -- SHA-256 of the link's manifest path segment.
    link_hash TEXT NOT NULL UNIQUE,
    -- The link's file key (base64url), kept only while the share can be opened.
    link_key TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    stopped_at INTEGER,
    stopped_by INTEGER REFERENCES users(id),
    -- Wrong dates of birth and wrong passcodes, over the share's life.
    failed_attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX shares_by_patient ON shares (patient_id);

-- A viewer who gave the code and date of birth: a session of its own kind, reading one share.
CREATE TABLE share_sessions (
    token_hash TEXT PRIMARY KEY,
    share_id INTEGER NOT NULL REFERENCES shares(id),
    viewer TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen INTEGER NOT NULL
);
CREATE INDEX share_sessions_by_share ON share_sessions (share_id);

-- A link's files: short-lived addresses, each good for one download.
CREATE TABLE share_files (
    token_hash TEXT PRIMARY KEY,
    share_id INTEGER NOT NULL REFERENCES shares(id),
    section TEXT NOT NULL,
    viewer TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);

-- Reads through a share name the share and the viewer (JSON: name, organisation, how).
ALTER TABLE audit ADD COLUMN share_id INTEGER;
ALTER TABLE audit ADD COLUMN viewer TEXT;
CREATE INDEX audit_by_share ON audit (share_id) WHERE share_id IS NOT NULL;
