-- A sign-up waits here until the code mailed to its address comes back (WSTG-IDNT-04: sign-up
-- never says whether an address has an account). The address is encrypted (AAD = id) and kept
-- as a keyed MAC to count mails per address; code_mac is NULL when the address already had an
-- account (its owner got a notice instead), so such a sign-up can never be verified.
CREATE TABLE IF NOT EXISTS pending_signups (
  id text PRIMARY KEY,
  email_mac text NOT NULL,
  email_enc text,
  password_hash text,
  code_mac text,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  used_at timestamptz
);
CREATE INDEX IF NOT EXISTS pending_signups_address ON pending_signups (email_mac, created_at)
