-- The sweeper re-seals secrets sealed under an older key of SEALING_KEYS (or under CLERK_SECRET_KEY, `v1.` values from
-- before the keyring) every run. Only incidents still waiting for their Clerk key id, or failed ones, hold a sealed
-- secret: this partial index holds just those, so a run reads a handful of rows instead of every incident ever seen.
CREATE INDEX incidents_sealed ON incidents (sealed_secret) WHERE sealed_secret IS NOT NULL;
