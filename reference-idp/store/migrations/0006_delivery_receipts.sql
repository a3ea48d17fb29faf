ALTER TABLE oob_codes ADD COLUMN IF NOT EXISTS receipt_status text;
ALTER TABLE oob_codes ADD COLUMN IF NOT EXISTS receipt_at timestamptz;
CREATE INDEX IF NOT EXISTS oob_codes_provider_message ON oob_codes (provider, provider_message_id);
CREATE INDEX IF NOT EXISTS oob_codes_unreceipted ON oob_codes (sent_at) WHERE receipt_status IS NULL AND provider IS NOT NULL
