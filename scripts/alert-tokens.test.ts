import { describe, expect, it } from "vitest";
import { DEMO_KEYS, PROD_DEMO_KEYS } from "../dev/clerk-standin.ts";
import { sha256Hex } from "../dev/standin-util.ts";
import { batchTokens, demoChoices, distinctTokens, pickDemoSecret, randomSecrets } from "./alert-tokens.ts";

const [first, second] = DEMO_KEYS;
if (!first || !second) throw new Error("the stand-in seeds at least two staging demo keys");

describe("which demo key is sent when no token is given", () => {
  it("chooses among prod's keys for --instance prod, staging's for staging, and all of them otherwise", () => {
    expect(demoChoices("prod")).toEqual(PROD_DEMO_KEYS);
    expect(demoChoices("staging")).toEqual(DEMO_KEYS);
    expect(demoChoices(undefined)).toEqual([...DEMO_KEYS, ...PROD_DEMO_KEYS]);
  });

  it("sends the first key the stand-in holds live", () => {
    const keys = [
      { id: first.id, revoked: true },
      { id: second.id, revoked: false },
    ];
    expect(pickDemoSecret(DEMO_KEYS, keys)).toEqual({ secret: second.secret, allRevoked: false });
  });

  it("resends the first key, and says so, when the stand-in holds every key revoked", () => {
    const keys = DEMO_KEYS.map((k) => ({ id: k.id, revoked: true }));
    expect(pickDemoSecret(DEMO_KEYS, keys)).toEqual({ secret: first.secret, allRevoked: true });
  });

  it("sends the first key when there is no stand-in to ask", () => {
    expect(pickDemoSecret(DEMO_KEYS, undefined)).toEqual({ secret: first.secret, allRevoked: false });
  });

  it("has nothing to send when there are no candidates", () => {
    expect(pickDemoSecret([], undefined)).toBeUndefined();
  });
});

describe("a --count batch", () => {
  it("makes distinct random secrets in the stand-in's shape", () => {
    const secrets = randomSecrets(50);
    expect(secrets).toHaveLength(50);
    for (const s of secrets) expect(s).toMatch(/^ak_[0-9A-Za-z]{40}$/);
    expect(new Set(secrets).size).toBe(50);
  });

  it("mixes the staging demo keys into the random secrets when no token is given", () => {
    const tokens = batchTokens([], 10);
    expect(tokens).toHaveLength(10 + DEMO_KEYS.length);
    for (const demo of DEMO_KEYS) expect(tokens).toContain(demo.secret);
    for (const demo of PROD_DEMO_KEYS) expect(tokens).not.toContain(demo.secret);
  });

  it("puts the given tokens first and adds no demo keys", () => {
    const tokens = batchTokens(["ak_given"], 5);
    expect(tokens).toHaveLength(6);
    expect(tokens[0]).toBe("ak_given");
    for (const demo of DEMO_KEYS) expect(tokens).not.toContain(demo.secret);
  });
});

describe("the tokens the report lists", () => {
  it("lists each distinct token once, in the order first sent, with its SHA-256", async () => {
    expect(await distinctTokens(["ak_b", "ak_a", "ak_b"])).toEqual([
      { token: "ak_b", hash: await sha256Hex("ak_b") },
      { token: "ak_a", hash: await sha256Hex("ak_a") },
    ]);
  });
});
