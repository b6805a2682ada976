-- Gateway mode with --records-topic: a hash of the secret the hospital's record server sends with
-- each notification, kept before the Subscription is made (its handshake may come first), then
-- the Subscription's id there.
CREATE TABLE record_subscription (
    secret_hash TEXT PRIMARY KEY,
    subscription_id TEXT,
    topic TEXT NOT NULL
);
