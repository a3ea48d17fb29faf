-- OpenID Connect provider state (reference-idp/oidc/adapter.ts): sessions, interactions, codes,
-- grants and tokens of oidc-provider, one row per model and id, as the library's adapter API asks.
CREATE TABLE IF NOT EXISTS oidc_payloads (
  model text NOT NULL,
  id text NOT NULL,
  payload jsonb NOT NULL,
  grant_id text,
  user_code text,
  uid text,
  expires_at timestamptz,
  consumed_at timestamptz,
  PRIMARY KEY (model, id)
);
CREATE INDEX IF NOT EXISTS oidc_payloads_grant ON oidc_payloads (grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS oidc_payloads_uid ON oidc_payloads (model, uid) WHERE uid IS NOT NULL;
CREATE INDEX IF NOT EXISTS oidc_payloads_user_code ON oidc_payloads (model, user_code) WHERE user_code IS NOT NULL;
CREATE INDEX IF NOT EXISTS oidc_payloads_expiry ON oidc_payloads (expires_at);
-- FactorWatch roles (contract/access.ts ROLES) per account: the ID token's factorwatch_roles claim.
CREATE TABLE IF NOT EXISTS user_roles (
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('viewer', 'sre', 'security', 'operator', 'admin')),
  granted_at timestamptz NOT NULL,
  granted_via text NOT NULL CHECK (granted_via IN ('admin', 'service_token')),
  PRIMARY KEY (user_id, role)
)
