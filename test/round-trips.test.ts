/**
 * Distance: on Cloudflare, every D1 round trip goes to the database's primary, maybe an ocean away, so the number of
 * sequential round trips on a leaked key's path is its latency. These tests count them, with a counting wrapper
 * around the D1 binding, and Clerk calls with the stand-in's call log, for each path an alert's token can take. A
 * change that adds a round trip fails here.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { readConfig } from "../src/config/config";
import { sha256Hex } from "../src/lib/hash";
import { wire } from "../src/wiring";
import { clearTables, incident, migrate } from "./support/db";
import { watchSecrecy } from "./support/secrecy";
import { CLERK, clerkCalls, createLiveKey, match, resetClerk } from "./support/standins";
import { countingD1 } from "./support/wrap-d1";

const secrecy = watchSecrecy({ clerk: CLERK });

beforeAll(migrate);
beforeEach(async () => {
  await clearTables();
  await resetClerk();
});

function useCases(db: D1Database = env.DB) {
  const config = readConfig(env);
  if (!config.ok) throw new Error(config.error);
  return wire({ ...env, DB: db }, config.value);
}

/** Sends one alert for `tokens` straight to the use case, waiting for its background work too. */
async function alert(tokens: string[], db: D1Database = env.DB, onAnswer = () => {}) {
  const ctx = createExecutionContext();
  const summary = await useCases(db).processAlert(
    {
      sender: "github",
      matches: tokens.map((t) => match(t)),
      invalid: 0,
      receivedAt: Date.now(),
      requestId: "t",
    },
    (p) => ctx.waitUntil(p),
  );
  onAnswer();
  await waitOnExecutionContext(ctx);
  return summary;
}

/** `alert`, counting D1 round trips up to the answer, and Clerk calls. */
async function alertCounted(tokens: string[]) {
  secrecy.track(...tokens);
  const { db, count } = countingD1(env.DB);
  const clerkBefore = (await clerkCalls()).length;
  let beforeAnswer = { sequential: 0, total: 0 };
  const summary = await alert(tokens, db, () => {
    beforeAnswer = { sequential: count.sequential(), total: count.total() };
  });
  const calls = (await clerkCalls()).slice(clerkBefore).map((c) => c.operation);
  return { summary, beforeAnswer, clerk: calls };
}

describe("round trips on a token's path, before the answer", () => {
  it("a live key: at most 3 sequential D1 round trips and 2 Clerk calls, and it ends revoked", async () => {
    const live = await createLiveKey();
    const { beforeAnswer, clerk, summary } = await alertCounted([live.secret]);
    expect(summary.feedback.map((f) => f.label)).toEqual(["true_positive"]);
    expect(beforeAnswer.sequential).toBeLessThanOrEqual(3);
    expect(clerk).toEqual(["verify", "revoke"]);
    expect(await incident(await sha256Hex(live.secret))).toMatchObject({ status: "revoked" });
  });

  it("a live key's history is recorded all the same: one verify and one revoke", async () => {
    const live = await createLiveKey();
    await alertCounted([live.secret]);
    const history = await useCases().incidentHistory(await sha256Hex(live.secret));
    expect(history?.attempts.map((a) => `${a.operation}:${a.outcome}`).sort()).toEqual([
      "revoke:ok",
      "verify:ok",
    ]);
  });

  it("an unknown ak_ secret: at most 2 sequential D1 round trips and 1 Clerk call", async () => {
    const unknown = `ak_${"u".repeat(40)}`;
    const { beforeAnswer, clerk, summary } = await alertCounted([unknown]);
    expect(summary.feedback.map((f) => f.label)).toEqual(["false_positive"]);
    expect(beforeAnswer.sequential).toBeLessThanOrEqual(2);
    expect(clerk).toEqual(["verify"]);
  });

  it("a token that cannot be Clerk's: 1 D1 round trip and no Clerk call", async () => {
    const { beforeAnswer, clerk, summary } = await alertCounted([`ghp_${"x".repeat(36)}`]);
    expect(summary.feedback.map((f) => f.label)).toEqual(["false_positive"]);
    expect(beforeAnswer).toEqual({ sequential: 1, total: 1 });
    expect(clerk).toEqual([]);
  });

  it("a replay of a revoked token: 1 D1 round trip and no Clerk call", async () => {
    const live = await createLiveKey();
    secrecy.track(live.secret);
    await alert([live.secret]);
    const { beforeAnswer, clerk, summary } = await alertCounted([live.secret]);
    expect(summary.feedback.map((f) => f.label)).toEqual(["true_positive"]);
    expect(beforeAnswer).toEqual({ sequential: 1, total: 1 });
    expect(clerk).toEqual([]);
  });
});

describe("the operators' reads", () => {
  it("a list page is 1 D1 round trip", async () => {
    await alert([`ghp_${"y".repeat(36)}`, `ghp_${"z".repeat(36)}`]);
    const { db, count } = countingD1(env.DB);
    const page = await useCases(db).listIncidents({}, undefined, 50);
    expect(page.items).toHaveLength(2);
    expect(count.total()).toBe(1);
  });

  it("an incident's detail is 1 D1 round trip", async () => {
    const token = `ghp_${"w".repeat(36)}`;
    await alert([token]);
    const { db, count } = countingD1(env.DB);
    expect(await useCases(db).incidentHistory(await sha256Hex(token))).toBeDefined();
    expect(count.total()).toBe(1);
  });
});
