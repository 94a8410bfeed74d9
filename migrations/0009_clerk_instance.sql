-- The Clerk instance that knows an incident's key (CLERK_SECRET_KEYS names them; CLERK_SECRET_KEY alone is `default`),
-- written when a verify answers it or an operator names it. Retries and replays call that instance alone. NULL: not
-- known yet, or recorded before several instances were possible (those keys are looked for on every instance).
ALTER TABLE incidents ADD COLUMN clerk_instance TEXT;
CREATE INDEX incidents_clerk_instance ON incidents (clerk_instance) WHERE clerk_instance IS NOT NULL;

-- The instance each Clerk call went to, for operators reading an incident's attempts (a verify per instance).
ALTER TABLE incident_attempts ADD COLUMN clerk_instance TEXT;
