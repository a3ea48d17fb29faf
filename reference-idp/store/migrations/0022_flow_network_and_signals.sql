-- The network (/24 or /48, never the address) and risk signals of the request that started a
-- sign-in flow: the flow's later events (a push answered from the phone, a code typed after the
-- password step) carry them, so each event of a flow is attributed without a join.
ALTER TABLE login_flows ADD COLUMN IF NOT EXISTS network text;
ALTER TABLE login_flows ADD COLUMN IF NOT EXISTS risk_signals text
