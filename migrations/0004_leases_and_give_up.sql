-- Fenced claims and the give-up clock.
-- `lease_id` names the current claim: every state write after a claim (save key, release, finish) applies only while
-- the incident still carries that lease, so a resolver whose lease ran out and was taken over cannot overwrite the
-- newer claimant's work.
-- `failures` counts real Clerk failures (5xx, timeouts, 401/403): waiting for the pace, a 429 or another claimant is
-- not one. `failing_since` is when the current run of failures began; the incident ends `failed` only once it is
-- older than GIVE_UP_AFTER_HOURS. A successful Clerk answer ends the run.
ALTER TABLE incidents ADD COLUMN lease_id TEXT;
ALTER TABLE incidents ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN failing_since INTEGER;
