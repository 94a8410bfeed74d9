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
  owner_email_state: v.optional(v.nullable(v.string()), null),
  owner_email_reason: v.optional(v.nullable(v.string()), null),
  owner_email_recipients: v.optional(v.nullable(v.string()), null),
});

const ClaimRow = v.object({ notify_generation: v.number() });
const OwedStateRow = v.object({
  notify_due: v.nullable(v.string()),
  notify_held_until: v.nullable(v.number()),
});

/** What a claim on an owed event came to: the facts to send, or why there is nothing to send. */
export type NotificationClaim =
  | { kind: "claimed"; facts: EventFacts; generation: number }
  | { kind: "not_owed" | "held" | "no_incident" };

/** The longest a sweep's wait for an owed event grows to: the grace period doubled this many times (160 min). */
export const NOTIFY_REQUEUE_MAX_DOUBLINGS = 5;

/** The outbox. */
/** Which owed event a delivery note is for: the generation a claim took, or the event a dead letter names. */
export type NotificationFence = { generation: number } | { event: string };

export interface NotificationOutbox {
  /** What a notification about the incident says; `undefined` when there is no such incident. */
  eventFacts(tokenHash: string): Promise<EventFacts | undefined>;
  /**
   * Claims the delivery of `event` until `holdUntil`, with what it says, in one round trip. Nothing to send when the
   * event is no longer owed (delivered, given up, or another one owed instead) or another delivery holds it.
   */
  claimNotification(
    tokenHash: string,
    event: string,
    now: number,
    holdUntil: number,
  ): Promise<NotificationClaim>;
  /**
   * Notes a delivered notification, or the reason one failed for good: either way it is no longer owed. Only if the
   * event owed is still the one `fence` names (its generation, from a claim; or its name, from a dead letter that
   * knows no more): a later event is never cleared by an earlier delivery or an earlier event's dead letter.
   */
  noteNotification(
    tokenHash: string,
    now: number,
    error: string | null,
    fence: NotificationFence,
  ): Promise<void>;
  /** Releases a claim after a retryable failure; the sweeper leaves the event alone until `notBefore`. */
  noteNotificationRetry(tokenHash: string, generation: number, notBefore: number): Promise<void>;
  /**
   * Notes that the notifications owed for these incidents are on the queue now: the sweeper leaves each alone for
   * `graceMs`, doubled for every time it was queued before.
   */
  noteNotificationsQueued(tokenHashes: readonly string[], now: number, graceMs: number): Promise<void>;
  /**
   * Final incidents whose notification is owed and whose sweeper wait is over, unheld: the queue was down, the Worker
   * died first, or the message was lost. An incident never queued waits `graceMs` from its final write.
   */
  findOwedNotifications(
    now: number,
    graceMs: number,
    limit: number,
  ): Promise<{ tokenHash: string; event: string }[]>;
}

/** What a notification says, from its incident row. */
function toFacts(row: unknown): EventFacts {
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
    ownerEmail:
      r.owner_email_state === null
        ? null
        : {
            state: r.owner_email_state,
            reason: r.owner_email_reason,
            to: r.owner_email_recipients === null ? [] : (JSON.parse(r.owner_email_recipients) as string[]),
          },
  };
}

/** Builds the outbox over a D1 database. */
export function createNotificationOutbox(db: D1Database): NotificationOutbox {
  const factsStatement = (tokenHash: string) =>
    db
      .prepare(
        `SELECT i.token_hash, i.token_prefix, i.token_type, i.status, i.key_id, i.key_name, i.key_subject,
                i.clerk_instance, i.revoked_at, i.already_inactive, i.clerk_revocation_reason, i.key_expiration,
                i.last_error, i.notify_generation, i.notify_due, i.notify_held_until, s.sender, s.url, s.source,
                o.state AS owner_email_state, o.reason AS owner_email_reason, o.recipients AS owner_email_recipients
         FROM incidents AS i
         LEFT JOIN owner_emails AS o ON o.token_hash = i.token_hash
         LEFT JOIN sightings AS s ON s.sighting_id = (
           SELECT sighting_id FROM sightings WHERE token_hash = i.token_hash ORDER BY first_seen_at LIMIT 1)
         WHERE i.token_hash = ?1`,
      )
      .bind(tokenHash);
  return {
    async eventFacts(tokenHash) {
      const row = await factsStatement(tokenHash).first();
      return row ? toFacts(row) : undefined;
    },
    async claimNotification(tokenHash, event, now, holdUntil) {
      // The claim, then what to send and the owed state, in one transaction: what is sent is what the claim took.
      const [claimed, facts] = await db.batch([
        db
          .prepare(
            `UPDATE incidents SET notify_held_until = ?4
             WHERE token_hash = ?1 AND notify_due = ?2 AND (notify_held_until IS NULL OR notify_held_until <= ?3)
             RETURNING notify_generation`,
          )
          .bind(tokenHash, event, now, holdUntil),
        factsStatement(tokenHash),
      ]);
      const row = facts?.results[0];
      if (!row) return { kind: "no_incident" };
      const claim = claimed?.results[0];
      if (claim)
        return {
          kind: "claimed",
          facts: toFacts(row),
          generation: v.parse(ClaimRow, claim).notify_generation,
        };
      const owed = v.parse(OwedStateRow, row);
      return { kind: owed.notify_due === event && owed.notify_held_until !== null ? "held" : "not_owed" };
    },
    async noteNotificationRetry(tokenHash, generation, notBefore) {
      await db
        .prepare(
          `UPDATE incidents SET notify_held_until = NULL, notify_retry_at = MAX(COALESCE(notify_retry_at, 0), ?3)
           WHERE token_hash = ?1 AND notify_generation = ?2 AND notify_due IS NOT NULL`,
        )
        .bind(tokenHash, generation, notBefore)
        .run();
    },
    async noteNotification(tokenHash, now, error, fence) {
      await db
        .prepare(
          `UPDATE incidents SET notified_at = CASE WHEN ?1 IS NULL THEN ?2 ELSE notified_at END, notify_error = ?1,
             notify_due = NULL, notify_queued_at = NULL, notify_retry_at = NULL, notify_held_until = NULL
           WHERE token_hash = ?3 AND (?4 IS NULL OR notify_generation = ?4) AND (?5 IS NULL OR notify_due = ?5)`,
        )
        .bind(
          error,
          now,
          tokenHash,
          "generation" in fence ? fence.generation : null,
          "event" in fence ? fence.event : null,
        )
        .run();
    },
    async noteNotificationsQueued(tokenHashes, now, graceMs) {
      const statements = chunkJsonArrays(tokenHashes, RECORD_PARAM_MAX_BYTES).map((json) =>
        db
          .prepare(
            `UPDATE incidents SET notify_queued_at = ?1, notify_attempts = notify_attempts + 1,
               notify_retry_at = MAX(COALESCE(notify_retry_at, 0), ?1 + ?3 * (1 << MIN(notify_attempts, ?4)))
             WHERE notify_due IS NOT NULL AND token_hash IN (SELECT value FROM json_each(?2))`,
          )
          .bind(now, json, graceMs, NOTIFY_REQUEUE_MAX_DOUBLINGS),
      );
      if (statements.length > 0) await db.batch(statements);
    },
    async findOwedNotifications(now, graceMs, limit) {
      // Through the partial index incidents_notify_due: only owed rows are read, never the whole log.
      const { results } = await db
        .prepare(
          `SELECT token_hash, notify_due FROM incidents
           WHERE notify_due IS NOT NULL AND COALESCE(notify_retry_at, updated_at + ?2) <= ?1
             AND (notify_held_until IS NULL OR notify_held_until <= ?1)
           ORDER BY updated_at LIMIT ?3`,
        )
        .bind(now, graceMs, limit)
        .all();
      return results.map((row) => {
        const r = v.parse(OwedRow, row);
        return { tokenHash: r.token_hash, event: r.notify_due };
      });
    },
  };
}
