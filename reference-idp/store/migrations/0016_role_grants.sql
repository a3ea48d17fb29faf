CREATE TABLE IF NOT EXISTS role_grants (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  user_group text NOT NULL CHECK (user_group IN ('admin', 'workforce', 'customer', 'vendor')),
  reason text NOT NULL,
  via text NOT NULL CHECK (via IN ('admin', 'service_token')),
  requested_by text REFERENCES users(id) ON DELETE SET NULL,
  decided_by text REFERENCES users(id) ON DELETE SET NULL,
  status text NOT NULL CHECK (status IN ('requested', 'applied', 'denied')),
  created_at timestamptz NOT NULL,
  decided_at timestamptz
);
CREATE INDEX IF NOT EXISTS role_grants_status ON role_grants (status, created_at);
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS mfa_factor text
