-- Professional access and objections: other organisations' systems read records through SMART
-- Backend Services, and patients object to what they may see.

-- Organisations whose systems may read records, named as the hospital vetted them.
CREATE TABLE organisations (
    id TEXT PRIMARY KEY,            -- the operator's short name: 'northgate-surgery'
    name TEXT NOT NULL,
    added_at INTEGER NOT NULL
);

-- Each system an organisation reads with, and the public keys (a JWK Set) its assertions are
-- signed with. A removed client keeps its row, so the audit trail still names it.
CREATE TABLE professional_clients (
    client_id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    jwks TEXT NOT NULL,
    added_at INTEGER NOT NULL,
    removed_at INTEGER
);

-- Access tokens, stored as hashes, with who the professional is and why they read.
CREATE TABLE professional_tokens (
    token_hash TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES professional_clients(client_id),
    scope TEXT NOT NULL,
    subject TEXT NOT NULL,          -- JSON: name, role, purpose
    expires_at INTEGER NOT NULL
);

-- Client assertions seen (their jti) until they expire, so none is used twice.
CREATE TABLE assertion_ids (
    client_id TEXT NOT NULL,
    jti TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (client_id, jti)
);

-- A patient's objections to sharing with other organisations, each a FHIR Consent. Withdrawn
-- ones stay, so the patient sees a dated history of their choices.
CREATE TABLE objections (
    id INTEGER PRIMARY KEY,
    patient_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('all', 'organisation', 'visit', 'item', 'category')),
    -- The organisation's id, the Encounter's id, 'Type/id' of an item, or a category's id.
    target TEXT NOT NULL DEFAULT '',
    made_at INTEGER NOT NULL,
    made_by INTEGER NOT NULL REFERENCES users(id),
    made_through INTEGER REFERENCES proxy_relationships(id),
    withdrawn_at INTEGER,
    withdrawn_by INTEGER REFERENCES users(id),
    withdrawn_through INTEGER REFERENCES proxy_relationships(id)
);
CREATE INDEX objections_by_patient ON objections (patient_id);
CREATE UNIQUE INDEX one_objection_in_force ON objections (patient_id, kind, target)
    WHERE withdrawn_at IS NULL;

-- Reads by a professional name them (JSON: client, organisation, name, role, purpose); objections
-- set aside for an emergency are listed by id.
ALTER TABLE audit ADD COLUMN professional TEXT;
ALTER TABLE audit ADD COLUMN set_aside TEXT;

-- The visit a resource was recorded in, so hiding a visit hides what was recorded in it.
ALTER TABLE resources ADD COLUMN encounter TEXT;
UPDATE resources SET encounter = coalesce(
    json_extract(json, '$.encounter.reference'),
    json_extract(json, '$.context.encounter[0].reference'),
    json_extract(json, '$.context.reference')
);
UPDATE resources SET encounter = substr(encounter, instr(encounter, 'Encounter/') + 10)
    WHERE encounter LIKE '%Encounter/%';
UPDATE resources SET encounter = NULL
    WHERE instr(encounter, '/') > 0 OR instr(encounter, ':') > 0 OR encounter = '';
CREATE INDEX resources_by_encounter ON resources (patient_id, encounter) WHERE encounter IS NOT NULL;
