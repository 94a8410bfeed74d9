import { describe, expect, it } from "vitest";
import { verdictConfigFingerprint } from "./verdict-config";

const prod = { name: "prod", secretKey: `sk_live_${crypto.randomUUID()}` };
const staging = { name: "staging", secretKey: `sk_test_${crypto.randomUUID()}` };
const URL_A = "https://api.clerk.com";

describe("verdictConfigFingerprint", () => {
  it("names the instances, sorted, and never holds a key", async () => {
    const fingerprint = await verdictConfigFingerprint([staging, prod], URL_A);
    expect(fingerprint).toMatch(/^v1:prod,staging:[0-9a-f]{32}$/);
    expect(fingerprint).not.toContain(prod.secretKey);
    expect(fingerprint).not.toContain(staging.secretKey);
  });

  it("is the same for the same configuration in any order", async () => {
    expect(await verdictConfigFingerprint([prod, staging], URL_A)).toBe(
      await verdictConfigFingerprint([staging, prod], URL_A),
    );
  });

  it("changes when a key changes under the same name", async () => {
    const other = { name: "prod", secretKey: `sk_live_${crypto.randomUUID()}` };
    expect(await verdictConfigFingerprint([prod], URL_A)).not.toBe(
      await verdictConfigFingerprint([other], URL_A),
    );
  });

  it("changes when the API URL changes", async () => {
    expect(await verdictConfigFingerprint([prod], URL_A)).not.toBe(
      await verdictConfigFingerprint([prod], "https://api.clerk.com/v1"),
    );
  });

  it("changes when an instance is renamed", async () => {
    expect(await verdictConfigFingerprint([prod], URL_A)).not.toBe(
      await verdictConfigFingerprint([{ ...prod, name: "default" }], URL_A),
    );
  });
});
