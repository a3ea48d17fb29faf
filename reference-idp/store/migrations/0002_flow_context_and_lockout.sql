ALTER TABLE login_flows ADD COLUMN IF NOT EXISTS country text;
ALTER TABLE login_flows ADD COLUMN IF NOT EXISTS client text;
ALTER TABLE login_flows ADD COLUMN IF NOT EXISTS completed_at timestamptz;
CREATE INDEX IF NOT EXISTS login_flows_open ON login_flows (issued_at) WHERE state = 'challenged';
ALTER TABLE users ADD COLUMN IF NOT EXISTS mfa_locked_until timestamptz;
CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user_id)
