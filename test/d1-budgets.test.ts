/**
 * D1 cost at scale (issue 24): every page, alert and sweep reads a bounded number of rows, whatever the size of the
 * log. The log is 20,000 incidents (40,000 sightings, 48,000 attempts), generated as `npm run bench -- --scale`
 * generates its million (test/support/scale.ts); a path that scans reads thousands of rows here and fails its bound.
 * The counts are D1's own (`meta.rows_read`), summed over every statement a path runs.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { PAGE_SCAN_LIMIT } from "../src/incidents/list-query";
import type { ListPosition } from "../src/incidents/reads";
import { createIncidentReads } from "../src/incidents/reads";
import { report } from "./support/console";
import { clearTables, migrate } from "./support/db";
import {
  clearRetentionBacklog,
  counted as countedForTest,
  measurePaths,
  measureSweep,
  type PathCost,
  seedLog,
} from "./support/scale";

const DAY_MS = 86_400_000;

const INCIDENTS = 20_000;
const now = Date.now();
let costs: PathCost[];

/** Issue 24's budgets. */
const PAGE_BUDGET = 1_000;
/** Issue 24's budget per token an alert carries. */
const ALERT_BUDGET_PER_TOKEN = 10;
const SWEEP_BUDGET = 2_000;

beforeAll(async () => {
  await migrate();
  await clearTables();
  await seedLog(env.DB, { from: 0, to: INCIDENTS, total: INCIDENTS, now, erased: true });
  costs = await measurePaths(env.DB, now);
  for (const c of costs)
    report({
      path: c.path,
      rows_read: c.rowsRead,
      rows_written: c.rowsWritten,
      each: c.path.startsWith("console") || c.path.startsWith("alert") ? c.statementsRead : undefined,
    });
}, 120_000);

const cost = (name: string) => {
  const found = costs.find((c) => c.path === name);
  if (!found) throw new Error(`no path ${name}`);
  return found;
};

describe("pages read at most 1,000 rows of 20,000 incidents", () => {
  it.each([
    "console overview",
    "list, first page",
    "list, a page halfway down the log",
    "list, status=failed since a day ago",
    "list, status=pending",
    "list, sender=generic (5%)",
    "list, label=true_positive, halfway down",
    "search, token prefix",
    "search, token hash's start",
    "search, key id",
    "search, key name's start",
    "one incident",
  ])("%s", (name) => {
    expect(cost(name).rowsRead).toBeLessThanOrEqual(PAGE_BUDGET);
  });
});

describe("an alert's D1 work", () => {
  it.each(["alert of 10 tokens, recordAndClaim", "schedule (a retry's due time)", "markSwept"])(
    "%s reads at most 10 rows per token",
    (name) => {
      const c = cost(name);
      expect(c.tokens).toBeGreaterThan(0);
      expect(c.rowsRead / (c.tokens ?? 1)).toBeLessThanOrEqual(ALERT_BUDGET_PER_TOKEN);
    },
  );
});

describe("the sweep", () => {
  it("finds old secrets to re-seal by range: none under v1. or an older key costs a few rows", () => {
    expect(cost("reseal scan (v1. and an older key)").rowsRead).toBeLessThanOrEqual(10);
  });

  // A cost test, not a timing one: its many sweeps over a backlog take about 5 s on a loaded 2-core machine.
  it("clears an erasure and retention backlog over several sweeps, in bounded statements, then reads at most 2,000 rows a sweep", async () => {
    // Every sighting's details kept, as a log whose erasure never finished would have them.
    await env.DB.prepare(
      "UPDATE sightings SET erased_at = NULL, url = 'https://github.com/o/r/blob/main/x.env'",
    ).run();
    const due = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM sightings WHERE first_seen_at < ?1 AND token_hash IN (SELECT token_hash FROM incidents WHERE status NOT IN ('ignored', 'not_found') OR last_seen_at >= ?2)",
    )
      .bind(now - 30 * DAY_MS, now - 90 * DAY_MS)
      .first<{ n: number }>();
    const cleared = await clearRetentionBacklog(env.DB, now, 50);
    report({ cleared: { ...cleared, firstSweep: undefined, cost: undefined } });
    // Sightings of false positives past retention went with their incidents; every other one due was erased.
    expect(cleared.erased).toBeGreaterThanOrEqual(due?.n ?? Number.NaN);
    expect(cleared.deleted).toBeGreaterThan(0);
    expect(cleared.trimmed).toBeGreaterThan(0);
    expect(cleared.sweeps).toBeGreaterThan(1);
    expect(cleared.sweeps).toBeLessThan(50);
    // No statement reads more than a few rows per row of its batch (2,000 sightings, or 500 incidents with theirs).
    expect(cleared.maxStatementRowsRead).toBeLessThanOrEqual(10_000);
    // The free plan's 50 D1 queries per invocation, with room left for the cron's health check.
    expect(cleared.firstSweep.statements).toBeLessThanOrEqual(40);
    const left = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM sightings WHERE erased_at IS NULL AND first_seen_at < ?1",
    )
      .bind(now - 30 * DAY_MS)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
    const steady = await measureSweep(env.DB, now);
    expect(steady.rowsRead).toBeLessThanOrEqual(SWEEP_BUDGET);
    await expectCountersTrue();
  }, 30_000);
});

async function expectCountersTrue() {
  const overview = await createIncidentReads(env.DB).overview(now);
  const { results } = await env.DB.prepare(
    "SELECT status, COUNT(*) AS n FROM incidents GROUP BY status",
  ).all<{
    status: string;
    n: number;
  }>();
  expect(results.length).toBeGreaterThan(0);
  for (const r of results)
    expect(overview.byStatus[r.status as keyof typeof overview.byStatus], r.status).toBe(r.n);
}

describe("the counters the overview reads", () => {
  it("match the log's own counts", expectCountersTrue);
});

describe("a filtered list, page after page", () => {
  it("finds every incident of a rare sender, each page reading at most its scan of 400 rows and their incidents", async () => {
    const expected = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM incidents WHERE token_hash IN (SELECT token_hash FROM sightings WHERE sender = 'generic')",
    ).first<{ n: number }>();
    const seen = new Set<string>();
    let after: ListPosition | undefined;
    let pages = 0;
    do {
      const { binding, totals } = countedForTest(env.DB);
      const page = await createIncidentReads(binding).list({ sender: "generic" }, after, 50);
      // Each row of the walk and its incident, and the index's probe past the end.
      expect(totals.rowsRead).toBeLessThanOrEqual(2 * PAGE_SCAN_LIMIT + 5);
      for (const item of page.items) {
        expect(item.senders).toContain("generic");
        seen.add(item.tokenHash);
      }
      after = page.next;
      pages++;
    } while (after && pages < 200);
    expect(seen.size).toBe(expected?.n);
  });

  it("says when a search matched more than it reads", async () => {
    const page = await createIncidentReads(env.DB).list({ search: "ak_" }, undefined, 50);
    expect(page.searchTruncated).toBe(true);
    expect(page.items).toHaveLength(50);
    const narrow = await createIncidentReads(env.DB).list({ search: "Key 1999" }, undefined, 50);
    expect(narrow.searchTruncated).toBe(false);
  });

  it("says so even when none of what it read passes the other filters", async () => {
    const page = await createIncidentReads(env.DB).list(
      { search: "ak_", instance: "nowhere" },
      undefined,
      50,
    );
    expect(page.items).toEqual([]);
    expect(page.searchTruncated).toBe(true);
  });

  it("does not say so when two ranges together match more than the limit and neither alone does", async () => {
    // 150 incidents whose token prefix starts "zq", and 150 others whose key name does: 300 matches, none left out.
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 299)
       INSERT INTO incidents (token_hash, token_prefix, token_type, status, key_name, first_seen_at, last_seen_at, updated_at)
       SELECT lower(hex(randomblob(32))), CASE WHEN i < 150 THEN 'zq' || i || '…' ELSE 'ak_zz…' END, 'clerk_api_key',
         'ignored', CASE WHEN i >= 150 THEN 'Zq key ' || i END, ?1 - i, ?1 - i, ?1 - i FROM n`,
    )
      .bind(now)
      .run();
    const reads = createIncidentReads(env.DB);
    const seen = new Set<string>();
    let after: ListPosition | undefined;
    do {
      const page = await reads.list({ search: "zq" }, after, 100);
      expect(page.searchTruncated).toBe(false);
      for (const item of page.items) seen.add(item.tokenHash);
      after = page.next;
    } while (after);
    expect(seen.size).toBe(300);
  });
});
