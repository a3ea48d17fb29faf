ALTER TABLE sessions ADD COLUMN IF NOT EXISTS mfa_at timestamptz;
ALTER TABLE login_flows ADD COLUMN IF NOT EXISTS intent text NOT NULL DEFAULT 'login'
