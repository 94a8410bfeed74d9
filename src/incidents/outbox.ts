/**
 * @module
 * The notification outbox. A final write sets `notify_due` in the same statement that ends the incident (leases.ts),
 * so an owed event survives a lost queue send or a dead Worker; this store reads what an event says, notes deliveries,
 * and finds events still owed.
 */
import * as v from "valibot";
import { AlreadyInactiveSchema } from "../domain/incident";
import type { EventFacts } from "../domain/notify-event";
import { chunkJsonArrays } from "./chunk-by-bytes";
import { RECORD_PARAM_MAX_BYTES } from "./d1-limits";

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
  already_inactive: v.nullable(AlreadyInactiveSchema),
  clerk_revocation_reason: v.nullable(v.string()),
  key_expiration: v.nullable(v.number()),
  last_error: v.nullable(v.string()),
  sender: v.nullable(v.string()),
  url: v.nullable(v.string()),
  source: v.nullable(v.string()),
});

/** The outbox. */
export interface NotificationOutbox {
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
}

/** Builds the outbox over a D1 database. */
export function createNotificationOutbox(db: D1Database): NotificationOutbox {
  return {
    async eventFacts(tokenHash) {
      const row = await db
        .prepare(
          `SELECT i.token_hash, i.token_prefix, i.token_type, i.status, i.key_id, i.key_name, i.key_subject,
                  i.clerk_instance, i.revoked_at, i.already_inactive, i.clerk_revocation_reason, i.key_expiration,
                  i.last_error, s.sender, s.url, s.source
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
        alreadyInactive: r.already_inactive,
        clerkRevocationReason: r.clerk_revocation_reason,
        keyExpiration: r.key_expiration,
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
  };
}
