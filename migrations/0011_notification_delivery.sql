-- Each owed notification delivered once, however long its receiver refuses (issue 22).
--
-- `notify_generation` counts the events an incident has owed: a reopened incident's second `revocation_failed` gets
-- an event id of its own (`webhook-id` ends `_g<n>` from the second), so a receiver that drops repeated ids keeps it.
-- `notify_attempts` counts the times the event went onto the queue (the first send, then each sweep), and
-- `notify_retry_at` is when the sweeper may queue it again: each queueing doubles the wait (5 min, 10, 20, … 160),
-- and each retried delivery moves it past the retry's own delay, so the sweeper never copies a message that is only
-- waiting. `notify_held_until` is a delivery's claim: a copy of the message that finds it held, or finds the event no
-- longer owed, sends nothing.
ALTER TABLE incidents ADD COLUMN notify_generation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN notify_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN notify_retry_at INTEGER;
ALTER TABLE incidents ADD COLUMN notify_held_until INTEGER;
-- An incident that owed an event before this migration owed its first: that event's id is generation 1's (no suffix),
-- so the next one must be generation 2, whatever a receiver has already seen.
UPDATE incidents SET notify_generation = 1
WHERE notified_at IS NOT NULL OR notify_error IS NOT NULL OR notify_due IS NOT NULL;

-- Until now an event was owed even while NOTIFY_URL was unset, and switching notifications on sent every past one.
-- With notifications on, an owed event goes onto the queue at once and the sweeper queues it within minutes, so one
-- owed for over an hour and never queued was written while they were off: it is not owed. (Through the partial index
-- incidents_notify_due: only owed rows are read.)
UPDATE incidents SET notify_due = NULL
WHERE notify_due IS NOT NULL AND notify_queued_at IS NULL AND updated_at < unixepoch() * 1000 - 3600000;
