-- Messages between a patient (or someone acting for them) and their care team: conversations on
-- a topic the hospital lists, each message a FHIR Communication (see messages::fhir).
CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    patient_id TEXT NOT NULL,
    -- One of the hospital's topics (messages::settings), kept as chosen.
    topic TEXT NOT NULL,
    subject TEXT NOT NULL,
    -- A record item the conversation is about ("Observation/abc"), for a correction request.
    about TEXT,
    -- Who started it: a user (the patient or a proxy), or the hospital (NULL).
    started_by INTEGER REFERENCES users(id),
    proxy_relationship INTEGER REFERENCES proxy_relationships(id),
    started_at INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    closed_at INTEGER
);
CREATE INDEX conversations_by_patient ON conversations (patient_id, last_at);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    -- The Communication's logical id.
    fhir_id TEXT NOT NULL UNIQUE,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    sent_at INTEGER NOT NULL,
    -- A user's message: theirs, and the relationship they wrote through if not their own record.
    author_user INTEGER REFERENCES users(id),
    proxy_relationship INTEGER REFERENCES proxy_relationships(id),
    -- A reply from the hospital: the member of staff who wrote it, and their role.
    staff_name TEXT,
    staff_role TEXT,
    body TEXT NOT NULL,
    -- When the hospital first read a user's message.
    received_at INTEGER
);
CREATE INDEX messages_by_conversation ON messages (conversation_id, sent_at);
CREATE INDEX messages_by_author ON messages (author_user, sent_at);

-- Which replies each user has read: unread counts are per person, not per record.
CREATE TABLE message_reads (
    message_id INTEGER NOT NULL REFERENCES messages(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    read_at INTEGER NOT NULL,
    PRIMARY KEY (message_id, user_id)
);

-- What someone is writing and has not sent: kept here, never in the browser, so neither an
-- idle sign-out nor a closed tab loses it. One per user, record and place ("new" or a
-- conversation's id).
CREATE TABLE message_drafts (
    user_id INTEGER NOT NULL REFERENCES users(id),
    patient_id TEXT NOT NULL,
    place TEXT NOT NULL,
    topic TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    about TEXT,
    body TEXT NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, patient_id, place)
);

-- Replies to messages are emailed about ("there is something new") unless turned off.
ALTER TABLE notification_choices ADD COLUMN messages INTEGER NOT NULL DEFAULT 1;

-- A registered system that is the hospital's own and answers patients' messages: only such a
-- system may be granted system/Communication scopes.
ALTER TABLE professional_clients ADD COLUMN messages INTEGER NOT NULL DEFAULT 0;
