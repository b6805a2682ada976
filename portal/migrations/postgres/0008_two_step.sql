-- Two-step sign-in a patient sets up themselves: the authenticator secret waiting for its first
-- code (sealed, like the one in use), since when two-step has been on, and the ten single-use
-- recovery codes (only their hashes).
ALTER TABLE users ADD COLUMN totp_pending_secret TEXT;
ALTER TABLE users ADD COLUMN totp_pending_at BIGINT;
ALTER TABLE users ADD COLUMN two_step_since BIGINT;
CREATE TABLE recovery_codes (
    user_id BIGINT NOT NULL REFERENCES users(id),
    code_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (user_id, code_hash)
);
