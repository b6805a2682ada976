-- Passkeys: each account's WebAuthn user handle (random, never the username), its credentials
-- (public key and signature counter, as the WebAuthn library keeps them, named by the patient),
-- and the ceremonies under way (the challenge's state, kept here and used once).
ALTER TABLE users ADD COLUMN webauthn_handle TEXT;
CREATE UNIQUE INDEX users_by_webauthn_handle ON users (webauthn_handle);
CREATE TABLE passkeys (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    credential_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    passkey TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER
);
CREATE TABLE webauthn_ceremonies (
    token_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    user_id INTEGER,
    state TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
