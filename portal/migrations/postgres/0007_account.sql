-- Account settings: which browser each session is, for the list of signed-in devices; when the
-- password last changed.
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
ALTER TABLE users ADD COLUMN password_changed_at BIGINT;
