-- Gateway mode: how far the portal has looked for new information on the hospital's record
-- server, per type: the latest `meta.lastUpdated` it has seen there (the server's own clock,
-- never this machine's), and when it last looked (Unix seconds), so portals sharing this
-- database look once a minute between them.
CREATE TABLE record_watch (
    resource_type TEXT PRIMARY KEY,
    seen_to TEXT NOT NULL,
    looked_at BIGINT NOT NULL
);
