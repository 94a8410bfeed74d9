-- Incidents: one per leaked token, keyed by the token's SHA-256. The raw token is never stored;
-- `sealed_secret` holds it AES-GCM-sealed (see src/incidents/sealed-secret.ts) only while the Clerk
-- key id is still unknown, and is cleared as soon as the key id is known or the incident is final.
CREATE TABLE incidents (
  token_hash      TEXT PRIMARY KEY,              -- lowercase hex SHA-256 of the token
  token_prefix    TEXT NOT NULL,                 -- first characters for humans, e.g. "ak_3bee…"
  token_type      TEXT NOT NULL,                 -- type as first reported, lowercased
  status          TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'revoked', 'not_found', 'ignored', 'failed')),
  label           TEXT CHECK (label IN ('true_positive', 'false_positive')),
  key_id          TEXT,                          -- Clerk API key id, once verify has answered
  key_subject     TEXT,
  key_name        TEXT,
  sealed_secret   TEXT,
  attempts        INTEGER NOT NULL DEFAULT 0,    -- claims taken, i.e. resolution attempts
  last_error      TEXT,                          -- redacted; never holds the token
  clerk_trace_id  TEXT,
  claimed_until   INTEGER,                       -- lease (ms since epoch) held by the resolver at work
  next_attempt_at INTEGER,                       -- when the queued retry is due; the sweeper waits past it
  first_seen_at   INTEGER NOT NULL,
  last_seen_at    INTEGER NOT NULL,
  revoked_at      INTEGER,
  updated_at      INTEGER NOT NULL
);

CREATE INDEX incidents_status_updated ON incidents (status, updated_at);
CREATE INDEX incidents_first_seen ON incidents (first_seen_at);

-- Sightings: where a token was seen, one row per (token, sender, url, source). `sighting_id` is the
-- SHA-256 of those four, so the row stays unique after retention erases url, source and type.
CREATE TABLE sightings (
  sighting_id     TEXT PRIMARY KEY,
  token_hash      TEXT NOT NULL REFERENCES incidents (token_hash),
  sender          TEXT NOT NULL,
  url             TEXT,
  source          TEXT,
  type            TEXT,
  first_seen_at   INTEGER NOT NULL,
  last_seen_at    INTEGER NOT NULL,
  times_seen      INTEGER NOT NULL DEFAULT 1,
  erased_at       INTEGER
);

CREATE INDEX sightings_token ON sightings (token_hash);
CREATE INDEX sightings_retention ON sightings (first_seen_at) WHERE erased_at IS NULL;
