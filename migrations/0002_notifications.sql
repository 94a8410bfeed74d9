-- Notifications to the key owner's team: when the last one was delivered, and why one failed for good.
ALTER TABLE incidents ADD COLUMN notified_at INTEGER;
ALTER TABLE incidents ADD COLUMN notify_error TEXT;
