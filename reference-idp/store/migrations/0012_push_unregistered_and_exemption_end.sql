-- A push device whose token the vendor reports gone (app uninstalled or reinstalled) stops
-- receiving pushes but stays listed, so its owner sees why and adds the phone again.
ALTER TABLE push_devices DROP CONSTRAINT IF EXISTS push_devices_status_check;
ALTER TABLE push_devices ADD CONSTRAINT push_devices_status_check CHECK (status IN ('pending', 'active', 'unregistered'));
-- Who ended an exemption request (denied it, or revoked it while active), and when.
ALTER TABLE mfa_exemptions ADD COLUMN IF NOT EXISTS ended_by text;
ALTER TABLE mfa_exemptions ADD COLUMN IF NOT EXISTS ended_at timestamptz;
ALTER TABLE mfa_exemptions DROP CONSTRAINT IF EXISTS mfa_exemptions_status_check;
ALTER TABLE mfa_exemptions ADD CONSTRAINT mfa_exemptions_status_check CHECK (status IN ('requested', 'active', 'used', 'denied', 'expired', 'revoked'))
