-- Adding a phone without signing in on it: the signed-in web page makes a one-time pairing code
-- (shown as a QR code), the phone's app registers its key with that code instead of a session.
CREATE TABLE IF NOT EXISTS push_pairings (
  id text PRIMARY KEY,
  code_hash text NOT NULL UNIQUE,
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  device_id text REFERENCES push_devices(id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS push_pairings_user ON push_pairings (user_id, created_at)
