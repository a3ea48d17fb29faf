CREATE TABLE IF NOT EXISTS trusted_devices (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  last_used_at timestamptz
);
CREATE INDEX IF NOT EXISTS trusted_devices_user ON trusted_devices (user_id);
CREATE TABLE IF NOT EXISTS login_history (
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  at timestamptz NOT NULL,
  country text,
  device_id text,
  risk_level text
);
CREATE INDEX IF NOT EXISTS login_history_user_at ON login_history (user_id, at DESC);
ALTER TABLE login_flows ADD COLUMN IF NOT EXISTS risk_level text;
ALTER TABLE login_flows ADD COLUMN IF NOT EXISTS device_id text
