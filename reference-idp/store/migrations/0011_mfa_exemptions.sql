CREATE TABLE IF NOT EXISTS mfa_exemptions (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('policy_exempt', 'admin_override', 'break_glass')),
  reason text NOT NULL,
  requested_by text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  approved_by text REFERENCES users(id) ON DELETE SET NULL,
  status text NOT NULL CHECK (status IN ('requested', 'active', 'used', 'denied', 'expired')),
  minutes integer NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz
);
CREATE INDEX IF NOT EXISTS mfa_exemptions_user ON mfa_exemptions (user_id, status)
