-- A GitHub App's secret-scanning alerts that autorevoke resolves (issue 23): one row per alert, keyed by
-- `<repository id>#<number>`, so that two deliveries of one alert (a redelivery, or `created` beside
-- `location_created`) PATCH it once. The row holds no secret: the alert's coordinates, the token's hash, and the
-- claim/patch times. `claimed_until` fences a PATCH in flight the way incident leases fence a revoke.
CREATE TABLE github_alerts (
  alert_key TEXT PRIMARY KEY,
  installation_id INTEGER NOT NULL,
  token_hash TEXT,
  claimed_until INTEGER,
  patched_at INTEGER,
  created_at INTEGER NOT NULL
);

-- The sweep deletes rows at the sightings' retention age: by this index, never by reading the table.
CREATE INDEX github_alerts_created ON github_alerts (created_at);
