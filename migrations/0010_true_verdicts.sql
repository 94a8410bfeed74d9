-- True verdicts whatever Clerk answers (issue 21).
--
-- A key Clerk knew but that was already dead when autorevoke saw it (verify answered 200 with `revoked` or `expired`,
-- or the key was deleted between verify and revoke) is recorded `revoked` / `true_positive`, and says why here: NULL
-- when autorevoke revoked it. Clerk's own revocation reason and the key's expiry are kept for operators.
ALTER TABLE incidents ADD COLUMN already_inactive TEXT
  CHECK (already_inactive IN ('revoked_elsewhere', 'expired', 'deleted'));
ALTER TABLE incidents ADD COLUMN clerk_revocation_reason TEXT;
ALTER TABLE incidents ADD COLUMN key_expiration INTEGER;

-- A `not_found` remembers what it was based on: a fingerprint of the Clerk configuration that answered it (instance
-- names, a hash of each secret key, the API URL; never a key), and when. The next sighting verifies it again when the
-- configuration changed or the verdict is a day old. NULL for verdicts from before this migration: they are checked
-- once more on their next sighting, since any of them may have come from a misconfiguration.
ALTER TABLE incidents ADD COLUMN verdict_config TEXT;
ALTER TABLE incidents ADD COLUMN checked_at INTEGER;

-- The incident history records a third Clerk call, the `lookup` (GET /api_keys/{id}) that decides after a refused
-- revoke. SQLite cannot alter a CHECK, so the table is rebuilt; nothing references it.
CREATE TABLE incident_attempts_new (
  attempt_id      INTEGER PRIMARY KEY,
  token_hash      TEXT NOT NULL REFERENCES incidents (token_hash) ON DELETE CASCADE,
  at              INTEGER NOT NULL,
  operation       TEXT NOT NULL CHECK (operation IN ('verify', 'revoke', 'lookup')),
  outcome         TEXT NOT NULL CHECK (outcome IN ('ok', 'not_found', 'retryable', 'final')),
  status          INTEGER,
  error           TEXT,
  clerk_trace_id  TEXT,
  clerk_instance  TEXT
);
INSERT INTO incident_attempts_new
  SELECT attempt_id, token_hash, at, operation, outcome, status, error, clerk_trace_id, clerk_instance
  FROM incident_attempts;
DROP TABLE incident_attempts;
ALTER TABLE incident_attempts_new RENAME TO incident_attempts;
CREATE INDEX incident_attempts_token ON incident_attempts (token_hash, at);
