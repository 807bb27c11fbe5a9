-- The indexer's expiry sweep looks credentials up by expiry time.
CREATE INDEX credentials_expires_at_idx ON credentials (expires_at);
