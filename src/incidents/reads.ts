/**
 * @module
 * The operators' read side of the incident log: a filtered, paged list and one incident with its history. Rows come
 * out as domain records (src/domain/incident.ts); the HTTP layer shapes them for the API. Each read is one D1 round
 * trip: the list is one statement, the detail one batch.
 */
import * as v from "valibot";
import { AttemptOperationSchema, AttemptOutcomeSchema, type AttemptRecord } from "../domain/attempt";
import {
  type IncidentHistory,
  type IncidentStatus,
  IncidentStatusSchema,
  type IncidentSummary,
  type Label,
  LabelSchema,
  type SightingRecord,
  TokenTypeSchema,
} from "../domain/incident";

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
export interface IncidentPage {
  items: IncidentSummary[];
  next: ListPosition | undefined;
}

/** The operators' reads. */
export interface IncidentReads {
  list(filter: IncidentFilter, after: ListPosition | undefined, limit: number): Promise<IncidentPage>;
  detail(tokenHash: string): Promise<IncidentHistory | undefined>;
}

const nullableString = v.nullable(v.string());

const SummaryRow = v.pipe(
  v.object({
    token_hash: v.string(),
    token_prefix: v.string(),
    token_type: TokenTypeSchema,
    status: IncidentStatusSchema,
    label: v.nullable(LabelSchema),
    key_id: nullableString,
    key_name: nullableString,
    key_subject: nullableString,
    instance: nullableString,
    attempts: v.number(),
    last_error: nullableString,
    clerk_trace_id: nullableString,
    first_seen_at: v.number(),
    last_seen_at: v.number(),
    revoked_at: v.nullable(v.number()),
    next_attempt_at: v.nullable(v.number()),
    updated_at: v.number(),
    senders: v.pipe(v.string(), v.transform(JSON.parse), v.array(v.string())),
  }),
  v.transform(
    (r): IncidentSummary => ({
      tokenHash: r.token_hash,
      tokenPrefix: r.token_prefix,
      tokenType: r.token_type,
      status: r.status,
      label: r.label,
      keyId: r.key_id,
      keyName: r.key_name,
      keySubject: r.key_subject,
      instance: r.instance,
      attempts: r.attempts,
      lastError: r.last_error,
      clerkTraceId: r.clerk_trace_id,
      firstSeenAt: r.first_seen_at,
      lastSeenAt: r.last_seen_at,
      revokedAt: r.revoked_at,
      senders: r.senders.sort(),
      nextAttemptAt: r.next_attempt_at,
      updatedAt: r.updated_at,
    }),
  ),
);

const SightingRow = v.pipe(
  v.object({
    sender: v.string(),
    url: nullableString,
    source: nullableString,
    type: nullableString,
    first_seen_at: v.number(),
    last_seen_at: v.number(),
    times_seen: v.number(),
    erased: v.number(),
  }),
  v.transform(
    (r): SightingRecord => ({
      sender: r.sender,
      url: r.url,
      source: r.source,
      type: r.type,
      firstSeenAt: r.first_seen_at,
      lastSeenAt: r.last_seen_at,
      timesSeen: r.times_seen,
      erased: r.erased !== 0,
    }),
  ),
);

const AttemptRow = v.pipe(
  v.object({
    at: v.number(),
    operation: AttemptOperationSchema,
    outcome: AttemptOutcomeSchema,
    status: v.nullable(v.number()),
    error: nullableString,
    clerk_trace_id: nullableString,
    instance: nullableString,
  }),
  v.transform(
    (r): AttemptRecord => ({
      at: r.at,
      operation: r.operation,
      outcome: r.outcome,
      status: r.status,
      error: r.error,
      traceId: r.clerk_trace_id,
      instance: r.instance,
    }),
  ),
);

const SUMMARY_COLUMNS = `i.token_hash, i.token_prefix, i.token_type, i.status, i.label, i.key_id, i.key_name,
  i.key_subject, i.clerk_instance AS instance, i.attempts, i.last_error, i.clerk_trace_id, i.first_seen_at, i.last_seen_at, i.revoked_at,
  i.next_attempt_at, i.updated_at,
  (SELECT json_group_array(DISTINCT s.sender) FROM sightings AS s WHERE s.token_hash = i.token_hash) AS senders`;

const parseAll = <S extends v.GenericSchema>(schema: S, rows: readonly unknown[]) =>
  rows.slice(0, DETAIL_ROWS_LIMIT).map((row) => v.parse(schema, row));

/** Builds the reads over D1. */
export function createIncidentReads(db: D1Database): IncidentReads {
  return {
    async list(filter, after, limit) {
      // One statement for every combination of filters: a NULL parameter switches its filter off.
      // Reads one row more than the page to learn whether another page follows.
      const { results } = await db
        .prepare(
          `SELECT ${SUMMARY_COLUMNS} FROM incidents AS i
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
      const items = results.slice(0, limit).map((row) => v.parse(SummaryRow, row));
      const last = items.at(-1);
      return {
        items,
        next:
          results.length > limit && last
            ? { firstSeenAt: last.firstSeenAt, tokenHash: last.tokenHash }
            : undefined,
      };
    },

    async detail(tokenHash) {
      const [incident, sightings, attempts] = await db.batch([
        db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM incidents AS i WHERE i.token_hash = ?1`).bind(tokenHash),
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
        incident: v.parse(SummaryRow, row),
        sightings: parseAll(SightingRow, sightings.results),
        attempts: parseAll(AttemptRow, attempts.results),
        truncated: {
          sightings: sightings.results.length > DETAIL_ROWS_LIMIT,
          attempts: attempts.results.length > DETAIL_ROWS_LIMIT,
        },
      };
    },
  };
}
