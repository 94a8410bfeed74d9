import { describe, expect, it } from "vitest";
import type { ClerkGateway, ClerkKey } from "../clerk/client";
import type { ClerkFailure } from "../domain/clerk-failure";
import { err, ok, type Result } from "../lib/result";
import type { Pacer } from "../pacing/pacer";
import { createDirectRevoker } from "./revoke-direct";

const KEY: ClerkKey = {
  id: `ak_${"b".repeat(32)}`,
  subject: "user_direct",
  name: "direct",
  revoked: false,
  expired: false,
  revocationReason: null,
  expiration: null,
};
/** No machine: the direct revoker never rotates. */
const noMachines: ClerkGateway["machines"] = {
  list: async () => ok({ machines: [], totalCount: 0 }),
  secretHashOf: async () => err({ kind: "not_found", status: 404 }),
  rotate: async () => err({ kind: "not_found", status: 404 }),
};
const unpaced: Pacer = { reserve: async () => ({ granted: true, waitMs: 0 }), slowDown: async () => {} };

function revokerWith(verified: ClerkKey) {
  const calls = { revoke: 0 };
  const clerk: ClerkGateway = {
    verify: async () => ok(verified) as Result<ClerkKey, ClerkFailure>,
    revoke: async () => {
      calls.revoke++;
      return ok({ ...verified, revoked: true });
    },
    lookup: async () => ok(verified),
    m2mTokens: { verify: async () => ok(verified), revoke: async () => ok({ ...verified, revoked: true }) },
    oauthTokens: { verify: async () => ok(verified), revoke: async () => ok({ ...verified, revoked: true }) },
    jwts: { verify: async () => ok(verified), revoke: async () => ok({ ...verified, revoked: true }) },
    machines: noMachines,
    owners: { addressesOf: async () => ok([]) },
  };
  const revoke = createDirectRevoker({
    instances: [{ name: "default", clerk, pacer: unpaced }],
    sleep: async () => {},
    now: Date.now,
  });
  return { revoke, calls };
}

describe("the direct revoker (D1 down)", () => {
  it("revokes a key verify says is live", async () => {
    const { revoke, calls } = revokerWith(KEY);
    expect(await revoke("ak_secret", Date.now() + 1_000)).toMatchObject({
      kind: "revoked",
      instance: "default",
    });
    expect(calls.revoke).toBe(1);
  });

  it.each([
    ["revoked", { revoked: true }],
    ["expired", { expired: true }],
  ])("never revokes a key verify answers 200 for as %s, and gives no label", async (_name, flags) => {
    const { revoke, calls } = revokerWith({ ...KEY, ...flags });
    expect(await revoke("ak_secret", Date.now() + 1_000)).toEqual({
      kind: "unknown",
      reason: "key_inactive",
    });
    expect(calls.revoke).toBe(0);
  });

  it("books the verify as inline work and the revoke ahead of verifies (revoke priority)", async () => {
    const asked: string[] = [];
    const pacer: Pacer = {
      reserve: async (priority) => {
        asked.push(priority);
        return { granted: true, waitMs: 0 };
      },
      slowDown: async () => {},
    };
    const clerk: ClerkGateway = {
      verify: async () => ok(KEY),
      revoke: async () => ok({ ...KEY, revoked: true }),
      lookup: async () => ok(KEY),
      m2mTokens: { verify: async () => ok(KEY), revoke: async () => ok({ ...KEY, revoked: true }) },
      oauthTokens: { verify: async () => ok(KEY), revoke: async () => ok({ ...KEY, revoked: true }) },
      jwts: { verify: async () => ok(KEY), revoke: async () => ok({ ...KEY, revoked: true }) },
      machines: noMachines,
      owners: { addressesOf: async () => ok([]) },
    };
    const revoke = createDirectRevoker({
      instances: [{ name: "default", clerk, pacer }],
      sleep: async () => {},
      now: Date.now,
    });
    await revoke("ak_secret", Date.now() + 1_000);
    expect(asked).toEqual(["inline", "revoke"]);
  });
});
