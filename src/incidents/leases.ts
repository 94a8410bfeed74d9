/**
 * @module
 * Claims and the state writes made under them. A claim is a lease: the claimant alone may call Clerk for the incident
 * until it runs out, and every later write names the lease, so a claimant that lost it writes nothing. A revocation
 * Clerk confirmed is the exception: it is recorded whoever holds the lease, because Clerk's answer is the truth.
 */
import * as v from "valibot";
import type { Attempt } from "../domain/attempt";
import type {
  AlreadyInactive,
  Claim,
  IncidentState,
  IncidentStatus,
  IncidentTokenType,
  KeyFacts,
  Label,
} from "../domain/incident";
import { attemptInserts } from "./attempts";
import { chunkJsonArrays } from "./chunk-by-bytes";
import { confirmRevokedStatement } from "./confirm-revoked";
import { RECORD_PARAM_MAX_BYTES } from "./d1-limits";
import { oweEventSql } from "./owed-event";
import { oweOwnerEmail } from "./owner-emails";
import { CLAIM_RETURNING, JWT_TYPES_SQL, parseClaim, StateRow, toState } from "./state-row";

/**
 * How early a queued message may claim before its incident's `next_attempt_at`: Queues' delays are whole seconds and
 * not exact, and turning a message away for a few milliseconds would cost a round trip through the queue.
 */
export const SCHEDULE_SLACK_MS = 1_000;

/** Outcome details written when an incident ends or is released. */
export interface OutcomeDetails {
  error?: string | null;
  traceId?: string | null;
  /** Clerk calls made under the lease since the last write: inserted in the same batch. */
  attempts?: readonly Attempt[];
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

/** The lease store. */
export interface IncidentLeases {
  /** Takes a fresh lease on a pending, unleased incident that is due. `undefined` when it is final, leased or not due. */
  claim(tokenHash: string, now: number, leaseMs: number, options?: ClaimOptions): Promise<Claim | undefined>;
  get(tokenHash: string): Promise<IncidentState | undefined>;
  /**
   * Under the lease: stores what Clerk told us of the key, drops the sealed secret (no longer needed) and ends any run
   * of failures. `false` when the lease was lost.
   */
  saveKey(
    tokenHash: string,
    leaseId: string,
    key: KeyFacts,
    now: number,
    attempts?: readonly Attempt[],
    /** The fingerprint of the configuration under which Clerk knew the key: a later 404 under another is no answer. */
    verdictConfig?: string,
  ): Promise<boolean>;
  /** Under the lease: ends the incident. `false` when the lease was lost (nothing was written). */
  finish(
    tokenHash: string,
    leaseId: string,
    status: Exclude<IncidentStatus, "pending">,
    label: Label | null,
    now: number,
    details?: OutcomeDetails & {
      key?: KeyFacts;
      /** Why a `revoked` key was dead already; `key.alreadyInactive` when absent. */
      alreadyInactive?: AlreadyInactive;
      /** The fingerprint of the Clerk configuration that answered a `not_found` (config/verdict-config.ts). */
      verdictConfig?: string;
      /** What the token turned out to be, when it was not what its shape said (a machine secret key's `ak_`). */
      tokenType?: IncidentTokenType;
    },
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
}

/** The event a final status owes the key owner's team (the notification outbox, `notify_due`); NULL for none. */
const NEW_EVENT_SQL = `CASE WHEN ?1 = 'revoked' AND ?12 IS NOT NULL THEN 'api_key.already_inactive'
  WHEN ?1 = 'revoked' AND COALESCE(?16, token_type) IN (${JWT_TYPES_SQL}) THEN 'api_key.cannot_be_revoked'
  WHEN ?1 = 'revoked' THEN 'api_key.revoked' WHEN ?1 = 'failed' THEN 'api_key.revocation_failed' ELSE NULL END`;

/** How the lease store is set up. */
export interface LeaseOptions {
  /** Whether NOTIFY_URL is set: only then does a final write owe the key owner's team an event. */
  notificationsOn: boolean;
  /** Whether owner emails are on (OWNER_EMAIL_FROM and the EMAIL binding): a revocation then owes one. */
  ownerEmailsOn?: boolean;
}

/** Builds the lease store over a D1 database. */
export function createIncidentLeases(
  db: D1Database,
  { notificationsOn, ownerEmailsOn = false }: LeaseOptions,
): IncidentLeases {
  /** Runs a state write, with the history of the calls that led to it in the same batch: one round trip either way. */
  async function withAttempts(
    write: D1PreparedStatement,
    attempts: readonly Attempt[] = [],
    after: readonly D1PreparedStatement[] = [],
  ): Promise<D1Result> {
    if (attempts.length === 0 && after.length === 0) return write.run();
    const [result] = await db.batch([write, ...attemptInserts(db, attempts), ...after]);
    if (!result) throw new Error("D1 batch answered no result for the state write");
    return result;
  }

  return {
    async claim(tokenHash, now, leaseMs, options = {}) {
      const leaseId = crypto.randomUUID();
      const row = await db
        .prepare(
          `UPDATE incidents SET claimed_until = ?1, lease_id = ?2, attempts = attempts + 1, sweeps = 0, updated_at = ?3
           WHERE token_hash = ?4 AND status = 'pending' AND (claimed_until IS NULL OR claimed_until <= ?3)
             AND (?5 OR next_attempt_at IS NULL OR next_attempt_at <= ?3 + ?6)
           RETURNING ${CLAIM_RETURNING}`,
        )
        .bind(now + leaseMs, leaseId, now, tokenHash, options.ignoreSchedule ? 1 : 0, SCHEDULE_SLACK_MS)
        .first();
      return row ? parseClaim(leaseId, row) : undefined;
    },
    async get(tokenHash) {
      const row = await db
        .prepare(
          `SELECT token_hash, status, label, key_id, claimed_until, next_attempt_at, token_type, already_inactive
           FROM incidents WHERE token_hash = ?1`,
        )
        .bind(tokenHash)
        .first();
      return row ? toState(v.parse(StateRow, row)) : undefined;
    },
    async saveKey(tokenHash, leaseId, key, now, attempts = [], verdictConfig) {
      const result = await withAttempts(
        db
          .prepare(
            // An API key's sealed secret goes once its id is known: revoking and looking up need only the id. An M2M
            // token keeps it until the end: Clerk publishes no read by id, so after a refused revoke (a crash between
            // our revoke and its record, say) verifying the secret again is how Clerk's record is read. An OAuth
            // access token keeps it too: Clerk revokes one by its value, not its id.
            `UPDATE incidents SET key_id = ?1, key_subject = ?2, key_name = ?3,
             sealed_secret = CASE WHEN token_type IN ('clerk_m2m_token', 'clerk_oauth_access_token') THEN sealed_secret END,
             key_expiration = COALESCE(?8, key_expiration),
             failing_since = NULL, clerk_instance = COALESCE(?7, clerk_instance), updated_at = ?4,
             verdict_config = COALESCE(?9, verdict_config)
           WHERE token_hash = ?5 AND lease_id = ?6 AND status = 'pending'`,
          )
          .bind(
            key.id,
            key.subject,
            key.name,
            now,
            tokenHash,
            leaseId,
            key.instance ?? null,
            key.expiration ?? null,
            verdictConfig ?? null,
          ),
        attempts,
      );
      return result.meta.changes > 0;
    },
    async finish(tokenHash, leaseId, status, label, now, details = {}) {
      // A failed incident keeps its sealed secret so an operator can retry it, and a `not_found` keeps it so the verdict
      // can be checked again when the configuration changes; every other outcome drops it.
      const key = details.key;
      const result = await withAttempts(
        db
          .prepare(
            `UPDATE incidents SET status = ?1, label = ?2, claimed_until = NULL, lease_id = NULL, next_attempt_at = NULL,
             sealed_secret = CASE WHEN ?1 IN ('failed', 'not_found') THEN sealed_secret ELSE NULL END,
             -- A JWT is final but never revoked: no revocation time, so the overview's revocations leave it out.
             revoked_at = CASE WHEN ?1 = 'revoked' AND COALESCE(?16, token_type) NOT IN (${JWT_TYPES_SQL})
               THEN ?3 ELSE revoked_at END,
             key_id = COALESCE(key_id, NULLIF(?11, '')),
             key_subject = COALESCE(?7, key_subject), key_name = COALESCE(?8, key_name),
             clerk_instance = COALESCE(?10, clerk_instance), last_error = ?4, clerk_trace_id = COALESCE(?5, clerk_trace_id), updated_at = ?3,
             already_inactive = CASE WHEN ?1 = 'revoked' THEN ?12 ELSE NULL END,
             clerk_revocation_reason = COALESCE(?13, clerk_revocation_reason),
             key_expiration = COALESCE(?14, key_expiration),
             -- A not_found's is the configuration that gave it; a failed incident keeps the one that confirmed its key,
             -- for a retry; any other end needs none.
             verdict_config = CASE WHEN ?1 = 'not_found' THEN ?15 WHEN ?1 = 'failed' THEN verdict_config END,
             checked_at = CASE WHEN ?1 = 'not_found' THEN ?3 ELSE checked_at END,
             token_type = COALESCE(?16, token_type),
             ${oweEventSql(NEW_EVENT_SQL, notificationsOn)}
           WHERE token_hash = ?6 AND lease_id = ?9 AND status = 'pending'`,
          )
          .bind(
            status,
            label,
            now,
            details.error ?? null,
            details.traceId ?? null,
            tokenHash,
            key?.subject ?? null,
            key?.name ?? null,
            leaseId,
            key?.instance ?? null,
            key?.id ?? null,
            details.alreadyInactive ?? key?.alreadyInactive ?? null,
            key?.revocationReason ?? null,
            key?.expiration ?? null,
            details.verdictConfig ?? null,
            details.tokenType ?? null,
          ),
        details.attempts,
        // In the same batch: the revocation and the owner's email it owes are one write (owner-emails.ts).
        ownerEmailsOn && status === "revoked" ? [oweOwnerEmail(db, tokenHash, now)] : [],
      );
      return result.meta.changes > 0;
    },
    async confirmRevoked(tokenHash, now, key) {
      const result = await withAttempts(
        confirmRevokedStatement(db, tokenHash, now, key, notificationsOn),
        [],
        ownerEmailsOn ? [oweOwnerEmail(db, tokenHash, now)] : [],
      );
      return result.meta.changes > 0;
    },
    async release(tokenHash, leaseId, now, nextAttemptAt, details) {
      const result = await withAttempts(
        db
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
          ),
        details.attempts,
      );
      return result.meta.changes > 0;
    },
    async failExhausted(tokenHash, now, giveUpBefore) {
      const result = await db
        .prepare(
          `UPDATE incidents SET status = 'failed', claimed_until = NULL, lease_id = NULL, next_attempt_at = NULL,
             updated_at = ?1, last_error = 'retries_exhausted' || COALESCE(' after ' || last_error, ''),
             ${oweEventSql("'api_key.revocation_failed'", notificationsOn)}
           WHERE token_hash = ?2 AND status = 'pending' AND (claimed_until IS NULL OR claimed_until <= ?1)
             AND COALESCE(failing_since, last_seen_at) <= ?3`,
        )
        .bind(now, tokenHash, giveUpBefore)
        .run();
      return result.meta.changes > 0;
    },
    async schedule(tokenHashes, nextAttemptAt, now) {
      const statements = chunkJsonArrays(tokenHashes, RECORD_PARAM_MAX_BYTES).map((json) =>
        db
          // `+status` keeps SQLite on the primary key: on the status index it would read every incident of that status.
          .prepare(
            `UPDATE incidents SET next_attempt_at = ?1, updated_at = ?2
             WHERE +status = 'pending' AND token_hash IN (SELECT value FROM json_each(?3))`,
          )
          .bind(nextAttemptAt, now, json),
      );
      if (statements.length > 0) await db.batch(statements);
    },
  };
}
