-- How many sweeps in a row have queued an incident again without a message for it being consumed. A long queue
-- backlog holds messages for longer than the sweeper's grace period; without this, every sweep would add another
-- duplicate for each waiting incident and lengthen the backlog further. Each sweep doubles the grace period for the
-- next (up to 32 times, 160 minutes); a claim (a message arrived) resets it.
ALTER TABLE incidents ADD COLUMN sweeps INTEGER NOT NULL DEFAULT 0;
