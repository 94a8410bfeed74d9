/**
 * @module
 * The writes operators' actions make outside a claim: adopt a key id given by hand, put a failed incident (or a
 * `not_found` to check again) back in line, and reopen every `not_found` of a period, a bounded chunk at a time.
 */

/** What happened to a retry request. */
export type RequeueResult = "requeued" | "not_retryable" | "unknown";

/** Where a re-check of many `not_found` verdicts stands: the last incident looked at, in `updated_at` order. */
export interface RecheckCursor {
  updatedAt: number;
  tokenHash: string;
}

/** One chunk of a re-check: the incidents reopened, and where the next chunk starts (`undefined`: done). */
export interface RecheckChunk {
  reopened: string[];
  next: RecheckCursor | undefined;
}

/** Operators' writes. */
export interface OperatorWrites {
  /** Sets the key id of an incident that has none, so queued retries revoke by id. */
  adoptKeyId(tokenHash: string, keyId: string, now: number, instance?: string): Promise<void>;
  /**
   * A `failed` incident, or a `not_found` that can be verified again (it holds its sealed secret or a key id), goes back
   * to `pending`, unleased and due now, with no label.
   */
  requeue(tokenHash: string, now: number): Promise<RequeueResult>;
  /**
   * Reopens up to `limit` `not_found` incidents whose verdict was written in `[since, until]`, after `after`, that can
   * be verified again. Reads about `limit` rows through the `(status, updated_at)` index, whatever the log's size.
   */
  reopenNotFound(
    since: number,
    until: number,
    after: RecheckCursor | undefined,
    limit: number,
    now: number,
  ): Promise<RecheckChunk>;
}

/** The columns that put an incident back in line, due now, with fresh counters. */
const REOPEN_SET = `status = 'pending', label = NULL, claimed_until = NULL, lease_id = NULL, next_attempt_at = NULL,
  attempts = 0, failures = 0, failing_since = NULL, updated_at = ?1`;

/** A `not_found` can be verified again only with something to verify: its sealed secret, or a key id to revoke by. */
const RECHECKABLE = "(sealed_secret IS NOT NULL OR key_id IS NOT NULL)";

/** Builds them over a D1 database. */
export function createOperatorWrites(db: D1Database): OperatorWrites {
  return {
    async adoptKeyId(tokenHash, keyId, now, instance) {
      await db
        .prepare(
          `UPDATE incidents SET key_id = ?1, clerk_instance = ?4, updated_at = ?2
           WHERE token_hash = ?3 AND key_id IS NULL`,
        )
        .bind(keyId, now, tokenHash, instance ?? null)
        .run();
    },

    async requeue(tokenHash, now) {
      const [updated, existing] = await db.batch([
        db
          .prepare(
            `UPDATE incidents SET ${REOPEN_SET}
             WHERE token_hash = ?2 AND (status = 'failed' OR (status = 'not_found' AND ${RECHECKABLE}))
             RETURNING token_hash`,
          )
          .bind(now, tokenHash),
        db.prepare("SELECT 1 AS found FROM incidents WHERE token_hash = ?1").bind(tokenHash),
      ]);
      if ((updated?.results.length ?? 0) > 0) return "requeued";
      return (existing?.results.length ?? 0) > 0 ? "not_retryable" : "unknown";
    },

    async reopenNotFound(since, until, after, limit, now) {
      // The candidates first, by the index, so rows that cannot be checked again (no secret kept) are stepped over by the
      // cursor instead of being read again by every chunk.
      const candidates = await db
        .prepare(
          `SELECT token_hash, updated_at, ${RECHECKABLE} AS recheckable FROM incidents
           WHERE status = 'not_found' AND updated_at BETWEEN ?1 AND ?2
             AND NOT (updated_at = ?3 AND token_hash <= ?4)
           ORDER BY updated_at, token_hash LIMIT ?5`,
        )
        // The range starts at the cursor, so each chunk's index range begins where the last one ended.
        .bind(
          Math.max(since, after?.updatedAt ?? since),
          until,
          after?.updatedAt ?? -1,
          after?.tokenHash ?? "",
          limit,
        )
        .run<{ token_hash: string; updated_at: number; recheckable: number }>();
      const rows = candidates.results;
      const last = rows.at(-1);
      const hashes = rows.filter((r) => r.recheckable === 1).map((r) => r.token_hash);
      let reopened: string[] = [];
      if (hashes.length > 0) {
        const updated = await db
          // `+status` keeps SQLite on the primary key: on the status index it would read every incident of that status.
          .prepare(
            `UPDATE incidents SET ${REOPEN_SET}
             -- Checked again here: the retention sweep may have erased a secret since the candidates were read, and a
             -- reopened incident with nothing to verify would end failed.
             WHERE token_hash IN (SELECT value FROM json_each(?2)) AND +status = 'not_found' AND ${RECHECKABLE}
             RETURNING token_hash`,
          )
          .bind(now, JSON.stringify(hashes))
          .run<{ token_hash: string }>();
        reopened = updated.results.map((r) => r.token_hash);
      }
      return {
        reopened,
        next:
          rows.length === limit && last
            ? { updatedAt: last.updated_at, tokenHash: last.token_hash }
            : undefined,
      };
    },
  };
}
