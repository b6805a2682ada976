-- Sign-in under attack, operator controls and a complete audit.

-- Wrong passwords are counted per (normalised username, client network) and per username across
-- all clients, whether or not the username exists, so a lockout reveals nothing about accounts.
CREATE TABLE sign_in_failures (
    username TEXT NOT NULL,
    client TEXT NOT NULL,           -- a client network, or '*' for the whole account
    failures BIGINT NOT NULL,
    last_failed_at BIGINT NOT NULL,
    locked_until BIGINT,
    PRIMARY KEY (username, client)
);

-- Clients from which an account has completed a sign-in: they pass the account-wide lock.
CREATE TABLE known_clients (
    user_id BIGINT NOT NULL REFERENCES users(id),
    client TEXT NOT NULL,
    last_signed_in BIGINT NOT NULL,
    PRIMARY KEY (user_id, client)
);

-- Wrong security codes are counted on the account, across sign-ins.
ALTER TABLE users ADD COLUMN code_failures BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN code_last_failed_at BIGINT;
ALTER TABLE users ADD COLUMN code_locked_until BIGINT;
ALTER TABLE users ADD COLUMN disabled_at BIGINT;
ALTER TABLE users DROP COLUMN failed_attempts;
ALTER TABLE users DROP COLUMN locked_until;
ALTER TABLE sessions DROP COLUMN code_attempts;
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Who, from where, with what, in which session, and whether it was allowed.
ALTER TABLE audit ADD COLUMN outcome TEXT NOT NULL DEFAULT 'success';
ALTER TABLE audit ADD COLUMN username TEXT;
ALTER TABLE audit ADD COLUMN client TEXT;
ALTER TABLE audit ADD COLUMN user_agent TEXT;
ALTER TABLE audit ADD COLUMN session_ref TEXT;
CREATE INDEX audit_by_patient ON audit (patient_id, at);

-- Append-only for the application: no update, delete or truncate gets through.
CREATE FUNCTION audit_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only';
END
$$;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_is_append_only();
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_is_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_is_append_only();
