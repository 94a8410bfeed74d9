/**
 * @module
 * The operators' read side of the incident log: a filtered, paged list and one incident with its history. Rows come
 * out as domain records (src/domain/incident.ts); the HTTP layer shapes them for the API. Each read is one D1 round
 * trip: the list is one statement, the detail and the overview one batch each.
 */
import * as v from "valibot";
import { AttemptOperationSchema, AttemptOutcomeSchema, type AttemptRecord } from "../domain/attempt";
import {
  AlreadyInactiveSchema,
  type IncidentHistory,
  type IncidentOverview,
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
  /**
   * What an operator remembers of a leak: the start of the token's prefix (`ak_3bee`), its hash or the start of it,
   * the Clerk key id, or part of the key's name (any case).
   */
  search?: string;
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
  /** The console's overview as of `now`: counts, the last `OVERVIEW_DAYS` days, and what needs an operator. */
  overview(now: number): Promise<IncidentOverview>;
}

/** Days the overview's charts cover, today included. */
export const OVERVIEW_DAYS = 30;
/** Pending and failed incidents the overview lists, most recently changed first. */
export const OVERVIEW_OPEN_LIMIT = 20;
const DAY_MS = 86_400_000;

/**
 * Upper bounds (ms, exclusive) of the time-to-revoke histogram's buckets; the last bucket is everything slower. Spaced
 * roughly tenfold because the interesting question is the order of magnitude: seconds (inline), minutes (the queue),
 * hours (Clerk was down).
 */
export const TIME_TO_REVOKE_BUCKETS_MS = [1_000, 10_000, 60_000, 600_000, 3_600_000, DAY_MS] as const;

const nullableString = v.nullable(v.string());

const NotificationRow = v.object({
  notified_at: v.nullable(v.number()),
  notify_error: nullableString,
  notify_due: nullableString,
  notify_queued_at: v.nullable(v.number()),
});

const CountRow = v.object({ key: v.union([v.string(), v.number()]), n: v.number() });
const PercentileRow = v.object({ p50: v.nullable(v.number()), p95: v.nullable(v.number()), n: v.number() });

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
    already_inactive: v.nullable(AlreadyInactiveSchema),
    clerk_revocation_reason: nullableString,
    key_expiration: v.nullable(v.number()),
    checked_at: v.nullable(v.number()),
    verdict_config: nullableString,
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
      alreadyInactive: r.already_inactive,
      clerkRevocationReason: r.clerk_revocation_reason,
      keyExpiration: r.key_expiration,
      checkedAt: r.checked_at,
      verdictConfig: r.verdict_config,
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
  i.key_subject, i.clerk_instance AS instance, i.already_inactive, i.clerk_revocation_reason, i.key_expiration,
  i.checked_at, i.verdict_config, i.attempts, i.last_error, i.clerk_trace_id, i.first_seen_at, i.last_seen_at, i.revoked_at,
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
             AND (?9 IS NULL
               OR substr(i.token_prefix, 1, length(?9)) = ?9
               OR substr(i.token_hash, 1, length(?9)) = lower(?9)
               OR i.key_id = ?9
               OR instr(lower(i.key_name), lower(?9)) > 0)
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
          filter.search ?? null,
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
        db
          .prepare(
            `SELECT ${SUMMARY_COLUMNS}, i.notified_at, i.notify_error, i.notify_due, i.notify_queued_at
             FROM incidents AS i WHERE i.token_hash = ?1`,
          )
          .bind(tokenHash),
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
      const notification = v.parse(NotificationRow, row);
      return {
        incident: v.parse(SummaryRow, row),
        notification: {
          deliveredAt: notification.notified_at,
          owedEvent: notification.notify_due,
          queuedAt: notification.notify_queued_at,
          lastError: notification.notify_error,
        },
        sightings: parseAll(SightingRow, sightings.results),
        attempts: parseAll(AttemptRow, attempts.results),
        truncated: {
          sightings: sightings.results.length > DETAIL_ROWS_LIMIT,
          attempts: attempts.results.length > DETAIL_ROWS_LIMIT,
        },
      };
    },

    async overview(now) {
      const today = Math.floor(now / DAY_MS);
      const from = (today - OVERVIEW_DAYS + 1) * DAY_MS;
      const buckets = TIME_TO_REVOKE_BUCKETS_MS.map((upper, i) => `WHEN d < ${upper} THEN ${i}`).join(" ");
      // Revoked in the window, by how long after the first sighting: the histogram, and p50/p95 by nearest rank (the
      // ceil(p × n)-th fastest), so the p95 of a handful of keys is the slowest of them.
      const revokedIn = `WITH r AS (SELECT revoked_at - first_seen_at AS d FROM incidents
        WHERE status = 'revoked' AND revoked_at >= ?1 AND revoked_at IS NOT NULL)`;
      const [byStatus, alerts, revocations, histogram, percentiles, open] = await db.batch([
        db.prepare("SELECT status AS key, COUNT(*) AS n FROM incidents GROUP BY status"),
        db
          .prepare(
            `SELECT first_seen_at / ${DAY_MS} AS key, COUNT(*) AS n FROM incidents
             WHERE first_seen_at >= ?1 GROUP BY key`,
          )
          .bind(from),
        db
          .prepare(
            `SELECT revoked_at / ${DAY_MS} AS key, COUNT(*) AS n FROM incidents
             WHERE status = 'revoked' AND revoked_at >= ?1 GROUP BY key`,
          )
          .bind(from),
        db
          .prepare(
            `${revokedIn} SELECT CASE ${buckets} ELSE ${TIME_TO_REVOKE_BUCKETS_MS.length} END AS key, COUNT(*) AS n
             FROM r GROUP BY key`,
          )
          .bind(from),
        db
          .prepare(
            `${revokedIn}, c AS (SELECT COUNT(*) AS n FROM r)
             SELECT (SELECT d FROM r ORDER BY d LIMIT 1 OFFSET (SELECT (n * 50 + 99) / 100 - 1 FROM c)) AS p50,
                    (SELECT d FROM r ORDER BY d LIMIT 1 OFFSET (SELECT (n * 95 + 99) / 100 - 1 FROM c)) AS p95,
                    (SELECT n FROM c) AS n`,
          )
          .bind(from),
        db
          .prepare(
            `SELECT ${SUMMARY_COLUMNS} FROM incidents AS i WHERE i.status IN ('pending', 'failed')
             ORDER BY i.status = 'failed' DESC, i.updated_at DESC LIMIT ?1`,
          )
          .bind(OVERVIEW_OPEN_LIMIT),
      ]);
      const counts = (rows: readonly unknown[] | undefined) =>
        new Map((rows ?? []).map((r) => v.parse(CountRow, r)).map((r) => [String(r.key), r.n]));
      const statusCounts = counts(byStatus?.results);
      const perDay = (rows: readonly unknown[] | undefined) => {
        const byDay = counts(rows);
        return Array.from({ length: OVERVIEW_DAYS }, (_, i) => {
          const day = today - OVERVIEW_DAYS + 1 + i;
          return { day: day * DAY_MS, count: byDay.get(String(day)) ?? 0 };
        });
      };
      const bucketCounts = counts(histogram?.results);
      const p = v.parse(PercentileRow, percentiles?.results[0] ?? { p50: null, p95: null, n: 0 });
      return {
        from,
        byStatus: Object.fromEntries(
          IncidentStatusSchema.options.map((status) => [status, statusCounts.get(status) ?? 0]),
        ) as Record<IncidentStatus, number>,
        alertsPerDay: perDay(alerts?.results),
        revocationsPerDay: perDay(revocations?.results),
        timeToRevoke: {
          revoked: p.n,
          p50Ms: p.p50,
          p95Ms: p.p95,
          buckets: [...TIME_TO_REVOKE_BUCKETS_MS, null].map((upperMs, i) => ({
            upperMs,
            count: bucketCounts.get(String(i)) ?? 0,
          })),
        },
        open: (open?.results ?? []).map((row) => v.parse(SummaryRow, row)),
      };
    },
  };
}
