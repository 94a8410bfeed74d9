/**
 * @module
 * The incident log in D1: record alerts, claim incidents, write outcomes, find stranded work, erase
 * old sighting details. Every write is a conditional statement so concurrent Workers cannot revoke a
 * key twice or overwrite a final outcome.
 */
import * as v from "valibot";
import type {
  Claim,
  IncidentState,
  IncidentStatus,
  KeyFacts,
  Label,
  NewIncident,
  NewSighting,
} from "../domain/incident";
import type { EventFacts } from "../domain/notify-event";
import { chunkJsonArrays } from "./chunk-by-bytes";
import { D1_MAX_STRING_BYTES } from "./d1-limits";

/**
 * Largest JSON parameter a statement binds, in bytes of UTF-8. Rows travel to D1 as one JSON array
 * per statement, read with `json_each`, so an alert costs a few statements in one batch instead of one
 * per row. D1 refuses a string over {@link D1_MAX_STRING_BYTES}, and a refused batch fails the whole
 * alert, and every resend of it, so chunks are cut by bytes, never by rows. The 10% margin covers what
 * the docs leave open (whether the bound is inclusive, what the transport adds) and costs at most one
 * more statement per 1.8 MB.
 *
 * The other per-statement limits in ./d1-limits.ts do not bind here: each statement's SQL text is
 * fixed, about 1 KB of the 100,000 bytes allowed, and binds at most 3 of the 100 parameters allowed
 * (local D1 enforces both, so any test that records catches a regression). As for queries per
 * invocation: the worst a 5 MiB alert can do is about 189,000 distinct one-character tokens with no
 * url, which measured 15 incident and 19 sighting statements at this budget, inside Workers Paid's 1,000
 * even if each statement of the batch counts.
 *
 * No single row can be over the budget, which would make `chunkJsonArrays` throw: the alert schema
 * (src/alerts/schema.ts) caps every field a row carries. A sighting row holds two 64-hex ids, a url of
 * at most MAX_URL_CHARS (2,048) UTF-16 units, a source of at most 64 and a type of at most 128; at
 * worst 6 bytes of JSON a unit (a control character escaped as `\u00XX`), that is under 14 KB. An
 * incident row holds a 64-hex hash, a prefix of at most 7 characters, the type, and a sealed secret
 * only for Clerk-shaped tokens, which are at most 259 printable ASCII characters: under 2 KB. Either
 * is over a hundred times smaller than the budget.
 */
export const RECORD_PARAM_MAX_BYTES = Math.floor(D1_MAX_STRING_BYTES * 0.9);

const StatusSchema = v.picklist(["pending", "revoked", "not_found", "ignored", "failed"]);
const LabelSchema = v.nullable(v.picklist(["true_positive", "false_positive"]));

const StateRow = v.object({
  token_hash: v.string(),
  status: StatusSchema,
  label: LabelSchema,
  key_id: v.nullable(v.string()),
  claimed_until: v.nullable(v.number()),
  next_attempt_at: v.nullable(v.number()),
});

const ClaimRow = v.object({
  key_id: v.nullable(v.string()),
  clerk_instance: v.nullable(v.string()),
  key_confirmed: v.number(),
  sealed_secret: v.nullable(v.string()),
  attempts: v.number(),
  failures: v.number(),
  failing_since: v.nullable(v.number()),
});

/**
 * How early a queued message may claim before its incident's `next_attempt_at`: Queues' delays are whole seconds and
 * not exact, and turning a message away for a few milliseconds would cost a round trip through the queue.
 */
export const SCHEDULE_SLACK_MS = 1_000;

/** The sweeper's grace period doubles per sweep that found an incident still waiting, at most this many times. */
export const SWEEP_BACKOFF_MAX_DOUBLINGS = 5;

const StrandedRow = v.object({ token_hash: v.string() });

const OwedRow = v.object({ token_hash: v.string(), notify_due: v.string() });

const FactsRow = v.object({
  token_hash: v.string(),
  token_prefix: v.string(),
  token_type: v.string(),
  status: v.string(),
  key_id: v.nullable(v.string()),
  key_name: v.nullable(v.string()),
  key_subject: v.nullable(v.string()),
  clerk_instance: v.nullable(v.string()),
  revoked_at: v.nullable(v.number()),
  last_error: v.nullable(v.string()),
  sender: v.nullable(v.string()),
  url: v.nullable(v.string()),
  source: v.nullable(v.string()),
});

function toState(row: v.InferOutput<typeof StateRow>): IncidentState {
  return {
    tokenHash: row.token_hash,
    status: row.status,
    label: row.label,
    keyId: row.key_id,
    claimedUntil: row.claimed_until,
    nextAttemptAt: row.next_attempt_at,
  };
}

/** Outcome details written when an incident ends or is released. */
export interface OutcomeDetails {
  error?: string | null;
  traceId?: string | null;
}

/** Why a claimed incident goes back to pending. */
export interface ReleaseDetails extends OutcomeDetails {
  /** A real Clerk failure (counts toward giving up), as opposed to waiting for the pace or a 429. */
  failure: boolean;
}

/** What a claim may skip. */
export interface ClaimOptions {
  /** Claim even before `next_attempt_at` (a fresh sighting or an operator); the queue waits for it. */
  ignoreSchedule?: boolean;
}

/** The incident repository. */
export interface IncidentRepository {
  /**
   * Records an alert's incidents and sightings in one batch; answers each incident's state before `revoked` applies.
   * `revoked`: keys already revoked without the log (D1 was down), recorded revoked in the same batch.
   */
  record(
    sender: string,
    incidents: readonly NewIncident[],
    sightings: readonly NewSighting[],
    now: number,
    revoked?: readonly { tokenHash: string; key: KeyFacts }[],
  ): Promise<IncidentState[]>;
  /** Takes a fresh lease on a pending, unleased incident that is due. `undefined` when it is final, leased or not due. */
  claim(tokenHash: string, now: number, leaseMs: number, options?: ClaimOptions): Promise<Claim | undefined>;
  get(tokenHash: string): Promise<IncidentState | undefined>;
  /**
   * Under the lease: stores what Clerk told us of the key, drops the sealed secret (no longer needed) and ends any run
   * of failures. `false` when the lease was lost.
   */
  saveKey(tokenHash: string, leaseId: string, key: KeyFacts, now: number): Promise<boolean>;
  /** Under the lease: ends the incident. `false` when the lease was lost (nothing was written). */
  finish(
    tokenHash: string,
    leaseId: string,
    status: Exclude<IncidentStatus, "pending">,
    label: Label | null,
    now: number,
    details?: OutcomeDetails & { key?: KeyFacts },
  ): Promise<boolean>;
  /**
   * Records a revocation Clerk confirmed, whoever holds the lease now: Clerk's answer is the truth, and it wins over a
   * `failed` too. `false` when the incident was already revoked (so the caller sends no second event).
   */
  confirmRevoked(tokenHash: string, now: number, key?: KeyFacts): Promise<boolean>;
  /** Under the lease: gives it back, due again at `nextAttemptAt`. `false` when the lease was lost. */
  release(
    tokenHash: string,
    leaseId: string,
    now: number,
    nextAttemptAt: number,
    details: ReleaseDetails,
  ): Promise<boolean>;
  /**
   * Ends a pending, unleased incident as `failed` after the queue gave up on its message, but only once its failures
   * (or, with none, its last sighting) are older than `giveUpBefore`. `false` when it is leased, final or too young.
   */
  failExhausted(tokenHash: string, now: number, giveUpBefore: number): Promise<boolean>;
  /** Notes when queued work for these incidents is due, so the sweeper leaves them alone until then. */
  schedule(tokenHashes: readonly string[], nextAttemptAt: number, now: number): Promise<void>;
  /**
   * Pending, unleased incidents whose due time passed `graceMs` ago (doubled for each sweep that already queued them
   * since a message was last consumed): their queue message was lost. Oldest first.
   */
  findStranded(now: number, graceMs: number, limit: number): Promise<string[]>;
  /** Notes that the sweeper queued these incidents again: due at once, and out of its sight for longer next time. */
  markSwept(tokenHashes: readonly string[], now: number): Promise<void>;
  /** What a notification about the incident says; `undefined` when there is no such incident. */
  eventFacts(tokenHash: string): Promise<EventFacts | undefined>;
  /** Notes a delivered notification, or the reason one failed for good: either way it is no longer owed. */
  noteNotification(tokenHash: string, now: number, error: string | null): Promise<void>;
  /** Notes that the notifications owed for these incidents are on the queue now. */
  noteNotificationsQueued(tokenHashes: readonly string[], now: number): Promise<void>;
  /**
   * Final incidents whose notification is owed but was not queued (or not delivered) `graceMs` after it was due:
   * the queue was down, or the Worker died first.
   */
  findOwedNotifications(
    now: number,
    graceMs: number,
    limit: number,
  ): Promise<{ tokenHash: string; event: string }[]>;
  /**
   * Erases url, source and type of sightings first seen before `before`, and swaps their ids for random ones;
   * answers how many. The incident never held them (its `token_type` is autorevoke's own classification).
   */
  eraseSightingDetails(before: number, now: number): Promise<number>;
  /**
   * Up to `limit` sealed secrets whose value starts with one of `prefixes`, in random order, so that values which
   * will not open can never keep the rest from their turn.
   */
  sealedWithPrefix(prefixes: readonly string[], limit: number): Promise<SealedRow[]>;
  /** Replaces each sealed secret that still holds `from` with `to`; answers how many did. */
  replaceSealed(rows: readonly Resealed[]): Promise<number>;
}

/** The event a final status owes the key owner's team (the notification outbox, `notify_due`). */
const OWED_EVENT_SQL = `CASE ?1 WHEN 'revoked' THEN 'api_key.revoked' WHEN 'failed' THEN 'api_key.revocation_failed'
  ELSE notify_due END`;

function confirmRevokedStatement(db: D1Database, tokenHash: string, now: number, key: KeyFacts | undefined) {
  return db
    .prepare(
      `UPDATE incidents SET status = 'revoked', label = 'true_positive', claimed_until = NULL, lease_id = NULL,
         next_attempt_at = NULL, sealed_secret = NULL, revoked_at = ?1, last_error = NULL,
         key_id = COALESCE(key_id, ?5), key_subject = COALESCE(?2, key_subject), key_name = COALESCE(?3, key_name),
         clerk_instance = COALESCE(clerk_instance, ?6), notify_due = 'api_key.revoked', notify_queued_at = NULL, updated_at = ?1
       WHERE token_hash = ?4 AND status IN ('pending', 'failed')
       RETURNING token_hash`,
    )
    .bind(now, key?.subject ?? null, key?.name ?? null, tokenHash, key?.id ?? null, key?.instance ?? null);
}

/** A sealed secret and the row it belongs to. */
export interface SealedRow {
  tokenHash: string;
  sealedSecret: string;
}

/** A sealed secret sealed again: the value it replaces, and the new one. */
export interface Resealed {
  tokenHash: string;
  from: string;
  to: string;
}

const SealedRowSchema = v.object({ token_hash: v.string(), sealed_secret: v.string() });

/** Builds the repository over a D1 database. */
export function createIncidentRepository(db: D1Database): IncidentRepository {
  return {
    async record(sender, incidents, sightings, now, revoked = []) {
      const incidentRows = incidents.map((r) => ({
        h: r.tokenHash,
        p: r.tokenPrefix,
        t: r.tokenType,
        s: r.status,
        l: r.label,
        x: r.sealedSecret,
      }));
      const incidentStatements = chunkJsonArrays(incidentRows, RECORD_PARAM_MAX_BYTES).map((json) =>
        db
          .prepare(
            `INSERT INTO incidents (token_hash, token_prefix, token_type, status, label, sealed_secret,
                                    first_seen_at, last_seen_at, updated_at)
             SELECT j.value ->> '$.h', j.value ->> '$.p', j.value ->> '$.t', j.value ->> '$.s',
                    j.value ->> '$.l', j.value ->> '$.x', ?1, ?1, ?1
             FROM json_each(?2) AS j WHERE true
             ON CONFLICT (token_hash) DO UPDATE SET
               last_seen_at = excluded.last_seen_at,
               -- A new sighting of a failed incident gives it another chance.
               status = CASE WHEN incidents.status = 'failed' THEN 'pending' ELSE incidents.status END,
               -- The fresh secret wins: it is sealed under the newest key, so it opens wherever the stored one
               -- does, and also where that one no longer can (its key removed, or a v1 value after a rotation of
               -- CLERK_SECRET_KEY). Both seal the same token: the row is keyed by the token's SHA-256, and each value is
               -- sealed with that hash as associated data, so a value sealed for another token would not open here.
               sealed_secret = CASE
                 WHEN incidents.status IN ('pending', 'failed') AND incidents.key_id IS NULL
                 THEN COALESCE(excluded.sealed_secret, incidents.sealed_secret)
                 ELSE incidents.sealed_secret END,
               next_attempt_at = CASE WHEN incidents.status = 'failed' THEN NULL ELSE incidents.next_attempt_at END,
               -- A reopened incident starts its give-up clock and counters afresh.
               attempts = CASE WHEN incidents.status = 'failed' THEN 0 ELSE incidents.attempts END,
               failures = CASE WHEN incidents.status = 'failed' THEN 0 ELSE incidents.failures END,
               failing_since = CASE WHEN incidents.status = 'failed' THEN NULL ELSE incidents.failing_since END,
               updated_at = CASE WHEN incidents.status = 'failed' THEN excluded.updated_at ELSE incidents.updated_at END
             RETURNING token_hash, status, label, key_id, claimed_until, next_attempt_at`,
          )
          .bind(now, json),
      );
      const sightingRows = sightings.map((r) => ({
        i: r.sightingId,
        h: r.tokenHash,
        u: r.url,
        s: r.source,
        t: r.type,
      }));
      const sightingStatements = chunkJsonArrays(sightingRows, RECORD_PARAM_MAX_BYTES).map((json) =>
        db
          .prepare(
            `INSERT INTO sightings (sighting_id, token_hash, sender, url, source, type, first_seen_at, last_seen_at)
             SELECT j.value ->> '$.i', j.value ->> '$.h', ?2, j.value ->> '$.u', j.value ->> '$.s',
                    j.value ->> '$.t', ?1, ?1
             FROM json_each(?3) AS j WHERE true
             ON CONFLICT (sighting_id) DO UPDATE SET
               last_seen_at = excluded.last_seen_at, times_seen = sightings.times_seen + 1`,
          )
          .bind(now, sender, json),
      );
      if (incidentStatements.length === 0) return [];
      // In the same batch (one transaction), so no resolver can see such an incident pending and verify it again.
      const revokedStatements = revoked.map((r) => confirmRevokedStatement(db, r.tokenHash, now, r.key));
      const results = await db.batch([...incidentStatements, ...sightingStatements, ...revokedStatements]);
      return results
        .slice(0, incidentStatements.length)
        .flatMap((r) => r.results.map((row) => toState(v.parse(StateRow, row))));
    },

    async claim(tokenHash, now, leaseMs, options = {}) {
      const leaseId = crypto.randomUUID();
      const row = await db
        .prepare(
          `UPDATE incidents SET claimed_until = ?1, lease_id = ?2, attempts = attempts + 1, sweeps = 0, updated_at = ?3
           WHERE token_hash = ?4 AND status = 'pending' AND (claimed_until IS NULL OR claimed_until <= ?3)
             AND (?5 OR next_attempt_at IS NULL OR next_attempt_at <= ?3 + ?6)
           RETURNING key_id, clerk_instance, key_subject IS NOT NULL AS key_confirmed, sealed_secret, attempts, failures,
             failing_since`,
        )
        .bind(now + leaseMs, leaseId, now, tokenHash, options.ignoreSchedule ? 1 : 0, SCHEDULE_SLACK_MS)
        .first();
      return row ? parseClaim(leaseId, row) : undefined;
    },

    async get(tokenHash) {
      const row = await db
        .prepare(
          "SELECT token_hash, status, label, key_id, claimed_until, next_attempt_at FROM incidents WHERE token_hash = ?1",
        )
        .bind(tokenHash)
        .first();
      return row ? toState(v.parse(StateRow, row)) : undefined;
    },

    async saveKey(tokenHash, leaseId, key, now) {
      const result = await db
        .prepare(
          `UPDATE incidents SET key_id = ?1, key_subject = ?2, key_name = ?3, sealed_secret = NULL,
             failing_since = NULL, clerk_instance = COALESCE(?7, clerk_instance), updated_at = ?4
           WHERE token_hash = ?5 AND lease_id = ?6 AND status = 'pending'`,
        )
        .bind(key.id, key.subject, key.name, now, tokenHash, leaseId, key.instance ?? null)
        .run();
      return result.meta.changes > 0;
    },

    async finish(tokenHash, leaseId, status, label, now, details = {}) {
      // A failed incident keeps its sealed secret so an operator can retry it; every other outcome drops it.
      const result = await db
        .prepare(
          `UPDATE incidents SET status = ?1, label = ?2, claimed_until = NULL, lease_id = NULL, next_attempt_at = NULL,
             sealed_secret = CASE WHEN ?1 = 'failed' THEN sealed_secret ELSE NULL END,
             revoked_at = CASE WHEN ?1 = 'revoked' THEN ?3 ELSE revoked_at END,
             key_subject = COALESCE(?7, key_subject), key_name = COALESCE(?8, key_name),
             clerk_instance = COALESCE(?10, clerk_instance), last_error = ?4, clerk_trace_id = COALESCE(?5, clerk_trace_id), updated_at = ?3,
             notify_due = ${OWED_EVENT_SQL}, notify_queued_at = NULL
           WHERE token_hash = ?6 AND lease_id = ?9 AND status = 'pending'`,
        )
        .bind(
          status,
          label,
          now,
          details.error ?? null,
          details.traceId ?? null,
          tokenHash,
          details.key?.subject ?? null,
          details.key?.name ?? null,
          leaseId,
          details.key?.instance ?? null,
        )
        .run();
      return result.meta.changes > 0;
    },

    async confirmRevoked(tokenHash, now, key) {
      const result = await confirmRevokedStatement(db, tokenHash, now, key).run();
      return result.meta.changes > 0;
    },

    async failExhausted(tokenHash, now, giveUpBefore) {
      const result = await db
        .prepare(
          `UPDATE incidents SET status = 'failed', claimed_until = NULL, lease_id = NULL, next_attempt_at = NULL,
             updated_at = ?1, last_error = 'retries_exhausted' || COALESCE(' after ' || last_error, ''),
             notify_due = 'api_key.revocation_failed', notify_queued_at = NULL
           WHERE token_hash = ?2 AND status = 'pending' AND (claimed_until IS NULL OR claimed_until <= ?1)
             AND COALESCE(failing_since, last_seen_at) <= ?3`,
        )
        .bind(now, tokenHash, giveUpBefore)
        .run();
      return result.meta.changes > 0;
    },

    async release(tokenHash, leaseId, now, nextAttemptAt, details) {
      const result = await db
        .prepare(
          `UPDATE incidents SET claimed_until = NULL, lease_id = NULL, next_attempt_at = ?1, last_error = COALESCE(?2, last_error),
             clerk_trace_id = COALESCE(?3, clerk_trace_id), updated_at = ?4,
             failures = failures + ?7, failing_since = CASE WHEN ?7 THEN COALESCE(failing_since, ?4) ELSE failing_since END
           WHERE token_hash = ?5 AND lease_id = ?6 AND status = 'pending'`,
        )
        .bind(
          nextAttemptAt,
          details.error ?? null,
          details.traceId ?? null,
          now,
          tokenHash,
          leaseId,
          details.failure ? 1 : 0,
        )
        .run();
      return result.meta.changes > 0;
    },

    async schedule(tokenHashes, nextAttemptAt, now) {
      const statements = chunkJsonArrays(tokenHashes, RECORD_PARAM_MAX_BYTES).map((json) =>
        db
          .prepare(
            `UPDATE incidents SET next_attempt_at = ?1, updated_at = ?2
             WHERE status = 'pending' AND token_hash IN (SELECT value FROM json_each(?3))`,
          )
          .bind(nextAttemptAt, now, json),
      );
      if (statements.length > 0) await db.batch(statements);
    },

    async markSwept(tokenHashes, now) {
      const statements = chunkJsonArrays(tokenHashes, RECORD_PARAM_MAX_BYTES).map((json) =>
        db
          .prepare(
            `UPDATE incidents SET next_attempt_at = NULL, updated_at = ?1, sweeps = sweeps + 1
             WHERE status = 'pending' AND token_hash IN (SELECT value FROM json_each(?2))`,
          )
          .bind(now, json),
      );
      if (statements.length > 0) await db.batch(statements);
    },

    async findStranded(now, graceMs, limit) {
      const { results } = await db
        .prepare(
          `SELECT token_hash FROM incidents
           WHERE status = 'pending' AND (claimed_until IS NULL OR claimed_until <= ?1)
             AND COALESCE(next_attempt_at, updated_at) + (?2 << MIN(sweeps, ?4)) <= ?1
           ORDER BY updated_at LIMIT ?3`,
        )
        .bind(now, graceMs, limit, SWEEP_BACKOFF_MAX_DOUBLINGS)
        .all();
      return results.map((row) => v.parse(StrandedRow, row).token_hash);
    },

    async eventFacts(tokenHash) {
      const row = await db
        .prepare(
          `SELECT i.token_hash, i.token_prefix, i.token_type, i.status, i.key_id, i.key_name, i.key_subject,
                  i.clerk_instance, i.revoked_at, i.last_error, s.sender, s.url, s.source
           FROM incidents AS i
           LEFT JOIN sightings AS s ON s.sighting_id = (
             SELECT sighting_id FROM sightings WHERE token_hash = i.token_hash ORDER BY first_seen_at LIMIT 1)
           WHERE i.token_hash = ?1`,
        )
        .bind(tokenHash)
        .first();
      if (!row) return undefined;
      const r = v.parse(FactsRow, row);
      return {
        tokenHash: r.token_hash,
        tokenPrefix: r.token_prefix,
        tokenType: r.token_type,
        status: r.status,
        keyId: r.key_id,
        keyName: r.key_name,
        keySubject: r.key_subject,
        instance: r.clerk_instance,
        revokedAt: r.revoked_at,
        lastError: r.last_error,
        sender: r.sender,
        url: r.url,
        source: r.source,
      };
    },

    async noteNotification(tokenHash, now, error) {
      await db
        .prepare(
          `UPDATE incidents SET notified_at = CASE WHEN ?1 IS NULL THEN ?2 ELSE notified_at END, notify_error = ?1,
             notify_due = NULL, notify_queued_at = NULL
           WHERE token_hash = ?3`,
        )
        .bind(error, now, tokenHash)
        .run();
    },

    async noteNotificationsQueued(tokenHashes, now) {
      const statements = chunkJsonArrays(tokenHashes, RECORD_PARAM_MAX_BYTES).map((json) =>
        db
          .prepare(
            `UPDATE incidents SET notify_queued_at = ?1
             WHERE notify_due IS NOT NULL AND token_hash IN (SELECT value FROM json_each(?2))`,
          )
          .bind(now, json),
      );
      if (statements.length > 0) await db.batch(statements);
    },

    async findOwedNotifications(now, graceMs, limit) {
      const { results } = await db
        .prepare(
          `SELECT token_hash, notify_due FROM incidents
           WHERE notify_due IS NOT NULL AND COALESCE(notify_queued_at, updated_at) <= ?1
           ORDER BY updated_at LIMIT ?2`,
        )
        .bind(now - graceMs, limit)
        .all();
      return results.map((row) => {
        const r = v.parse(OwedRow, row);
        return { tokenHash: r.token_hash, event: r.notify_due };
      });
    },

    async eraseSightingDetails(before, now) {
      const result = await db
        .prepare(
          // The id goes too: it is a keyed hash of the erased details, so whoever holds the keyring could still
          // match a candidate URL to it. A random one keeps the row (token, sender, times, count) and ties it to
          // nothing; the same details seen again start a new row.
          `UPDATE sightings SET sighting_id = 'erased-' || lower(hex(randomblob(16))),
             url = NULL, source = NULL, type = NULL, erased_at = ?1
           WHERE erased_at IS NULL AND first_seen_at < ?2`,
        )
        .bind(now, before)
        .run();
      return result.meta.changes;
    },

    async sealedWithPrefix(prefixes, limit) {
      // `sealed_secret IS NOT NULL` lets SQLite read the partial index incidents_sealed (migration 0005) instead of
      // every incident ever recorded.
      const { results } = await db
        .prepare(
          `SELECT token_hash, sealed_secret FROM incidents
           WHERE sealed_secret IS NOT NULL
             AND EXISTS (SELECT 1 FROM json_each(?1) AS p WHERE substr(sealed_secret, 1, length(p.value)) = p.value)
           ORDER BY random() LIMIT ?2`,
        )
        .bind(JSON.stringify(prefixes), limit)
        .all();
      return results.map((row) => {
        const r = v.parse(SealedRowSchema, row);
        return { tokenHash: r.token_hash, sealedSecret: r.sealed_secret };
      });
    },

    async replaceSealed(rows) {
      const entries = rows.map((r) => ({ h: r.tokenHash, f: r.from, t: r.to }));
      // Conditional on the old value: a secret dropped (key id known), or replaced by a fresh sighting, since it was
      // read stays as it is now.
      const statements = chunkJsonArrays(entries, RECORD_PARAM_MAX_BYTES).map((json) =>
        db
          .prepare(
            `UPDATE incidents SET sealed_secret = j.value ->> '$.t'
             FROM json_each(?1) AS j
             WHERE incidents.token_hash = j.value ->> '$.h' AND incidents.sealed_secret = j.value ->> '$.f'`,
          )
          .bind(json),
      );
      if (statements.length === 0) return 0;
      const results = await db.batch(statements);
      return results.reduce((sum, r) => sum + r.meta.changes, 0);
    },
  };
}

function parseClaim(leaseId: string, row: unknown): Claim {
  const parsed = v.parse(ClaimRow, row);
  return {
    leaseId,
    keyId: parsed.key_id,
    keyConfirmed: parsed.key_confirmed === 1,
    sealedSecret: parsed.sealed_secret,
    attempts: parsed.attempts,
    failures: parsed.failures,
    failingSince: parsed.failing_since,
    instance: parsed.clerk_instance,
  };
}
