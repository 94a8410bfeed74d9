/**
 * The incident repository's claims against real D1: leases that expire, fencing by lease id (a stale writer changes
 * nothing), the schedule a queued retry waits for, the dead-letter path against a live claim, and reopening.
 */
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Claim } from "../src/domain/incident";
import { clearTables, incident, migrate } from "./support/db";
import { incidentLog } from "./support/incident-log";

const repo = incidentLog(env.DB);
const LEASE_MS = 30_000;
const T0 = 1_800_000_000_000;
const HASH = "a".repeat(64);
const KEY = { id: `ak_${"b".repeat(32)}`, subject: "user_x", name: "billing" };

/** The incident recorded from a sighting of its token, sealed as `sealedSecret`, at `now`. */
const sight = (sealedSecret: string, now: number) =>
  repo.record(
    "github",
    [
      {
        tokenHash: HASH,
        tokenPrefix: "ak_xyz…",
        tokenType: "clerk_api_key",
        status: "pending",
        label: null,
        sealedSecret,
      },
    ],
    [],
    now,
  );

beforeAll(migrate);
beforeEach(async () => {
  await clearTables();
  await sight("sealed", T0);
});

async function claimOrThrow(now: number, options = {}): Promise<Claim> {
  const claim = await repo.claim(HASH, now, LEASE_MS, options);
  if (!claim) throw new Error("expected a claim");
  return claim;
}

describe("claims", () => {
  it("are exclusive while the lease lasts", async () => {
    await claimOrThrow(T0);
    expect(await repo.claim(HASH, T0 + LEASE_MS - 1, LEASE_MS)).toBeUndefined();
  });

  it("can be taken over once the lease has run out", async () => {
    const first = await claimOrThrow(T0);
    const second = await claimOrThrow(T0 + LEASE_MS);
    expect(second.leaseId).not.toBe(first.leaseId);
    expect(second.attempts).toBe(2);
  });

  it("carry a fresh lease id each time", async () => {
    const first = await claimOrThrow(T0);
    await repo.release(HASH, first.leaseId, T0, T0, { failure: false });
    const second = await claimOrThrow(T0 + 1);
    expect(second.leaseId).not.toBe(first.leaseId);
  });
});

describe("fencing: a writer whose lease was taken over changes nothing", () => {
  it("a stale finish leaves the new claimant's incident pending", async () => {
    const stale = await claimOrThrow(T0);
    await claimOrThrow(T0 + LEASE_MS);
    expect(await repo.finish(HASH, stale.leaseId, "failed", null, T0 + LEASE_MS + 1)).toBe(false);
    expect(await incident(HASH)).toMatchObject({ status: "pending" });
  });

  it("a stale release leaves the new claimant's lease in place", async () => {
    const stale = await claimOrThrow(T0);
    const current = await claimOrThrow(T0 + LEASE_MS);
    expect(await repo.release(HASH, stale.leaseId, T0 + LEASE_MS + 1, T0, { failure: true })).toBe(false);
    expect(await incident(HASH)).toMatchObject({ lease_id: current.leaseId, failures: 0 });
  });

  it("a stale saveKey writes no key", async () => {
    const stale = await claimOrThrow(T0);
    await claimOrThrow(T0 + LEASE_MS);
    expect(await repo.saveKey(HASH, stale.leaseId, KEY, T0 + LEASE_MS + 1)).toBe(false);
    expect(await incident(HASH)).toMatchObject({ key_id: null, sealed_secret: "sealed" });
  });

  it("the current claimant's writes apply", async () => {
    const claim = await claimOrThrow(T0);
    expect(await repo.saveKey(HASH, claim.leaseId, KEY, T0 + 1)).toBe(true);
    expect(await repo.finish(HASH, claim.leaseId, "revoked", "true_positive", T0 + 2)).toBe(true);
    expect(await incident(HASH)).toMatchObject({ status: "revoked", key_id: KEY.id, sealed_secret: null });
  });

  it("a confirmed revocation is recorded even without the lease, once", async () => {
    const stale = await claimOrThrow(T0);
    await claimOrThrow(T0 + LEASE_MS);
    expect(await repo.finish(HASH, stale.leaseId, "revoked", "true_positive", T0 + LEASE_MS + 1)).toBe(false);
    expect(await repo.confirmRevoked(HASH, T0 + LEASE_MS + 1)).toBe(true);
    expect(await repo.confirmRevoked(HASH, T0 + LEASE_MS + 2)).toBe(false);
    expect(await incident(HASH)).toMatchObject({
      status: "revoked",
      label: "true_positive",
      revoked_at: T0 + LEASE_MS + 1,
    });
  });
});

describe("the schedule of a queued retry", () => {
  it("keeps the queue from claiming before next_attempt_at", async () => {
    const claim = await claimOrThrow(T0);
    await repo.release(HASH, claim.leaseId, T0, T0 + 60_000, { failure: true });
    expect(await repo.claim(HASH, T0 + 30_000, LEASE_MS)).toBeUndefined();
    expect(await repo.claim(HASH, T0 + 60_000, LEASE_MS)).toBeDefined();
  });

  it("lets a fresh sighting or an operator claim at once", async () => {
    const claim = await claimOrThrow(T0);
    await repo.release(HASH, claim.leaseId, T0, T0 + 60_000, { failure: true });
    expect(await repo.claim(HASH, T0 + 1, LEASE_MS, { ignoreSchedule: true })).toBeDefined();
  });

  it("counts real failures and starts the give-up clock at the first, but not for waiting", async () => {
    let claim = await claimOrThrow(T0);
    await repo.release(HASH, claim.leaseId, T0 + 5, T0 + 5, { failure: false, error: "clerk_http_429" });
    expect(await incident(HASH)).toMatchObject({ failures: 0, failing_since: null });
    claim = await claimOrThrow(T0 + 10);
    await repo.release(HASH, claim.leaseId, T0 + 10, T0 + 10, { failure: true, error: "clerk_http_503" });
    claim = await claimOrThrow(T0 + 20);
    await repo.release(HASH, claim.leaseId, T0 + 20, T0 + 20, { failure: true, error: "clerk_http_503" });
    const after = await claimOrThrow(T0 + 30);
    expect(after).toMatchObject({ failures: 2, failingSince: T0 + 10 });
  });
});

describe("the dead-letter path", () => {
  const GIVE_UP_MS = 60_000;

  it("never fails an incident a live claimant holds", async () => {
    await claimOrThrow(T0 + GIVE_UP_MS);
    expect(await repo.failExhausted(HASH, T0 + GIVE_UP_MS + 1, T0 + 1)).toBe(false);
    expect(await incident(HASH)).toMatchObject({ status: "pending" });
  });

  it("never overrides a revocation", async () => {
    const claim = await claimOrThrow(T0);
    await repo.finish(HASH, claim.leaseId, "revoked", "true_positive", T0 + 1);
    expect(await repo.failExhausted(HASH, T0 + 10 * GIVE_UP_MS, T0 + 9 * GIVE_UP_MS)).toBe(false);
    expect(await incident(HASH)).toMatchObject({ status: "revoked" });
  });

  it("does not give up on an incident whose failures are younger than the window", async () => {
    const claim = await claimOrThrow(T0);
    await repo.release(HASH, claim.leaseId, T0 + 10, T0 + 10, { failure: true, error: "clerk_http_503" });
    expect(await repo.failExhausted(HASH, T0 + 20, T0 + 20 - GIVE_UP_MS)).toBe(false);
  });

  it("ends an unleased incident failed once its failures outlast the window", async () => {
    const claim = await claimOrThrow(T0);
    await repo.release(HASH, claim.leaseId, T0 + 10, T0 + 10, { failure: true, error: "clerk_http_503" });
    const now = T0 + 10 + GIVE_UP_MS;
    expect(await repo.failExhausted(HASH, now, now - GIVE_UP_MS)).toBe(true);
    expect(await incident(HASH)).toMatchObject({
      status: "failed",
      last_error: "retries_exhausted after clerk_http_503",
    });
  });
});

describe("reopening a failed incident", () => {
  it("resets its attempts, failures and give-up clock", async () => {
    const claim = await claimOrThrow(T0);
    await repo.release(HASH, claim.leaseId, T0 + 10, T0 + 10, { failure: true, error: "clerk_http_503" });
    const again = await claimOrThrow(T0 + 20);
    await repo.finish(HASH, again.leaseId, "failed", null, T0 + 30, { error: "clerk_http_503" });
    await sight("sealed2", T0 + 40);
    expect(await incident(HASH)).toMatchObject({
      status: "pending",
      attempts: 0,
      failures: 0,
      failing_since: null,
    });
  });
});
