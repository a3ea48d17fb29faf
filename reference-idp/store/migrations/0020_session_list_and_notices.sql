-- Sessions a user can see and end one by one (ASVS 3.3.4): a public id apart from the secret
-- (whose hash is the key), and what lets the owner recognise a session without a raw IP.
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS public_id text;
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS created_at timestamptz;
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS client text;
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS country text;
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS device_label text;
UPDATE sessions SET public_id = md5(id_hash || random()::text) WHERE public_id IS NULL;
CREATE UNIQUE INDEX IF NOT EXISTS sessions_public_id ON sessions (public_id);
-- Security notices mailed to account owners (ASVS 2.2.3, 2.5.5): when each kind last went out, to rate-limit them.
CREATE TABLE IF NOT EXISTS account_notices (
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind text NOT NULL,
  sent_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS account_notices_user ON account_notices (user_id, sent_at DESC)
