/**
 * @module
 * The read side of the incident log for operators, plus the two small writes their actions need
 * (adopt a key id given by hand, put a failed incident back in line). Rows come out as the API's views
 * (snake_case, ISO times) and never include the sealed secret. The repository's write path is untouched.
 */
import * as v from "valibot";
import type { IncidentStatus, Label } from "../domain/incident";
import type { AttemptView, IncidentDetail, IncidentItem, Sighting } from "../http/responses";

/** Sightings and attempts shown with one incident; older ones are left out and flagged. */
export const DETAIL_ROWS_LIMIT = 500;

/** Filters of the incident list; every one optional. */
export interface IncidentFilter {
  status?: IncidentStatus;
  sender?: string;
  /** The Clerk instance that knows the key. */
  instance?: string;
  label?: Label;
  /** ms since the epoch: incidents first seen at or after it. */
  since?: number;
}

/** A position in the list: the last item of the previous page. */
export interface ListPosition {
  firstSeenAt: number;
  tokenHash: string;
}

/** One page, and where the next starts (`undefined` at the end). */
export interface ListPage {
  items: IncidentItem[];
  next: ListPosition | undefined;
}

/** What happened to a retry request. */
export type RequeueResult = "requeued" | "not_failed" | "unknown";

/** The operators' queries. */
export interface IncidentQueries {
  list(filter: IncidentFilter, after: ListPosition | undefined, limit: number): Promise<ListPage>;
  detail(tokenHash: string): Promise<IncidentDetail | undefined>;
  /** Sets the key id of an incident that has none, so queued retries revoke by id. */
  adoptKeyId(tokenHash: string, keyId: string, now: number, instance?: string): Promise<void>;
  /** A `failed` incident goes back to `pending`, unleased and due now. */
  requeueFailed(tokenHash: string, now: number): Promise<RequeueResult>;
}

const iso = (ms: number) => new Date(ms).toISOString();

// Row schemas parse D1 rows straight into the API's views: times become ISO 8601 on the way.
const nullableString = v.nullable(v.string());
const Time = v.pipe(v.number(), v.transform(iso));
const NullableTime = v.nullable(Time);

const ITEM_ENTRIES = {
  token_hash: v.string(),
  token_prefix: v.string(),
  token_type: v.string(),
  status: v.picklist(["pending", "revoked", "not_found", "ignored", "failed"]),
  label: v.nullable(v.picklist(["true_positive", "false_positive"])),
  key_id: nullableString,
  key_name: nullableString,
  key_subject: nullableString,
  instance: nullableString,
  attempts: v.number(),
  last_error: nullableString,
  clerk_trace_id: nullableString,
  first_seen_at: Time,
  last_seen_at: Time,
  revoked_at: NullableTime,
  senders: v.pipe(
    v.string(),
    v.transform(JSON.parse),
    v.array(v.string()),
    v.transform((senders) => senders.sort()),
  ),
};

const ItemRow: v.GenericSchema<unknown, IncidentItem> = v.object(ITEM_ENTRIES);
const DetailRow: v.GenericSchema<unknown, IncidentDetail["incident"]> = v.object({
  ...ITEM_ENTRIES,
  next_attempt_at: NullableTime,
  updated_at: Time,
});

const SightingRow: v.GenericSchema<unknown, Sighting> = v.object({
  sender: v.string(),
  url: nullableString,
  source: nullableString,
  type: nullableString,
  first_seen_at: Time,
  last_seen_at: Time,
  times_seen: v.number(),
  erased: v.pipe(
    v.number(),
    v.transform((n) => n !== 0),
  ),
});

const AttemptRow: v.GenericSchema<unknown, AttemptView> = v.object({
  at: Time,
  operation: v.picklist(["verify", "revoke"]),
  outcome: v.picklist(["ok", "not_found", "retryable", "final"]),
  status: v.nullable(v.number()),
  error: nullableString,
  clerk_trace_id: nullableString,
  instance: nullableString,
});

const ITEM_COLUMNS = `i.token_hash, i.token_prefix, i.token_type, i.status, i.label, i.key_id, i.key_name,
  i.key_subject, i.clerk_instance AS instance, i.attempts, i.last_error, i.clerk_trace_id, i.first_seen_at, i.last_seen_at, i.revoked_at,
  i.next_attempt_at, i.updated_at,
  (SELECT json_group_array(DISTINCT s.sender) FROM sightings AS s WHERE s.token_hash = i.token_hash) AS senders`;

const parseAll = <T>(schema: v.GenericSchema<unknown, T>, rows: readonly unknown[]) =>
  rows.slice(0, DETAIL_ROWS_LIMIT).map((row) => v.parse(schema, row));

/** Builds the queries over D1. */
export function createIncidentQueries(db: D1Database): IncidentQueries {
  return {
    async list(filter, after, limit) {
      // One statement for every combination of filters: a NULL parameter switches its filter off.
      // Reads one row more than the page to learn whether another page follows.
      const { results } = await db
        .prepare(
          `SELECT ${ITEM_COLUMNS} FROM incidents AS i
           WHERE (?1 IS NULL OR i.status = ?1)
             AND (?2 IS NULL OR i.label = ?2)
             AND (?3 IS NULL OR i.first_seen_at >= ?3)
             AND (?4 IS NULL OR EXISTS (SELECT 1 FROM sightings AS s WHERE s.token_hash = i.token_hash AND s.sender = ?4))
             AND (?5 IS NULL OR i.first_seen_at < ?5 OR (i.first_seen_at = ?5 AND i.token_hash < ?6))
             AND (?8 IS NULL OR i.clerk_instance = ?8)
           ORDER BY i.first_seen_at DESC, i.token_hash DESC
           LIMIT ?7`,
        )
        .bind(
          filter.status ?? null,
          filter.label ?? null,
          filter.since ?? null,
          filter.sender ?? null,
          after?.firstSeenAt ?? null,
          after?.tokenHash ?? null,
          limit + 1,
          filter.instance ?? null,
        )
        .all();
      const items = results.slice(0, limit).map((row) => v.parse(ItemRow, row));
      const last = items.at(-1);
      return {
        items,
        next:
          results.length > limit && last
            ? { firstSeenAt: Date.parse(last.first_seen_at), tokenHash: last.token_hash }
            : undefined,
      };
    },

    async detail(tokenHash) {
      const [incident, sightings, attempts] = await db.batch([
        db.prepare(`SELECT ${ITEM_COLUMNS} FROM incidents AS i WHERE i.token_hash = ?1`).bind(tokenHash),
        db
          .prepare(
            `SELECT sender, url, source, type, first_seen_at, last_seen_at, times_seen, erased_at IS NOT NULL AS erased
             FROM sightings WHERE token_hash = ?1 ORDER BY last_seen_at DESC, sighting_id LIMIT ?2`,
          )
          .bind(tokenHash, DETAIL_ROWS_LIMIT + 1),
        db
          .prepare(
            `SELECT at, operation, outcome, status, error, clerk_trace_id, clerk_instance AS instance FROM incident_attempts
             WHERE token_hash = ?1 ORDER BY at DESC, attempt_id DESC LIMIT ?2`,
          )
          .bind(tokenHash, DETAIL_ROWS_LIMIT + 1),
      ]);
      const row = incident?.results[0];
      if (!row || !sightings || !attempts) return undefined;
      return {
        incident: v.parse(DetailRow, row),
        sightings: parseAll(SightingRow, sightings.results),
        attempts: parseAll(AttemptRow, attempts.results),
        truncated: {
          sightings: sightings.results.length > DETAIL_ROWS_LIMIT,
          attempts: attempts.results.length > DETAIL_ROWS_LIMIT,
        },
      };
    },

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
