-- Attempts: one row per Clerk call made for an incident (verify or revoke), so operators can see what
-- happened and when, with Clerk's trace id to quote to Clerk support. Never holds a secret: `error` is
-- the classified reason (e.g. "clerk_http_503"), as in incidents.last_error.
CREATE TABLE incident_attempts (
  attempt_id      INTEGER PRIMARY KEY,
  token_hash      TEXT NOT NULL REFERENCES incidents (token_hash) ON DELETE CASCADE,
  at              INTEGER NOT NULL,                -- ms since epoch, when Clerk answered
  operation       TEXT NOT NULL CHECK (operation IN ('verify', 'revoke')),
  outcome         TEXT NOT NULL CHECK (outcome IN ('ok', 'not_found', 'retryable', 'final')),
  status          INTEGER,                         -- Clerk's HTTP status; NULL for timeouts and network errors
  error           TEXT,
  clerk_trace_id  TEXT
);

CREATE INDEX incident_attempts_token ON incident_attempts (token_hash, at);

-- The operators' incident list pages newest first over (first_seen_at, token_hash).
CREATE INDEX incidents_first_seen_hash ON incidents (first_seen_at DESC, token_hash DESC);
