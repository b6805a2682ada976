-- Email: each account's confirmed address, a change waiting for the code sent to the new one,
-- and notifications of new information: what each account wants to hear about, what has been
-- added to whose record, and who is due an email about it.
ALTER TABLE users ADD COLUMN email TEXT;
ALTER TABLE users ADD COLUMN notified_at INTEGER;
CREATE TABLE email_changes (
    user_id INTEGER PRIMARY KEY REFERENCES users(id),
    address TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    wrong_codes INTEGER NOT NULL DEFAULT 0
);
-- No row: the defaults (every kind, about one's own record only).
CREATE TABLE notification_choices (
    user_id INTEGER PRIMARY KEY REFERENCES users(id),
    results INTEGER NOT NULL,
    documents INTEGER NOT NULL,
    letters INTEGER NOT NULL,
    appointments INTEGER NOT NULL,
    others INTEGER NOT NULL
);
CREATE TABLE new_information (
    id INTEGER PRIMARY KEY,
    patient_id TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    added_at INTEGER NOT NULL
);
CREATE TABLE notifications_due (
    user_id INTEGER PRIMARY KEY REFERENCES users(id),
    since INTEGER NOT NULL
);
