-- The sweeper's backoff in its index (and, below, an alert's senders kept without a trigger). Each sweep that finds
-- an incident still waiting doubles its grace period, up
-- to SWEEP_BACKOFF_MAX_DOUBLINGS (5) times. With the due time alone in the index, a sweep read every incident past its
-- first grace period and skipped those still backing off: during a long Clerk outage, every pending incident, every
-- sweep. Led by `sweeps`, each backoff step is its own range, and a sweep reads only the incidents it queues.
-- `sweeps` is capped at 5 from now on (src/incidents/sweeping.ts), so the ranges are six.
-- Every row, not only pending ones: an incident reopened later keeps its count, and no range would read more than 5.
UPDATE incidents SET sweeps = 5 WHERE sweeps > 5;
DROP INDEX incidents_pending_due;
CREATE INDEX incidents_pending_due ON incidents (sweeps, COALESCE(next_attempt_at, updated_at)) WHERE status = 'pending';


-- The record's upsert keeps `incidents.senders` now (src/incidents/intake.ts): the trigger read the incident again
-- for every sighting an alert recorded, 2 rows read each by D1's count, a fifth of an alert's reads.
DROP TRIGGER sightings_sender;
