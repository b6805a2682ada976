-- What several portals on one database must agree on: failed steps counted per client network
-- (sign-in passwords and codes, assertions, passkey challenges asked for), and when each was last
-- refused in the audit trail; an order for terms versions and for waiting passkey ceremonies that
-- does not hang on SQLite's hidden row numbers.
CREATE TABLE network_failures (
    kind TEXT NOT NULL,             -- 'sign-in' or 'passkey-challenge'
    network TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX network_failures_by_network ON network_failures (kind, network, at);
CREATE TABLE network_refusals (
    kind TEXT NOT NULL,
    network TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (kind, network)
);

ALTER TABLE terms ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE terms SET seq = rowid;

-- Ceremonies under way last minutes: those waiting when the portal is upgraded start again.
DROP TABLE webauthn_ceremonies;
CREATE TABLE webauthn_ceremonies (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    user_id INTEGER,
    state TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- Background rounds (emailing notices, telling of emergency reads) run on one portal at a time:
-- the portal holding a round's lease until a time; a portal stopped mid-round lets it lapse.
CREATE TABLE round_leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until INTEGER NOT NULL
);
