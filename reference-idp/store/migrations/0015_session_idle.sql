-- When a session was last used: one idle longer than the limit is over (NIST SP 800-63B AAL2: 30 minutes).
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS last_seen_at timestamptz
