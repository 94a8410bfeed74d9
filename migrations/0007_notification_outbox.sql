-- The notification outbox. When an incident becomes final, the event its key owner's team is owed is written in the
-- same statement (`notify_due`), so a notification survives the queue being down or the Worker dying before the
-- send: the sweeper queues what is still owed after a grace period. Delivery (or a final delivery failure) clears it.
-- `notify_queued_at` is when it last went onto the queue, so the sweeper does not queue it twice in a row.
ALTER TABLE incidents ADD COLUMN notify_due TEXT;
ALTER TABLE incidents ADD COLUMN notify_queued_at INTEGER;

CREATE INDEX incidents_notify_due ON incidents (updated_at) WHERE notify_due IS NOT NULL;
