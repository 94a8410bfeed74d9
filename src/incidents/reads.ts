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
  LabelSchema,
  type SightingRecord,
  TokenTypeSchema,
} from "../domain/incident";
import { type IncidentFilter, type ListPosition, listQuery, PAGE_SCAN_LIMIT } from "./list-query";

/** Sightings and attempts shown with one incident; older ones are left out and flagged. */
export const DETAIL_ROWS_LIMIT = 500;

export type { IncidentFilter, ListPosition } from "./list-query";

/**
 * One page, and where the next starts (`undefined` at the end). A filtered page may be short, even empty, with a
 * `next`: it stopped after reading its most (./list-query.ts); the rest of the log is further on.
 */
export interface IncidentPage {
  items: IncidentSummary[];
  next: ListPosition | undefined;
  /** A search matched more incidents than it reads (`SEARCH_MATCH_LIMIT`): some may be left out. */
  searchTruncated: boolean;
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
/** One day of incident_days (migration 0013): its buckets are TIME_TO_REVOKE_BUCKETS_MS's, then the slower rest. */
const DayRow = v.pipe(
  v.object({
    day: v.number(),
    alerts: v.number(),
    revoked: v.number(),
    ttr_0: v.number(),
    ttr_1: v.number(),
    ttr_2: v.number(),
    ttr_3: v.number(),
    ttr_4: v.number(),
    ttr_5: v.number(),
    ttr_6: v.number(),
  }),
  v.transform((r) => ({
    day: r.day,
    alerts: r.alerts,
    revoked: r.revoked,
    buckets: [r.ttr_0, r.ttr_1, r.ttr_2, r.ttr_3, r.ttr_4, r.ttr_5, r.ttr_6],
  })),
);
type DayRowOutput = v.InferOutput<typeof DayRow>;

/**
 * Revocations p50 and p95 are taken over, the latest in the window: exact up to this many a month, a sample of the
 * most recent beyond, so the overview reads at most this many rows for them however busy the month was.
 */
export const PERCENTILE_SAMPLE = 500;

const DurationRow = v.object({ d: v.number() });

/** The p-th percentile of ascending `sorted` by nearest rank: the ceil(p × n)-th, so the p95 of a few is the slowest. */
function nearestRank(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.ceil((p * sorted.length) / 100) - 1] ?? null;
}

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
    // Kept on the incident by a trigger on sightings (migration 0013).
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
  i.next_attempt_at, i.updated_at, i.senders`;

const parseAll = <S extends v.GenericSchema>(schema: S, rows: readonly unknown[]) =>
  rows.slice(0, DETAIL_ROWS_LIMIT).map((row) => v.parse(schema, row));

const ScanRow = v.object({ at: v.number(), hash: v.string(), hit: v.number() });
const CappedRow = v.object({ capped: v.number() });

/** Builds the reads over D1. */
export function createIncidentReads(db: D1Database): IncidentReads {
  return {
    async list(filter, after, limit) {
      const query = listQuery(filter, after, limit, SUMMARY_COLUMNS);
      const { results } = await db
        .prepare(query.sql)
        .bind(...query.params)
        .all();
      if (query.mode === "scan") {
        // Every candidate the scan read comes back, matching or not: the page is the matches, and when it is not
        // full the next page starts after the last candidate, so no page reads more than PAGE_SCAN_LIMIT rows.
        const scanned = results.map((row) => v.parse(ScanRow, row));
        const hits = results.filter((_, i) => scanned[i]?.hit === 1);
        const items = hits.slice(0, limit).map((row) => v.parse(SummaryRow, row));
        const last = items.at(-1);
        const frontier = scanned.at(-1);
        const next =
          hits.length > limit && last
            ? { firstSeenAt: last.firstSeenAt, tokenHash: last.tokenHash }
            : scanned.length === PAGE_SCAN_LIMIT && frontier
              ? { firstSeenAt: frontier.at, tokenHash: frontier.hash }
              : undefined;
        return { items, next, searchTruncated: false };
      }
      // A search answers a row of NULLs, with its flag, when nothing matched.
      const rows =
        query.mode === "search"
          ? results.filter((row) => (row as { token_hash: unknown }).token_hash !== null)
          : results;
      const items = rows.slice(0, limit).map((row) => v.parse(SummaryRow, row));
      const last = items.at(-1);
      const first = results[0];
      return {
        items,
        next:
          rows.length > limit && last
            ? { firstSeenAt: last.firstSeenAt, tokenHash: last.tokenHash }
            : undefined,
        searchTruncated:
          query.mode === "search" && first !== undefined && v.parse(CappedRow, first).capped === 1,
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
      // Counts and charts come from what triggers keep (migration 0013): five rows, and one per day. p50/p95 are
      // over the latest PERCENTILE_SAMPLE revocations in the window, read from their own index and ranked here: D1
      // counts every row SQLite's window functions or sorts pass over again, several times over the sample.
      const [byStatus, days, percentiles, open] = await db.batch([
        db.prepare("SELECT status AS key, n FROM incident_counts"),
        db
          .prepare("SELECT * FROM incident_days WHERE day >= ?1 AND day <= ?2")
          .bind(today - OVERVIEW_DAYS + 1, today),
        db
          .prepare(
            `SELECT revoked_at - first_seen_at AS d FROM incidents INDEXED BY incidents_revoked
             WHERE status = 'revoked' AND revoked_at >= ?1 ORDER BY revoked_at DESC LIMIT ?2`,
          )
          .bind(from, PERCENTILE_SAMPLE),
        // Failed first, then pending, each through its own stretch of (status, updated_at).
        db
          .prepare(
            `SELECT ${SUMMARY_COLUMNS} FROM (
               SELECT * FROM (SELECT rowid AS r, 1 AS failed, updated_at FROM incidents
                              WHERE status = 'failed' ORDER BY updated_at DESC LIMIT ?1)
               UNION ALL
               SELECT * FROM (SELECT rowid AS r, 0 AS failed, updated_at FROM incidents
                              WHERE status = 'pending' ORDER BY updated_at DESC LIMIT ?1)
             ) AS o JOIN incidents AS i ON i.rowid = o.r
             ORDER BY o.failed DESC, o.updated_at DESC LIMIT ?1`,
          )
          .bind(OVERVIEW_OPEN_LIMIT),
      ]);
      const dayRows = new Map(
        (days?.results ?? []).map((row) => {
          const d = v.parse(DayRow, row);
          return [d.day, d];
        }),
      );
      const statusCounts = new Map(
        (byStatus?.results ?? []).map((r) => v.parse(CountRow, r)).map((r) => [String(r.key), r.n]),
      );
      const perDay = (count: (row: DayRowOutput) => number) =>
        Array.from({ length: OVERVIEW_DAYS }, (_, i) => {
          const day = today - OVERVIEW_DAYS + 1 + i;
          const row = dayRows.get(day);
          return { day: day * DAY_MS, count: row ? count(row) : 0 };
        });
      const revocationsPerDay = perDay((row) => row.revoked);
      const durations = (percentiles?.results ?? [])
        .map((row) => v.parse(DurationRow, row).d)
        .sort((a, b) => a - b);
      return {
        from,
        byStatus: Object.fromEntries(
          IncidentStatusSchema.options.map((status) => [status, statusCounts.get(status) ?? 0]),
        ) as Record<IncidentStatus, number>,
        alertsPerDay: perDay((row) => row.alerts),
        revocationsPerDay,
        timeToRevoke: {
          revoked: revocationsPerDay.reduce((sum, d) => sum + d.count, 0),
          percentilesOf: durations.length,
          p50Ms: nearestRank(durations, 50),
          p95Ms: nearestRank(durations, 95),
          buckets: [...TIME_TO_REVOKE_BUCKETS_MS, null].map((upperMs, i) => ({
            upperMs,
            count: [...dayRows.values()].reduce((sum, row) => sum + (row.buckets[i] ?? 0), 0),
          })),
        },
        open: (open?.results ?? []).map((row) => v.parse(SummaryRow, row)),
      };
    },
  };
}
