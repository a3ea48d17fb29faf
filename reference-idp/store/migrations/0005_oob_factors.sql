CREATE TABLE IF NOT EXISTS oob_factors (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  channel text NOT NULL CHECK (channel IN ('sms', 'voice', 'email')),
  address_enc text NOT NULL,
  address_mac text NOT NULL,
  hint text NOT NULL,
  name text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'active')),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS oob_factors_user ON oob_factors (user_id);
CREATE TABLE IF NOT EXISTS oob_codes (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  factor_id text NOT NULL REFERENCES oob_factors(id) ON DELETE CASCADE,
  flow_id text,
  address_mac text NOT NULL,
  code_mac text NOT NULL,
  sent_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  used_at timestamptz,
  provider text,
  provider_message_id text
);
CREATE INDEX IF NOT EXISTS oob_codes_user_sent ON oob_codes (user_id, sent_at);
CREATE INDEX IF NOT EXISTS oob_codes_address_sent ON oob_codes (address_mac, sent_at);
CREATE INDEX IF NOT EXISTS oob_codes_flow ON oob_codes (flow_id)
