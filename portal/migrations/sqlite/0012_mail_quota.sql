-- Emails a signed-in person made the portal send (invitations, emailed shares, codes to a new
-- address), for the hourly and daily limits per account and per network. Kept for a day.
CREATE TABLE mail_sent (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL,
    network TEXT NOT NULL,
    kind TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX mail_sent_by_user ON mail_sent (user_id, at);
CREATE INDEX mail_sent_by_network ON mail_sent (network, at);
