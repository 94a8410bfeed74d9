/**
 * The resolver, the one state machine of an incident, against real D1 with a scripted Clerk gateway: the answers the
 * stand-in never gives, and the interleavings that only a test can arrange.
 */
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ClerkGateway, ClerkKey } from "../src/clerk/client";
import type { ClerkFailure } from "../src/domain/clerk-failure";
import type { NotifyEventType } from "../src/domain/notify-event";
import { QUEUED_REVOKE_MAX_WAIT_MS } from "../src/domain/pace-schedule";
import { sha256Hex } from "../src/lib/hash";
import { err, ok, type Result } from "../src/lib/result";
import type { Pacer } from "../src/pacing/pacer";
import { clearTables, incident, migrate } from "./support/db";
import { incidentLog } from "./support/incident-log";
import { testResolver, UNPACED } from "./support/test-resolver";

const repo = incidentLog(env.DB);
const SECRET = "ak_resolverTestSecret0123456789abcdefXYZ";
const KEY: ClerkKey = {
  id: `ak_${"a".repeat(32)}`,
  subject: "user_resolver",
  name: "billing",
  revoked: false,
  expired: false,
  revocationReason: null,
  expiration: null,
};

/** A pace that never waits: this file is about the state machine, not the budget. */

type Answer = Result<ClerkKey, ClerkFailure>;
/** No machine: this file is about API keys. */
const noMachines: ClerkGateway["machines"] = {
  list: async () => ok({ machines: [], totalCount: 0 }),
  secretHashOf: async () => err({ kind: "not_found", status: 404 }),
  rotate: async () => err({ kind: "not_found", status: 404 }),
};
/** A gateway answering from scripts, counting calls. */
function scriptedClerk(verify: Answer[], revoke: Answer[], lookup: Answer[] = []) {
  const calls = { verify: 0, revoke: 0, lookup: 0 };
  const verifyNext = async () => verify[Math.min(calls.verify++, verify.length - 1)] as Answer;
  const revokeNext = async () => revoke[Math.min(calls.revoke++, revoke.length - 1)] as Answer;
  const gateway: ClerkGateway = {
    verify: verifyNext,
    revoke: revokeNext,
    lookup: async () => lookup[Math.min(calls.lookup++, lookup.length - 1)] as Answer,
    // An M2M token's calls draw on the same scripts; Clerk publishes no lookup for them.
    m2mTokens: { verify: verifyNext, revoke: revokeNext },
    oauthTokens: { verify: verifyNext, revoke: revokeNext },
    jwts: { verify: verifyNext, revoke: revokeNext },
    machines: noMachines,
    owners: { addressesOf: async () => ok([]) },
  };
  return { gateway, calls };
}

function resolverWith(clerk: ClerkGateway, events: [string, NotifyEventType][] = [], pacer: Pacer = UNPACED) {
  return testResolver(repo, clerk, { pacer, onFinal: (hash, event) => events.push([hash, event]) });
}

let tokenHash: string;

beforeAll(migrate);
beforeEach(async () => {
  await clearTables();
  tokenHash = await sha256Hex(SECRET);
  await repo.record(
    "github",
    [
      {
        tokenHash,
        tokenPrefix: "ak_res…",
        tokenType: "clerk_api_key",
        status: "pending",
        label: null,
        sealedSecret: null,
      },
    ],
    [],
    Date.now(),
  );
});

describe("the resolver", () => {
  it.each([
    ["from the queue", undefined, "background", QUEUED_REVOKE_MAX_WAIT_MS],
    ["inline", { priority: "inline" as const, deadlineAt: Date.now() + 60_000 }, "inline", undefined],
  ])(
    "books the revoke of a key verified live ahead of verifies (revoke priority), %s",
    async (_name, options, verifyPriority, revokeWait) => {
      const asked: { priority: string; maxWaitMs: number }[] = [];
      const pacer: Pacer = {
        reserve: async (priority, maxWaitMs) => {
          asked.push({ priority, maxWaitMs });
          return { granted: true, waitMs: 0 };
        },
        slowDown: async () => {},
      };
      const { gateway } = scriptedClerk([ok(KEY)], [ok({ ...KEY, revoked: true })]);
      expect(await resolverWith(gateway, [], pacer)(tokenHash, SECRET, options)).toMatchObject({
        kind: "revoked",
      });
      expect(asked.map((a) => a.priority)).toEqual([verifyPriority, "revoke"]);
      if (revokeWait !== undefined) expect(asked[1]?.maxWaitMs).toBe(revokeWait);
      else expect(asked[1]?.maxWaitMs).toBeGreaterThan(50_000);
    },
  );

  it("never revokes again a key whose verify answered 200 with revoked: true, and keeps Clerk's reason", async () => {
    const { gateway, calls } = scriptedClerk(
      [ok({ ...KEY, revoked: true, revocationReason: "Rotated by the owner" })],
      [ok({ ...KEY, revoked: true })],
    );
    const events: [string, NotifyEventType][] = [];
    const outcome = await resolverWith(gateway, events)(tokenHash, SECRET);
    expect(outcome).toEqual({
      kind: "revoked",
      keyId: KEY.id,
      byThisCall: false,
      inactive: "revoked_elsewhere",
    });
    expect(calls).toEqual({ verify: 1, revoke: 0, lookup: 0 });
    expect(await incident(tokenHash)).toMatchObject({
      status: "revoked",
      label: "true_positive",
      key_id: KEY.id,
      already_inactive: "revoked_elsewhere",
      clerk_revocation_reason: "Rotated by the owner",
    });
    expect(events).toEqual([[tokenHash, "api_key.already_inactive"]]);
  });

  it("never revokes a key whose verify answered 200 with expired: true, and keeps its expiry", async () => {
    const expiration = Date.now() - 60_000;
    const { gateway, calls } = scriptedClerk([ok({ ...KEY, expired: true, expiration })], [ok(KEY)]);
    const outcome = await resolverWith(gateway)(tokenHash, SECRET);
    expect(outcome).toMatchObject({ kind: "revoked", inactive: "expired", byThisCall: false });
    expect(calls.revoke).toBe(0);
    expect(await incident(tokenHash)).toMatchObject({
      status: "revoked",
      label: "true_positive",
      already_inactive: "expired",
      key_expiration: expiration,
    });
  });

  it("labels a token false_positive when verify refuses its shape (400 or 422), never failed", async () => {
    for (const status of [400, 422]) {
      await clearTables();
      await repo.record(
        "github",
        [
          {
            tokenHash,
            tokenPrefix: "ak_res…",
            tokenType: "clerk_api_key",
            status: "pending",
            label: null,
            sealedSecret: null,
          },
        ],
        [],
        Date.now(),
      );
      const { gateway } = scriptedClerk([err({ kind: "final", reason: `clerk_http_${status}`, status })], []);
      expect(await resolverWith(gateway)(tokenHash, SECRET)).toEqual({ kind: "not_found" });
      expect(await incident(tokenHash)).toMatchObject({
        status: "not_found",
        label: "false_positive",
        last_error: `verify_refused_clerk_http_${status}`,
      });
    }
  });

  it("decides a refused revoke by Clerk's record: revoked there with another reason is revoked elsewhere", async () => {
    const { gateway, calls } = scriptedClerk(
      [ok(KEY)],
      [err({ kind: "final", reason: "clerk_http_400", status: 400 })],
      [ok({ ...KEY, revoked: true, revocationReason: "Revoked in the dashboard" })],
    );
    const events: [string, NotifyEventType][] = [];
    const outcome = await resolverWith(gateway, events)(tokenHash, SECRET);
    expect(outcome).toMatchObject({ kind: "revoked", inactive: "revoked_elsewhere" });
    expect(calls).toEqual({ verify: 1, revoke: 1, lookup: 1 });
    expect(await incident(tokenHash)).toMatchObject({ status: "revoked", label: "true_positive" });
    expect(events).toEqual([[tokenHash, "api_key.already_inactive"]]);
  });

  it("decides a refused revoke by Clerk's record: revoked there with our reason is our own revocation", async () => {
    const { gateway } = scriptedClerk(
      [ok(KEY)],
      [err({ kind: "final", reason: "clerk_http_400", status: 400 })],
      [ok({ ...KEY, revoked: true, revocationReason: "Key compromised" })],
    );
    const events: [string, NotifyEventType][] = [];
    expect(await resolverWith(gateway, events)(tokenHash, SECRET)).toMatchObject({
      kind: "revoked",
      byThisCall: true,
    });
    expect(await incident(tokenHash)).toMatchObject({ status: "revoked", already_inactive: null });
    expect(events).toEqual([[tokenHash, "api_key.revoked"]]);
  });

  it("ends failed when Clerk refuses to revoke a key its record still shows live", async () => {
    const { gateway } = scriptedClerk(
      [ok(KEY)],
      [err({ kind: "final", reason: "clerk_http_422", status: 422 })],
      [ok(KEY)],
    );
    expect(await resolverWith(gateway)(tokenHash, SECRET)).toEqual({
      kind: "failed",
      reason: "revoke_refused_clerk_http_422",
    });
  });

  it("retries, never labels, when verify meets a 404 that is not Clerk's (a misrouted CLERK_API_URL)", async () => {
    const { gateway } = scriptedClerk(
      [err({ kind: "retryable", reason: "clerk_misconfigured", status: 404 })],
      [],
    );
    expect(await resolverWith(gateway)(tokenHash, SECRET)).toMatchObject({
      kind: "retry",
      reason: "clerk_misconfigured",
    });
    expect(await incident(tokenHash)).toMatchObject({ status: "pending", label: null });
  });

  it("stores the key id before the revoke, so a crash after verify revokes by id without verifying again", async () => {
    const { gateway, calls } = scriptedClerk(
      [ok(KEY)],
      [err({ kind: "retryable", reason: "clerk_http_503", status: 503 })],
    );
    const first = await resolverWith(gateway)(tokenHash, SECRET);
    expect(first).toMatchObject({ kind: "retry" });
    expect(await incident(tokenHash)).toMatchObject({ key_id: KEY.id, sealed_secret: null });
    await env.DB.prepare("UPDATE incidents SET next_attempt_at = NULL WHERE token_hash = ?1")
      .bind(tokenHash)
      .run();
    const retried = scriptedClerk([err({ kind: "not_found", status: 404 })], [ok({ ...KEY, revoked: true })]);
    expect(await resolverWith(retried.gateway)(tokenHash)).toMatchObject({ kind: "revoked" });
    expect(retried.calls).toEqual({ verify: 0, revoke: 1, lookup: 0 });
    expect(calls.verify).toBe(1);
  });

  it("gives up only after real failures have lasted the window, however many attempts came first", async () => {
    const down = scriptedClerk([err({ kind: "retryable", reason: "clerk_http_503", status: 503 })], []);
    const resolve = resolverWith(down.gateway);
    for (let i = 0; i < 5; i++) {
      expect(await resolve(tokenHash, SECRET)).toMatchObject({ kind: "retry" });
      await env.DB.prepare("UPDATE incidents SET next_attempt_at = NULL").run();
    }
    expect(await incident(tokenHash)).toMatchObject({ status: "pending", failures: 5 });
    // As if the first failure were more than the hour ago.
    await env.DB.prepare("UPDATE incidents SET failing_since = ?1")
      .bind(Date.now() - 3_600_001)
      .run();
    expect(await resolve(tokenHash, SECRET)).toEqual({ kind: "failed", reason: "clerk_http_503" });
    expect(await incident(tokenHash)).toMatchObject({ status: "failed", last_error: "clerk_http_503" });
  });

  it("never counts a 429 toward giving up", async () => {
    const limited = scriptedClerk(
      [err({ kind: "retryable", reason: "clerk_http_429", status: 429, retryAfterSeconds: 1 })],
      [],
    );
    await env.DB.prepare("UPDATE incidents SET failing_since = NULL").run();
    expect(await resolverWith(limited.gateway)(tokenHash, SECRET)).toMatchObject({
      kind: "retry",
      waiting: true,
    });
    expect(await incident(tokenHash)).toMatchObject({ status: "pending", failures: 0, failing_since: null });
  });
});
