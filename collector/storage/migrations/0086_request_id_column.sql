-- The IdP's request id (mfa.request_id: an admin recovery or an exemption request) becomes a
-- column, like network and risk signals in 0081: the recovery and bypass reports pair steps by
-- it, and reading it from the attributes map read the whole map of every recovery step (about a
-- fifth of the recovery report's time over 30 days). MATERIALIZED, so inserts need not name it;
-- parts written before this migration compute it from the map when read.
ALTER TABLE mfa_events {on_cluster} ADD COLUMN IF NOT EXISTS request_id String MATERIALIZED attributes['mfa.request_id'];
