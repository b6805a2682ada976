-- SQLite already takes a NULL date as the earliest, which `resources_by_patient` follows; the
-- PostgreSQL migration of this number brings its index into line. Kept so both stores number
-- their migrations alike.
SELECT 1;
