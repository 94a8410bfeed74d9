/**
 * @module
 * The one statement that records a revocation Clerk confirmed. Intake runs it in the same batch as a record (keys
 * revoked while D1 was down), leases run it alone; either way it wins over `pending`, `failed` and `not_found`, and its
 * `RETURNING` tells the caller whether this write is the one that made the incident revoked.
 *
 * Over `not_found` too: a revocation autorevoke made is the truth, and a 404 for the same token can only come later
 * (Clerk's verify no longer knows a revoked key). Two record messages of an alert taken while D1 was down race this
 * way: the first, still pending, verifies and meets that 404; the second says the key was revoked, and must win.
 */
import type { KeyFacts } from "../domain/incident";
import { oweEventSql } from "./owed-event";

/** The confirm-revoked statement for one token. */
export function confirmRevokedStatement(
  db: D1Database,
  tokenHash: string,
  now: number,
  key: KeyFacts | undefined,
  notificationsOn: boolean,
) {
  return db
    .prepare(
      `UPDATE incidents SET status = 'revoked', label = 'true_positive', claimed_until = NULL, lease_id = NULL,
         next_attempt_at = NULL, sealed_secret = NULL, revoked_at = ?1, last_error = NULL, already_inactive = NULL,
         key_id = COALESCE(key_id, ?5), key_subject = COALESCE(?2, key_subject), key_name = COALESCE(?3, key_name),
         clerk_instance = COALESCE(clerk_instance, ?6), ${oweEventSql("'api_key.revoked'", notificationsOn)}, updated_at = ?1
       WHERE token_hash = ?4 AND status IN ('pending', 'failed', 'not_found')
       RETURNING token_hash`,
    )
    .bind(now, key?.subject ?? null, key?.name ?? null, tokenHash, key?.id ?? null, key?.instance ?? null);
}
