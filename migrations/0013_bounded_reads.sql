-- Every page, sweep and alert reads a bounded number of rows, however long the log grows (issue 24). D1 bills and
-- limits by rows read; at 1,000,000 incidents the overview read 1.58M rows a load, and a search or a deep page ~1M.
--
-- Running this migration reads the whole log once (the backfills below); after it, nothing does.

-- The senders that saw each token, kept on the incident (a JSON array) by a trigger on the sightings, so that a list
-- page reads one row per incident instead of grouping its sightings, and the sender filter is a test on that row.
ALTER TABLE incidents ADD COLUMN senders TEXT NOT NULL DEFAULT '[]';
UPDATE incidents SET senders = (
  SELECT json_group_array(sender) FROM (SELECT DISTINCT sender FROM sightings AS s WHERE s.token_hash = incidents.token_hash)
) WHERE EXISTS (SELECT 1 FROM sightings AS s WHERE s.token_hash = incidents.token_hash);

CREATE TRIGGER sightings_sender AFTER INSERT ON sightings BEGIN
  UPDATE incidents SET senders = json_insert(senders, '$[#]', NEW.sender)
  WHERE token_hash = NEW.token_hash AND NOT EXISTS (SELECT 1 FROM json_each(incidents.senders) WHERE value = NEW.sender);
END;

-- Incidents per status, kept by triggers in the same statement as every insert, status change and delete, so the
-- overview reads five rows instead of counting the log. Triggers rather than code: no writer can forget them.
CREATE TABLE incident_counts (
  status TEXT PRIMARY KEY,
  n      INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO incident_counts (status, n) SELECT status, COUNT(*) FROM incidents GROUP BY status;

-- One row per UTC day (days since the epoch) for the overview's charts: incidents first seen that day, keys revoked
-- that day, and those revocations by time from the first sighting, in the buckets of TIME_TO_REVOKE_BUCKETS_MS
-- (src/incidents/reads.ts): under 1 s, 10 s, 1 min, 10 min, 1 h, 1 day, and slower. A record of what happened: the
-- retention that deletes old false positives leaves it as it is.
CREATE TABLE incident_days (
  day     INTEGER PRIMARY KEY,
  alerts  INTEGER NOT NULL DEFAULT 0,
  revoked INTEGER NOT NULL DEFAULT 0,
  ttr_0   INTEGER NOT NULL DEFAULT 0,
  ttr_1   INTEGER NOT NULL DEFAULT 0,
  ttr_2   INTEGER NOT NULL DEFAULT 0,
  ttr_3   INTEGER NOT NULL DEFAULT 0,
  ttr_4   INTEGER NOT NULL DEFAULT 0,
  ttr_5   INTEGER NOT NULL DEFAULT 0,
  ttr_6   INTEGER NOT NULL DEFAULT 0
);
INSERT INTO incident_days (day, alerts)
  SELECT first_seen_at / 86400000, COUNT(*) FROM incidents GROUP BY first_seen_at / 86400000;
INSERT INTO incident_days (day, revoked, ttr_0, ttr_1, ttr_2, ttr_3, ttr_4, ttr_5, ttr_6)
  SELECT * FROM (
    SELECT revoked_at / 86400000, COUNT(*), SUM(d < 1000), SUM(d >= 1000 AND d < 10000), SUM(d >= 10000 AND d < 60000),
           SUM(d >= 60000 AND d < 600000), SUM(d >= 600000 AND d < 3600000), SUM(d >= 3600000 AND d < 86400000),
           SUM(d >= 86400000)
    FROM (SELECT revoked_at, revoked_at - first_seen_at AS d FROM incidents WHERE status = 'revoked' AND revoked_at IS NOT NULL)
    GROUP BY revoked_at / 86400000
  ) WHERE true
  ON CONFLICT (day) DO UPDATE SET revoked = excluded.revoked, ttr_0 = excluded.ttr_0, ttr_1 = excluded.ttr_1,
    ttr_2 = excluded.ttr_2, ttr_3 = excluded.ttr_3, ttr_4 = excluded.ttr_4, ttr_5 = excluded.ttr_5, ttr_6 = excluded.ttr_6;

CREATE TRIGGER incidents_counted AFTER INSERT ON incidents BEGIN
  INSERT INTO incident_counts (status, n) VALUES (NEW.status, 1) ON CONFLICT (status) DO UPDATE SET n = n + 1;
  INSERT INTO incident_days (day, alerts) VALUES (NEW.first_seen_at / 86400000, 1)
    ON CONFLICT (day) DO UPDATE SET alerts = alerts + 1;
END;

CREATE TRIGGER incidents_recounted AFTER UPDATE OF status ON incidents WHEN OLD.status IS NOT NEW.status BEGIN
  UPDATE incident_counts SET n = n - 1 WHERE status = OLD.status;
  INSERT INTO incident_counts (status, n) VALUES (NEW.status, 1) ON CONFLICT (status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER incidents_uncounted AFTER DELETE ON incidents BEGIN
  UPDATE incident_counts SET n = n - 1 WHERE status = OLD.status;
END;

-- A revocation counts on the day it happened, once: when the status becomes `revoked` (an insert, or a change).
CREATE TRIGGER incidents_revoked_day AFTER UPDATE OF status ON incidents
WHEN NEW.status = 'revoked' AND OLD.status IS NOT 'revoked' AND NEW.revoked_at IS NOT NULL BEGIN
  INSERT INTO incident_days (day, revoked, ttr_0, ttr_1, ttr_2, ttr_3, ttr_4, ttr_5, ttr_6)
  VALUES (NEW.revoked_at / 86400000, 1,
    NEW.revoked_at - NEW.first_seen_at < 1000,
    NEW.revoked_at - NEW.first_seen_at >= 1000 AND NEW.revoked_at - NEW.first_seen_at < 10000,
    NEW.revoked_at - NEW.first_seen_at >= 10000 AND NEW.revoked_at - NEW.first_seen_at < 60000,
    NEW.revoked_at - NEW.first_seen_at >= 60000 AND NEW.revoked_at - NEW.first_seen_at < 600000,
    NEW.revoked_at - NEW.first_seen_at >= 600000 AND NEW.revoked_at - NEW.first_seen_at < 3600000,
    NEW.revoked_at - NEW.first_seen_at >= 3600000 AND NEW.revoked_at - NEW.first_seen_at < 86400000,
    NEW.revoked_at - NEW.first_seen_at >= 86400000)
  ON CONFLICT (day) DO UPDATE SET revoked = revoked + 1, ttr_0 = ttr_0 + excluded.ttr_0, ttr_1 = ttr_1 + excluded.ttr_1,
    ttr_2 = ttr_2 + excluded.ttr_2, ttr_3 = ttr_3 + excluded.ttr_3, ttr_4 = ttr_4 + excluded.ttr_4,
    ttr_5 = ttr_5 + excluded.ttr_5, ttr_6 = ttr_6 + excluded.ttr_6;
END;

CREATE TRIGGER incidents_revoked_day_new AFTER INSERT ON incidents
WHEN NEW.status = 'revoked' AND NEW.revoked_at IS NOT NULL BEGIN
  INSERT INTO incident_days (day, revoked, ttr_0, ttr_1, ttr_2, ttr_3, ttr_4, ttr_5, ttr_6)
  VALUES (NEW.revoked_at / 86400000, 1,
    NEW.revoked_at - NEW.first_seen_at < 1000,
    NEW.revoked_at - NEW.first_seen_at >= 1000 AND NEW.revoked_at - NEW.first_seen_at < 10000,
    NEW.revoked_at - NEW.first_seen_at >= 10000 AND NEW.revoked_at - NEW.first_seen_at < 60000,
    NEW.revoked_at - NEW.first_seen_at >= 60000 AND NEW.revoked_at - NEW.first_seen_at < 600000,
    NEW.revoked_at - NEW.first_seen_at >= 600000 AND NEW.revoked_at - NEW.first_seen_at < 3600000,
    NEW.revoked_at - NEW.first_seen_at >= 3600000 AND NEW.revoked_at - NEW.first_seen_at < 86400000,
    NEW.revoked_at - NEW.first_seen_at >= 86400000)
  ON CONFLICT (day) DO UPDATE SET revoked = revoked + 1, ttr_0 = ttr_0 + excluded.ttr_0, ttr_1 = ttr_1 + excluded.ttr_1,
    ttr_2 = ttr_2 + excluded.ttr_2, ttr_3 = ttr_3 + excluded.ttr_3, ttr_4 = ttr_4 + excluded.ttr_4,
    ttr_5 = ttr_5 + excluded.ttr_5, ttr_6 = ttr_6 + excluded.ttr_6;
END;

-- Indexes that the list, the search, the overview and retention seek through (src/incidents/reads.ts, retention.ts).
-- incidents_first_seen_hash already leads with first_seen_at, and the instance index below with clerk_instance.
DROP INDEX incidents_first_seen;
DROP INDEX incidents_clerk_instance;
CREATE INDEX incidents_status_seen ON incidents (status, first_seen_at DESC, token_hash DESC);
CREATE INDEX incidents_instance_seen ON incidents (clerk_instance, first_seen_at DESC, token_hash DESC)
  WHERE clerk_instance IS NOT NULL;
CREATE INDEX incidents_prefix ON incidents (token_prefix);
CREATE INDEX incidents_key_id ON incidents (key_id) WHERE key_id IS NOT NULL;
CREATE INDEX incidents_key_name ON incidents (lower(key_name)) WHERE key_name IS NOT NULL;
CREATE INDEX incidents_revoked ON incidents (revoked_at, first_seen_at) WHERE status = 'revoked';
-- Retention: false positives by when they were last seen; not_found verdicts' sealed secrets likewise.
CREATE INDEX incidents_dismissed ON incidents (last_seen_at) WHERE status IN ('ignored', 'not_found');
CREATE INDEX incidents_not_found_sealed ON incidents (last_seen_at) WHERE sealed_secret IS NOT NULL AND status = 'not_found';
-- The sweeper's stranded work: pending incidents by when they fell due, so a sweep reads those past due (and their
-- backoff) instead of every pending incident, however many an outage leaves waiting on their queued retries.
CREATE INDEX incidents_pending_due ON incidents (COALESCE(next_attempt_at, updated_at)) WHERE status = 'pending';
