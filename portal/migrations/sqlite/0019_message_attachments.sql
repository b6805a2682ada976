-- Files on messages: photos and PDFs, kept with their writer's draft until the message goes, then
-- with the message. Offered only as downloads (messages::attachments).
CREATE TABLE message_attachments (
    -- Its id in addresses: random, so one attachment's id says nothing of another's.
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL,
    -- Who added it: a user, or the hospital (NULL).
    user_id INTEGER REFERENCES users(id),
    -- Unsent: the draft's place ("new" or a conversation's id). Sent: the message.
    place TEXT,
    message_id INTEGER REFERENCES messages(id),
    -- The file's name as given, less folders and control characters: shown only as text.
    name TEXT NOT NULL,
    -- What its first bytes show it is; never what the browser or the name said.
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    data BLOB NOT NULL,
    added_at INTEGER NOT NULL
);
CREATE INDEX message_attachments_by_message ON message_attachments (message_id);
CREATE INDEX message_attachments_by_draft ON message_attachments (user_id, patient_id, place);
