-- A new sign-in e-mail address waits here until the code sent to it comes back.
CREATE TABLE IF NOT EXISTS email_changes (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  email_enc text NOT NULL,
  code_mac text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  used_at timestamptz
);
CREATE INDEX IF NOT EXISTS email_changes_user ON email_changes (user_id, created_at)
