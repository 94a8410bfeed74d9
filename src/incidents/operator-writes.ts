/**
 * @module
 * The two writes operators' actions make outside a claim: adopt a key id given by hand, and put a failed incident back
 * in line.
 */

/** What happened to a retry request. */
export type RequeueResult = "requeued" | "not_failed" | "unknown";

/** Operators' writes. */
export interface OperatorWrites {
  /** Sets the key id of an incident that has none, so queued retries revoke by id. */
  adoptKeyId(tokenHash: string, keyId: string, now: number, instance?: string): Promise<void>;
  /** A `failed` incident goes back to `pending`, unleased and due now. */
  requeueFailed(tokenHash: string, now: number): Promise<RequeueResult>;
}

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

    async requeueFailed(tokenHash, now) {
      const [updated, existing] = await db.batch([
        db
          .prepare(
            `UPDATE incidents SET status = 'pending', claimed_until = NULL, lease_id = NULL, next_attempt_at = NULL,
               attempts = 0, failures = 0, failing_since = NULL, updated_at = ?1
             WHERE token_hash = ?2 AND status = 'failed' RETURNING token_hash`,
          )
          .bind(now, tokenHash),
        db.prepare("SELECT 1 AS found FROM incidents WHERE token_hash = ?1").bind(tokenHash),
      ]);
      if ((updated?.results.length ?? 0) > 0) return "requeued";
      return (existing?.results.length ?? 0) > 0 ? "not_failed" : "unknown";
    },
  };
}
