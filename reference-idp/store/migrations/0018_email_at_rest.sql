-- E-mail addresses leave plaintext: sealed (AES-256-GCM) plus a keyed blind index for lookups
-- and uniqueness. Rows are encrypted and their plaintext cleared at start-up (store/user-email.ts),
-- which has the keys; the plaintext column stays, nullable and empty, for that step.
ALTER TABLE users ADD COLUMN IF NOT EXISTS email_enc text;
ALTER TABLE users ADD COLUMN IF NOT EXISTS email_idx text;
CREATE UNIQUE INDEX IF NOT EXISTS users_email_idx ON users (email_idx);
ALTER TABLE users ALTER COLUMN email DROP NOT NULL;
-- From now on nothing writes an address in plaintext (NOT VALID: rows from before are cleared
-- by the start-up step, not refused here).
ALTER TABLE users ADD CONSTRAINT users_email_not_plaintext CHECK (email IS NULL) NOT VALID
