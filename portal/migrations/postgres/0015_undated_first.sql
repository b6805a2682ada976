-- A resource without a date is the earliest, as in SQLite: the record is paged by
-- `date DESC NULLS LAST` (newest first), which this index answers by reading it backwards.
DROP INDEX resources_by_patient;
CREATE INDEX resources_by_patient ON resources (patient_id, type, date NULLS FIRST);
