-- Emergency reads by other organisations are told to the patient: how far through the audit
-- trail the telling has got (one row), and when each patient was last told.
CREATE TABLE emergency_cursor (
    only INTEGER PRIMARY KEY CHECK (only = 1),
    audit_id INTEGER NOT NULL
);
CREATE TABLE emergency_told (
    patient_id TEXT PRIMARY KEY,
    told_at INTEGER NOT NULL
);
