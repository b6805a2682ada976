-- Proxy access: people who act for a patient through their own account.

-- One row per relationship, from its start to its end. Access is worked out from the row on every
-- request (age rules, end date, stop), so a birthday or a "Stop access" needs no further step.
CREATE TABLE proxy_relationships (
    id INTEGER PRIMARY KEY,
    proxy_user_id INTEGER NOT NULL REFERENCES users(id),
    patient_id TEXT NOT NULL,
    -- What the proxy is to the patient (RelatedPerson.relationship), e.g. v3-RoleCode MTH.
    relationship_system TEXT NOT NULL,
    relationship_code TEXT NOT NULL,
    -- The same in words, both ways: "mother" (shown to the patient), "son" (shown to the proxy).
    proxy_is TEXT NOT NULL,
    patient_is TEXT NOT NULL,
    -- A legal authority beside the relationship, e.g. v3-RoleCode HPOWATT; NULL for none.
    authority_code TEXT,
    -- 'parental': the patient's age decides access (care team only); 'authorised': an adult chose.
    basis TEXT NOT NULL CHECK (basis IN ('parental', 'authorised')),
    -- One of the configured access levels.
    level TEXT NOT NULL,
    -- Further security labels withheld from this proxy, space-separated and padded: ' HIV PSY '.
    withheld_labels TEXT NOT NULL DEFAULT ' ',
    starts_on TEXT NOT NULL,        -- YYYY-MM-DD, the first day of access
    ends_on TEXT,                   -- YYYY-MM-DD, the first day without access
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,       -- 'care-team' or 'invitation'
    stopped_at INTEGER,
    stopped_by TEXT,                -- 'patient', 'proxy' or 'care-team'
    -- A young person's agreement, for the ages at which access needs it.
    agreed_at INTEGER
);
CREATE INDEX proxy_by_user ON proxy_relationships (proxy_user_id, patient_id);
CREATE INDEX proxy_by_patient ON proxy_relationships (patient_id);

-- Proxy terms are accepted for each relationship, at each version.
CREATE TABLE proxy_terms_acceptances (
    relationship_id INTEGER NOT NULL REFERENCES proxy_relationships(id),
    version TEXT NOT NULL,
    accepted_at INTEGER NOT NULL,
    PRIMARY KEY (relationship_id, version)
);

-- Security labels (meta.security codes), spaced like category so one can be matched whole.
ALTER TABLE resources ADD COLUMN security TEXT NOT NULL DEFAULT ' ';
UPDATE resources SET security = ' ' || coalesce(
    (SELECT group_concat(json_extract(value, '$.code'), ' ')
     FROM json_each(resources.json, '$.meta.security')
     WHERE json_extract(value, '$.code') IS NOT NULL), '') || ' ';

-- Which relationship a read was made through: the proxy is the user, acting for the patient.
ALTER TABLE audit ADD COLUMN proxy_relationship INTEGER;

-- Only a person's own record is listed here now; proxies are in proxy_relationships.
DELETE FROM user_patients WHERE relationship != 'self';
