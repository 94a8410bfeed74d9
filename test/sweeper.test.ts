/**
 * The cron sweeper against real D1: which pending incidents it queues again (stranded ones, never leased or paused
 * ones), how many and in what order, and that a long queue backlog does not earn a duplicate message every sweep.
 * Its queue here records messages without delivering them, so no consumer changes what the next sweep sees.
 */
import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import worker from "../src";
import { createIncidentSweeping, SWEEP_BACKOFF_MAX_DOUBLINGS } from "../src/incidents/sweeping";
import { sha256Hex } from "../src/lib/hash";
import { STRANDED_GRACE_MS, SWEEP_BATCH_LIMIT } from "../src/use-cases/sweep";
import { clearTables, incident, migrate } from "./support/db";
import { counted } from "./support/scale";
import { watchSecrecy } from "./support/secrecy";
import {
  createLiveKey,
  match,
  publishedSigningKey,
  resetClerk,
  scriptClerk,
  signedAlert,
} from "./support/standins";

const secrecy = watchSecrecy();
const T0 = 1_900_000_000_000;

beforeAll(migrate);
beforeEach(async () => {
  await clearTables();
  await resetClerk();
});

/** A queue that keeps what is sent to it: the token hashes of revoke messages, in order. */
function recordingQueue() {
  const sent: string[] = [];
  const keep = (body: unknown) => {
    const b = body as { kind?: string; token_hash?: string };
    if ((b.kind ?? "revoke") === "revoke" && b.token_hash) sent.push(b.token_hash);
  };
  const queue = {
    send: async (body: unknown) => keep(body),
    sendBatch: async (messages: Iterable<{ body: unknown }>) => {
      for (const m of messages) keep(m.body);
    },
  };
  return { queue: queue as unknown as Queue, sent };
}

async function sweepAt(now: number): Promise<string[]> {
  const { queue, sent } = recordingQueue();
  await worker.scheduled(
    createScheduledController({ scheduledTime: now }),
    { ...env, REVOCATIONS: queue },
    createExecutionContext(),
  );
  return sent;
}

const hashOf = (i: number) => i.toString(16).padStart(64, "0");

/** Pending incidents written straight into D1, `updated_at` = `updatedAt(i)`. */
async function seedPending(
  n: number,
  updatedAt: (i: number) => number,
  extra: { claimedUntil?: number; nextAttemptAt?: number } = {},
) {
  const statements = Array.from({ length: n }, (_, i) =>
    env.DB.prepare(
      `INSERT INTO incidents (token_hash, token_prefix, token_type, status, first_seen_at, last_seen_at, updated_at,
         claimed_until, next_attempt_at)
       VALUES (?1, 'ak_seed…', 'clerk_api_key', 'pending', ?2, ?2, ?2, ?3, ?4)`,
    ).bind(hashOf(i), updatedAt(i), extra.claimedUntil ?? null, extra.nextAttemptAt ?? null),
  );
  for (let i = 0; i < statements.length; i += 500) await env.DB.batch(statements.slice(i, i + 500));
}

describe("the sweeper queues again", () => {
  it("a pending incident left past the grace period", async () => {
    await seedPending(1, () => T0);
    expect(await sweepAt(T0 + STRANDED_GRACE_MS)).toEqual([hashOf(0)]);
  });

  it("not one still within the grace period", async () => {
    await seedPending(1, () => T0);
    expect(await sweepAt(T0 + STRANDED_GRACE_MS - 1)).toEqual([]);
  });

  it(`at most ${SWEEP_BATCH_LIMIT} per run, oldest first, and the rest on the next run`, async () => {
    const n = SWEEP_BATCH_LIMIT + 3;
    // Written newest first, so the order cannot come from insertion.
    await seedPending(n, (i) => T0 - i * 1_000);
    const first = await sweepAt(T0 + STRANDED_GRACE_MS);
    expect(first).toHaveLength(SWEEP_BATCH_LIMIT);
    expect(first.slice(0, 3)).toEqual([hashOf(n - 1), hashOf(n - 2), hashOf(n - 3)]);
    expect(first).not.toContain(hashOf(0));
    const second = await sweepAt(T0 + STRANDED_GRACE_MS + 60_000);
    expect(second).toEqual([hashOf(2), hashOf(1), hashOf(0)]);
  });
});

describe("the sweeper leaves alone", () => {
  it("an incident a resolver holds the lease on", async () => {
    const now = T0 + 10 * STRANDED_GRACE_MS;
    await seedPending(1, () => T0, { claimedUntil: now + 1 });
    expect(await sweepAt(now)).toEqual([]);
  });

  it("an incident whose queued retry is not due yet", async () => {
    const now = T0 + 10 * STRANDED_GRACE_MS;
    await seedPending(1, () => T0, { nextAttemptAt: now });
    expect(await sweepAt(now)).toEqual([]);
  });

  it("a long queue backlog: a waiting incident is not queued again every sweep", async () => {
    await seedPending(1, () => T0);
    const sweeps: number[] = [];
    // A sweep every 5 minutes for 12 hours, while the incident's message waits unconsumed in a backlog.
    for (let t = T0 + STRANDED_GRACE_MS; t <= T0 + 12 * 3_600_000; t += 5 * 60_000) {
      if ((await sweepAt(t)).length > 0) sweeps.push(t);
    }
    // Grace doubles per sweep (5, 10, 20, 40, 80, then 160 minutes): 3 + 12 h / 160 min at most, not 144.
    expect(sweeps.length).toBeLessThanOrEqual(SWEEP_BACKOFF_MAX_DOUBLINGS + 1 + Math.ceil((12 * 60) / 160));
    expect(sweeps.length).toBeGreaterThanOrEqual(SWEEP_BACKOFF_MAX_DOUBLINGS);
    expect(await incident(hashOf(0))).toMatchObject({
      sweeps: Math.min(sweeps.length, SWEEP_BACKOFF_MAX_DOUBLINGS),
    });
    // 144 sweeps, each a real cron run with its D1 statements: seconds of work, more on a busy machine.
  }, 30_000);

  it("resets its patience once a message for the incident is consumed", async () => {
    await seedPending(1, () => T0);
    await sweepAt(T0 + STRANDED_GRACE_MS);
    await sweepAt(T0 + 3 * STRANDED_GRACE_MS);
    expect(await incident(hashOf(0))).toMatchObject({ sweeps: 2 });
    // A claim, as the consumer makes when the message arrives, then a release: stranded again.
    await env.DB.prepare("UPDATE incidents SET sweeps = 0, updated_at = ?1 WHERE token_hash = ?2")
      .bind(T0 + 4 * STRANDED_GRACE_MS, hashOf(0))
      .run();
    expect(await sweepAt(T0 + 5 * STRANDED_GRACE_MS)).toEqual([hashOf(0)]);
  });

  it("a long outage: finding the stranded reads the due ones, not every incident still backing off", async () => {
    // 3,000 incidents the sweeper already queued four times (due again 16 grace periods after the last), and 5 that
    // are stranded now.
    const backingOff = 3_000;
    await seedPending(backingOff + 5, (i) =>
      i < backingOff ? T0 - 3 * STRANDED_GRACE_MS : T0 - 2 * STRANDED_GRACE_MS,
    );
    await env.DB.prepare("UPDATE incidents SET sweeps = 4 WHERE updated_at = ?1")
      .bind(T0 - 3 * STRANDED_GRACE_MS)
      .run();
    const { binding, totals } = counted(env.DB);
    const found = await createIncidentSweeping(binding).findStranded(
      T0,
      STRANDED_GRACE_MS,
      SWEEP_BATCH_LIMIT,
    );
    expect(found.sort()).toEqual(Array.from({ length: 5 }, (_, i) => hashOf(backingOff + i)).sort());
    expect(totals.rowsRead).toBeLessThanOrEqual(50);
  });
});

describe("the consumer's rate-limit pause and the sweeper", () => {
  it("a sweep 6 minutes into a 600 s Retry-After queues none of the paused incidents", async () => {
    const key = await publishedSigningKey();
    const keys = await Promise.all(Array.from({ length: 8 }, () => createLiveKey()));
    // Recorded and left pending by a Clerk outage, then due now.
    await scriptClerk([{ status: 503, times: 8 }]);
    await secrecy.fetch(await signedAlert(key, JSON.stringify(keys.map((k) => match(k.secret)))));
    await env.DB.prepare("UPDATE incidents SET claimed_until = NULL, next_attempt_at = NULL").run();
    await resetClerk();
    await scriptClerk([{ status: 429, retryAfterSeconds: 600, times: 50 }]);
    const hashes = await Promise.all(keys.map((k) => sha256Hex(k.secret)));
    const batch = createMessageBatch(
      "autorevoke-revocations",
      hashes.map((h, i) => ({
        id: `m${i}`,
        timestamp: new Date(),
        attempts: 1,
        body: { v: 1, token_hash: h },
      })),
    );
    const ctx = createExecutionContext();
    const { queue } = recordingQueue();
    const pausedAt = Date.now();
    await worker.queue(batch, { ...env, REVOCATIONS: queue }, ctx);
    await getQueueResult(batch, ctx);
    expect(await sweepAt(pausedAt + 6 * 60_000)).toEqual([]);
    // Once the pause is over (and the grace period after it), they are fair game again.
    expect((await sweepAt(pausedAt + 600_000 * 1.1 + STRANDED_GRACE_MS + 1_000)).sort()).toEqual(
      [...hashes].sort(),
    );
  });
});
