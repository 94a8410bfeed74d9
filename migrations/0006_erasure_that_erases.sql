-- Erasure that erases (GitHub's agreement: a sighting's url, source and type deleted within 30 days).
--
-- Sighting ids were sha256 of (token hash, url, source, type): anyone holding a copy of D1 could confirm a candidate
-- URL against an erased row. New ids are keyed (src/incidents/sighting-id.ts) and erasure swaps them for random ones;
-- the ids written before this migration become random now, erased or not. A repeated sighting of a row from before it
-- therefore starts a new row once: its count splits, nothing else changes.
UPDATE sightings SET sighting_id = 'legacy-' || lower(hex(randomblob(16)));

-- incidents.token_type held the type the first sender reported, forever. It now holds autorevoke's own classification
-- of the token (src/incidents/types.ts IncidentTokenType): `ignored` incidents are the ones whose token cannot be a
-- Clerk secret, key-id incidents are opened by operators; every other incident was recorded as Clerk-shaped.
UPDATE incidents SET token_type = CASE
  WHEN token_type = 'clerk_api_key_id' THEN 'clerk_api_key_id'
  WHEN status = 'ignored' THEN 'other'
  ELSE 'clerk_api_key'
END;
