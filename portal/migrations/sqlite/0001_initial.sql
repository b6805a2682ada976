-- The first schema: accounts, sessions, terms, FHIR resources and the audit trail.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    totp_secret TEXT,
    last_totp_step INTEGER,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER
);
CREATE TABLE user_patients (
    user_id INTEGER NOT NULL REFERENCES users(id),
    patient_id TEXT NOT NULL,
    relationship TEXT NOT NULL,
    PRIMARY KEY (user_id, patient_id)
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    stage TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    code_attempts INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE terms (
    document TEXT NOT NULL,
    version TEXT NOT NULL,
    title TEXT NOT NULL,
    effective_date TEXT NOT NULL,
    format TEXT NOT NULL,
    text TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    PRIMARY KEY (document, version)
);
CREATE TABLE terms_acceptances (
    user_id INTEGER NOT NULL REFERENCES users(id),
    document TEXT NOT NULL,
    version TEXT NOT NULL,
    accepted_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, document, version)
);
CREATE TABLE resources (
    type TEXT NOT NULL,
    id TEXT NOT NULL,
    patient_id TEXT,
    date TEXT,
    category TEXT NOT NULL DEFAULT '',
    json TEXT NOT NULL,
    PRIMARY KEY (type, id)
);
CREATE INDEX resources_by_patient ON resources (patient_id, type, date);
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    user_id INTEGER,
    patient_id TEXT,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
