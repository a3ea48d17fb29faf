-- Consecutive wrong passwords per account (HMAC of the e-mail address, so unknown addresses behave alike) and class of device.
CREATE TABLE IF NOT EXISTS password_failures (
  account_key text NOT NULL,
  known boolean NOT NULL,
  failures integer NOT NULL,
  last_failed_at timestamptz NOT NULL,
  PRIMARY KEY (account_key, known)
);
-- Wrong second-factor codes per user and class of device: the account lock, the unknown-device lock and the daily cap count these.
CREATE TABLE IF NOT EXISTS code_failures (
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  known boolean NOT NULL,
  at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS code_failures_user ON code_failures (user_id, known, at);
-- Locks of unknown devices only (the owner's known devices stay open); capped_at: stopped until lifted.
CREATE TABLE IF NOT EXISTS unknown_device_locks (
  user_id text PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  locked_until timestamptz,
  capped_at timestamptz
)
