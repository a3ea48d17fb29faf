CREATE TABLE IF NOT EXISTS push_devices (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  platform text NOT NULL CHECK (platform IN ('ios', 'android')),
  token_enc text NOT NULL,
  device_public_key text NOT NULL,
  name text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'active')),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz
);
CREATE INDEX IF NOT EXISTS push_devices_user ON push_devices (user_id);
CREATE TABLE IF NOT EXISTS push_challenges (
  id text PRIMARY KEY,
  flow_id text REFERENCES login_flows(id) ON DELETE CASCADE,
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  device_id text NOT NULL REFERENCES push_devices(id) ON DELETE CASCADE,
  number smallint NOT NULL CHECK (number BETWEEN 10 AND 99),
  sent_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  responded_at timestamptz,
  decision text CHECK (decision IN ('approved', 'denied', 'fraud')),
  closed_reason text,
  provider text,
  provider_message_id text
);
CREATE INDEX IF NOT EXISTS push_challenges_user_sent ON push_challenges (user_id, sent_at);
CREATE INDEX IF NOT EXISTS push_challenges_flow ON push_challenges (flow_id, sent_at);
CREATE INDEX IF NOT EXISTS push_challenges_device ON push_challenges (device_id, sent_at);
CREATE TABLE IF NOT EXISTS push_locks (
  user_id text PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  reason text NOT NULL CHECK (reason IN ('fraud_reported', 'push_bombing')),
  locked_at timestamptz NOT NULL,
  locked_until timestamptz
)
