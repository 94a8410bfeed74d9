-- The email that tells a revoked key's owner (issue 26). One row per token, written in the same batch as the
-- revocation (INSERT OR IGNORE: one email per key revoked, however often it is re-alerted, retried or swept), and only
-- when owner emails are on. `state`: `due` (owed: the owner is looked up in Clerk, then told), `sending` (set just
-- before the send: a copy that finds it so after a crash sends nothing, so an email is never doubled), `sent`, or
-- `not_sent` with `reason`. `recipients` is a JSON array of the addresses told, for operators; events show them masked.
CREATE TABLE owner_emails (
  token_hash     TEXT PRIMARY KEY,
  state          TEXT NOT NULL CHECK (state IN ('due', 'sending', 'sent', 'not_sent')),
  owner          TEXT,
  recipients     TEXT,
  reason         TEXT,
  due_at         INTEGER NOT NULL,
  attempts       INTEGER NOT NULL DEFAULT 0,
  failing_since  INTEGER,
  held_until     INTEGER,
  queued_at      INTEGER,
  sent_at        INTEGER,
  updated_at     INTEGER NOT NULL
) WITHOUT ROWID;

-- The sweeper's re-queue of owed emails whose message was lost, and of sends a crash left `sending`: oldest first.
CREATE INDEX owner_emails_owed ON owner_emails (due_at) WHERE state IN ('due', 'sending');
