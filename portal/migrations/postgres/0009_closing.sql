-- Closing an account: when the patient asked (sign-in stops then), and when the help desk
-- completed it. The medical record is not touched: the hospital keeps it.
ALTER TABLE users ADD COLUMN closure_requested_at BIGINT;
ALTER TABLE users ADD COLUMN closed_at BIGINT;
