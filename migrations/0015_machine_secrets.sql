-- Machine secret keys start `ak_`, like API key secrets, and `apiKeys.verify` does not know them (issue 25). To tell a
-- leaked one from junk, autorevoke keeps the SHA-256 of each machine's current secret key, never the secret, read from
-- `GET /machines/{id}/secret_key` (src/use-cases/refresh-machine-secrets.ts). An `ak_` token's hash is the token's
-- SHA-256, so an alert's token is matched by its incident's own key.
CREATE TABLE machine_secrets (
  instance      TEXT NOT NULL,
  machine_id    TEXT NOT NULL,
  machine_name  TEXT NOT NULL,
  -- NULL until the refresh has read this machine's secret key.
  secret_sha256 TEXT,
  -- When the secret's hash was last read (ms since the epoch); NULL: never.
  refreshed_at  INTEGER,
  -- The listing that last saw the machine (ms since the epoch): one that did not is gone from Clerk.
  listed        INTEGER NOT NULL,
  PRIMARY KEY (instance, machine_id)
) WITHOUT ROWID;
CREATE INDEX machine_secrets_by_hash ON machine_secrets (secret_sha256) WHERE secret_sha256 IS NOT NULL;
-- The refresh reads the machines whose hash is oldest first.
CREATE INDEX machine_secrets_stale ON machine_secrets (instance, refreshed_at);

-- When each instance's list of machines was last read.
CREATE TABLE machine_lists (
  instance  TEXT PRIMARY KEY,
  listed_at INTEGER NOT NULL
) WITHOUT ROWID;
