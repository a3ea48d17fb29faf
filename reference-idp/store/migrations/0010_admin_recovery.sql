CREATE TABLE IF NOT EXISTS recovery_requests (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  status text NOT NULL CHECK (status IN ('requested', 'approved', 'denied', 'completed', 'expired')),
  created_at timestamptz NOT NULL,
  decided_by text REFERENCES users(id) ON DELETE SET NULL,
  decided_at timestamptz,
  decision_reason text,
  link_hash text,
  link_expires_at timestamptz,
  completed_at timestamptz
);
CREATE INDEX IF NOT EXISTS recovery_requests_user ON recovery_requests (user_id);
CREATE INDEX IF NOT EXISTS recovery_requests_status ON recovery_requests (status, created_at);
CREATE TABLE IF NOT EXISTS audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  actor_hash text,
  action text NOT NULL,
  target_hash text,
  request_id text,
  detail text
);
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (at DESC)
