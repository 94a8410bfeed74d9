/**
 * @module
 * The owner emails' outbox (migration 0016): made owed in the batch that revokes a key (leases.ts, `oweOwnerEmail`),
 * claimed for a while by the one sending it, marked `sending` just before the send and `sent` or `not_sent` after.
 * A copy of the message that finds `sending` after its hold ran out knows a send may have happened and sends nothing:
 * an email is never doubled, at the price of one lost in a crash mid-send (recorded as `send_interrupted`).
 */
import * as v from "valibot";
import type { OwnerEmailFacts, OwnerEmailState } from "../domain/owner-email";
import { chunkJsonArrays } from "./chunk-by-bytes";
import { RECORD_PARAM_MAX_BYTES } from "./d1-limits";
import { JWT_TYPES_SQL } from "./state-row";

/** The most sighting URLs read for one email. */
const URLS_READ = 50;

/**
 * The statement that makes an owner email owed, for the batch that revoked the key at `revokedAt`: only when this
 * write revoked it (not a key dead already, not a JWT nothing revoked), once per token. A key whose owner no email can
 * reach (a machine's, an OAuth client's) is recorded `not_sent` at once, so the team's event can say so.
 */
export function oweOwnerEmail(db: D1Database, tokenHash: string, revokedAt: number): D1PreparedStatement {
  return db
    .prepare(
      `INSERT OR IGNORE INTO owner_emails (token_hash, state, owner, reason, due_at, updated_at)
       SELECT token_hash,
         CASE WHEN key_subject LIKE 'user\\_%' ESCAPE '\\' OR key_subject LIKE 'org\\_%' ESCAPE '\\' THEN 'due' ELSE 'not_sent' END,
         key_subject,
         CASE WHEN key_subject LIKE 'user\\_%' ESCAPE '\\' OR key_subject LIKE 'org\\_%' ESCAPE '\\' THEN NULL
           ELSE 'no_owner_to_email' END,
         ?2, ?2
       FROM incidents WHERE token_hash = ?1 AND status = 'revoked' AND revoked_at = ?2 AND already_inactive IS NULL
         AND label = 'true_positive' AND token_type NOT IN (${JWT_TYPES_SQL})
         -- One email per key: its secret and its id are two incidents (an operator's revocation by id, an alert for
         -- the secret), and whichever was revoked first owed it.
         AND NOT EXISTS (SELECT 1 FROM incidents AS other JOIN owner_emails AS o ON o.token_hash = other.token_hash
           WHERE incidents.key_id IS NOT NULL AND other.key_id = incidents.key_id
             AND other.clerk_instance IS incidents.clerk_instance AND other.token_hash != incidents.token_hash)`,
    )
    .bind(tokenHash, revokedAt);
}

/** An owner email as operators see it. */
export interface OwnerEmailRecord {
  state: OwnerEmailState;
  owner: string | null;
  recipients: string[];
  reason: string | null;
  sentAt: number | null;
}

/** A claimed email: whose key, the facts to tell, and the claim's own mark (its hold). */
export interface OwnerEmailJob {
  owner: string;
  instance: string | null;
  failingSince: number | null;
  facts: OwnerEmailFacts;
  hold: number;
}

/** What a claim came to. */
export type OwnerEmailClaim =
  | { kind: "claimed"; job: OwnerEmailJob }
  /** Not owed: sent, not sent, or never owed. */
  | { kind: "not_owed" }
  /** Held by another delivery until `until`: come back then, in case it dies. */
  | { kind: "held"; until: number }
  /** Marked `sending` by a delivery that never finished: perhaps sent. Recorded `not_sent`, never sent again. */
  | { kind: "interrupted" };

const ClaimRow = v.object({
  owner: v.string(),
  failing_since: v.nullable(v.number()),
  held_until: v.number(),
});
const FactsRow = v.object({
  key_name: v.nullable(v.string()),
  token_prefix: v.string(),
  key_id: v.nullable(v.string()),
  clerk_instance: v.nullable(v.string()),
  revoked_at: v.nullable(v.number()),
});
const RecordRow = v.object({
  state: v.picklist(["due", "sending", "sent", "not_sent"]),
  owner: v.nullable(v.string()),
  recipients: v.nullable(v.string()),
  reason: v.nullable(v.string()),
  sent_at: v.nullable(v.number()),
});
const Recipients = v.pipe(v.string(), v.parseJson(), v.array(v.string()));

/** The owner emails' store. */
export interface OwnerEmails {
  /** Claims an owed email until `now + holdMs`, with what it tells, in one round trip. */
  claim(tokenHash: string, now: number, holdMs: number): Promise<OwnerEmailClaim>;
  /**
   * Hands a claimed email back, owed still, its message coming back at `retryAt`; `failing` starts (or goes on with)
   * a run of failures. The sweeper leaves it alone until then: the message is alive in its own back-off.
   */
  release(tokenHash: string, hold: number, now: number, failing: boolean, retryAt: number): Promise<void>;
  /** Marks it `sending`, still under the claim's hold; `false` when the claim was lost. */
  markSending(tokenHash: string, hold: number, now: number): Promise<boolean>;
  markSent(tokenHash: string, now: number, recipients: readonly string[]): Promise<void>;
  /** Back to owed from `sending`, when nothing went out (every send refused for now); starts a run of failures. */
  unsend(tokenHash: string, hold: number, now: number, retryAt: number): Promise<boolean>;
  /** Ends it unsent, with why, from `due` or `sending`. */
  markNotSent(tokenHash: string, now: number, reason: string): Promise<void>;
  /** Owed emails not put on the queue for `graceMs` (their message lost), oldest first. */
  findOwed(now: number, graceMs: number, limit: number): Promise<string[]>;
  noteQueued(tokenHashes: readonly string[], now: number): Promise<void>;
  get(tokenHash: string): Promise<OwnerEmailRecord | undefined>;
}

/** Builds the store over a D1 database. */
export function createOwnerEmails(db: D1Database): OwnerEmails {
  return {
    async claim(tokenHash, now, holdMs) {
      const hold = now + holdMs;
      const [claimed, facts, urls, interrupted] = await db.batch([
        db
          .prepare(
            `UPDATE owner_emails SET held_until = ?3, attempts = attempts + 1, updated_at = ?2
             WHERE token_hash = ?1 AND state = 'due' AND (held_until IS NULL OR held_until <= ?2)
             RETURNING owner, failing_since, held_until`,
          )
          .bind(tokenHash, now, hold),
        db
          .prepare(
            "SELECT key_name, token_prefix, key_id, clerk_instance, revoked_at FROM incidents WHERE token_hash = ?1",
          )
          .bind(tokenHash),
        db
          .prepare(
            `SELECT url FROM sightings WHERE token_hash = ?1 AND url IS NOT NULL AND url != ''
             ORDER BY first_seen_at LIMIT ${URLS_READ}`,
          )
          .bind(tokenHash),
        db
          .prepare(
            `UPDATE owner_emails SET state = 'not_sent', reason = 'send_interrupted', held_until = NULL, updated_at = ?2
             WHERE token_hash = ?1 AND state = 'sending' AND held_until <= ?2 RETURNING token_hash`,
          )
          .bind(tokenHash, now),
      ]);
      if ((interrupted?.results.length ?? 0) > 0) return { kind: "interrupted" };
      const row = claimed?.results[0];
      const incident = facts?.results[0];
      if (!row || !incident) {
        const state = await db
          .prepare("SELECT state, held_until FROM owner_emails WHERE token_hash = ?1")
          .bind(tokenHash)
          .first<{ state: string; held_until: number | null }>();
        return state && (state.state === "due" || state.state === "sending")
          ? { kind: "held", until: state.held_until ?? now }
          : { kind: "not_owed" };
      }
      const c = v.parse(ClaimRow, row);
      const f = v.parse(FactsRow, incident);
      return {
        kind: "claimed",
        job: {
          owner: c.owner,
          instance: f.clerk_instance,
          failingSince: c.failing_since,
          hold: c.held_until,
          facts: {
            keyName: f.key_name,
            tokenPrefix: f.token_prefix,
            keyId: f.key_id,
            instance: f.clerk_instance,
            revokedAt: f.revoked_at ?? now,
            urls: (urls?.results ?? []).map((u) => String((u as { url: string }).url)),
          },
        },
      };
    },
    async release(tokenHash, hold, now, failing, retryAt) {
      await db
        .prepare(
          `UPDATE owner_emails SET held_until = NULL, updated_at = ?3, queued_at = ?5,
             failing_since = CASE WHEN ?4 THEN COALESCE(failing_since, ?3) ELSE failing_since END
           WHERE token_hash = ?1 AND state = 'due' AND held_until = ?2`,
        )
        .bind(tokenHash, hold, now, failing ? 1 : 0, retryAt)
        .run();
    },
    async markSending(tokenHash, hold, now) {
      const result = await db
        .prepare(
          `UPDATE owner_emails SET state = 'sending', updated_at = ?3
           WHERE token_hash = ?1 AND state = 'due' AND held_until = ?2 AND held_until > ?3`,
        )
        .bind(tokenHash, hold, now)
        .run();
      return result.meta.changes > 0;
    },
    async markSent(tokenHash, now, recipients) {
      await db
        .prepare(
          // Over a copy's `send_interrupted` too: one that took this send's long hold for a crash.
          `UPDATE owner_emails SET state = 'sent', recipients = ?3, sent_at = ?2, held_until = NULL, reason = NULL,
             updated_at = ?2 WHERE token_hash = ?1
               AND (state = 'sending' OR (state = 'not_sent' AND reason = 'send_interrupted'))`,
        )
        .bind(tokenHash, now, JSON.stringify(recipients))
        .run();
    },
    async unsend(tokenHash, hold, now, retryAt) {
      const result = await db
        .prepare(
          `UPDATE owner_emails SET state = 'due', held_until = NULL, failing_since = COALESCE(failing_since, ?3),
             queued_at = ?4, updated_at = ?3 WHERE token_hash = ?1 AND state = 'sending' AND held_until = ?2`,
        )
        .bind(tokenHash, hold, now, retryAt)
        .run();
      return result.meta.changes > 0;
    },
    async markNotSent(tokenHash, now, reason) {
      await db
        .prepare(
          `UPDATE owner_emails SET state = 'not_sent', reason = ?3, held_until = NULL, updated_at = ?2
           WHERE token_hash = ?1 AND state IN ('due', 'sending')`,
        )
        .bind(tokenHash, now, reason)
        .run();
    },
    async findOwed(now, graceMs, limit) {
      const rows = await db
        .prepare(
          `SELECT token_hash FROM owner_emails INDEXED BY owner_emails_owed
           WHERE state IN ('due', 'sending') AND due_at <= ?1 AND (queued_at IS NULL OR queued_at <= ?1)
             AND (held_until IS NULL OR held_until <= ?2)
           ORDER BY due_at LIMIT ?3`,
        )
        .bind(now - graceMs, now, limit)
        .all<{ token_hash: string }>();
      return rows.results.map((r) => r.token_hash);
    },
    async noteQueued(tokenHashes, now) {
      const statements = chunkJsonArrays(tokenHashes, RECORD_PARAM_MAX_BYTES).map((json) =>
        db
          .prepare(
            "UPDATE owner_emails SET queued_at = ?1 WHERE token_hash IN (SELECT value FROM json_each(?2))",
          )
          .bind(now, json),
      );
      if (statements.length > 0) await db.batch(statements);
    },
    async get(tokenHash) {
      const row = await db
        .prepare("SELECT state, owner, recipients, reason, sent_at FROM owner_emails WHERE token_hash = ?1")
        .bind(tokenHash)
        .first();
      if (!row) return undefined;
      const r = v.parse(RecordRow, row);
      return {
        state: r.state,
        owner: r.owner,
        recipients: r.recipients === null ? [] : v.parse(Recipients, r.recipients),
        reason: r.reason,
        sentAt: r.sent_at,
      };
    },
  };
}
