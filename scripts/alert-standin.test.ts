import { describe, expect, it } from "vitest";
import { DEMO_KEYS } from "../dev/clerk-standin.ts";
import { sha256Hex } from "../dev/standin-util.ts";
import { rowsFor } from "./alert-report.ts";
import { withStandinNotes } from "./alert-standin.ts";

const demo = DEMO_KEYS[0];
if (!demo) throw new Error("the stand-in seeds a staging demo key");

async function sentOf(...tokens: string[]) {
  return Promise.all(tokens.map(async (token) => ({ token, hash: await sha256Hex(token) })));
}

const keyState = (revoked: boolean) => ({
  id: demo.id,
  name: demo.name,
  revoked,
  revocation_reason: revoked ? "leaked in a public repository" : null,
  revoke_count: revoked ? 1 : 0,
});

describe("what the Clerk stand-in says about each token", () => {
  it("names a revoked demo key, with the reason and how often it was revoked", async () => {
    const sent = await sentOf(demo.secret);
    const [row] = await withStandinNotes(rowsFor(sent, []), sent, [keyState(true)], []);
    expect(row?.standin).toBe(`${demo.name}: revoked ("leaked in a public repository", revoke calls: 1)`);
  });

  it("names a live demo key with the last verify status", async () => {
    const sent = await sentOf(demo.secret);
    const calls = [{ operation: "verify", status: 503, secretSha256: sent[0]?.hash }];
    const [row] = await withStandinNotes(rowsFor(sent, []), sent, [keyState(false)], calls);
    expect(row?.standin).toBe(`${demo.name}: live, last verify answered 503`);
  });

  it("gives any other token's last verify status, calling 404 an unknown secret", async () => {
    const sent = await sentOf("ak_unknownToTheStandin0123456789");
    const calls = [
      { operation: "verify", status: 0, secretSha256: sent[0]?.hash },
      { operation: "verify", status: 404, secretSha256: sent[0]?.hash },
    ];
    const [row] = await withStandinNotes(rowsFor(sent, []), sent, [], calls);
    expect(row?.standin).toBe("verify answered 404 (unknown secret)");
  });

  it("says a verify is in flight while the stand-in has not answered it", async () => {
    const sent = await sentOf("ak_slowToVerify0123456789abcdef");
    const calls = [{ operation: "verify", status: 0, secretSha256: sent[0]?.hash }];
    const [row] = await withStandinNotes(rowsFor(sent, []), sent, [], calls);
    expect(row?.standin).toBe("verify in flight");
  });

  it("says when Clerk was never called for a token", async () => {
    const sent = await sentOf("ak_neverVerified0123456789abcdef");
    const [row] = await withStandinNotes(rowsFor(sent, []), sent, [], []);
    expect(row?.standin).toBe("no Clerk call");
  });
});
