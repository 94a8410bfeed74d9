/**
 * The health probe through the real SDK, against the dev stand-ins (dev/outbound.ts routes every fetch by host name):
 * what it asks, and the facts it reports for each kind of answer. Each test has a Clerk stand-in of its own.
 */
import { describe, expect, it } from "vitest";
import { TEST_CLERK_SECRET_KEY } from "../../dev/outbound";
import { createClerkHealthProbe, HEALTH_PROBE_KEY_ID, HEALTH_PROBE_TIMEOUT_MS } from "./health-probe";

let host = 0;
/** A Clerk stand-in of the test's own, taking `TEST_CLERK_SECRET_KEY`. */
const freshClerk = () => `https://probe-${++host}-${Date.now()}.clerk.test`;

async function script(clerk: string, faults: unknown[]): Promise<void> {
  const res = await fetch(`${clerk}/__standin/script`, { method: "POST", body: JSON.stringify(faults) });
  if (!res.ok) throw new Error(`script answered ${res.status}`);
}

const probeOf = (apiUrl: string, secretKey = TEST_CLERK_SECRET_KEY, timeoutMs?: number) =>
  createClerkHealthProbe({ secretKey, apiUrl, ...(timeoutMs === undefined ? {} : { timeoutMs }) });

describe("the health probe", () => {
  it("asks GET /api_keys/<an id no key has>, without /v1, as the SDK's other key calls", async () => {
    const clerk = freshClerk();
    await probeOf(clerk).probe();
    const calls = (await (await fetch(`${clerk}/__standin/calls`)).json()) as {
      method: string;
      path: string;
    }[];
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([`GET /api_keys/${HEALTH_PROBE_KEY_ID}`]);
  });

  it("waits as long as any Clerk call by default", () => {
    expect(HEALTH_PROBE_TIMEOUT_MS).toBe(5_000);
  });

  it("reports Clerk's own 404 as an answer in Clerk's shape", async () => {
    expect(await probeOf(freshClerk()).probe()).toEqual({ kind: "answered", status: 404, clerkShaped: true });
  });

  it("reports Clerk's 401 for a key it does not take", async () => {
    expect(await probeOf(freshClerk(), "sk_test_not_this_instance").probe()).toEqual({
      kind: "answered",
      status: 401,
      clerkShaped: true,
    });
  });

  it("reports a plain-text 404 as not Clerk's", async () => {
    expect(await probeOf("https://probe.not-clerk.test/wrong/path").probe()).toEqual({
      kind: "answered",
      status: 404,
      clerkShaped: false,
    });
  });

  it("reports a 200 that carries no API key in Clerk's shape as not Clerk's", async () => {
    // A key-list stand-in answers every GET with its list: a service that is not Clerk's.
    expect(await probeOf(`https://probe-${Date.now()}.github.keys.test`).probe()).toEqual({
      kind: "answered",
      status: 200,
      clerkShaped: false,
    });
  });

  it("reports a 429 with its Retry-After", async () => {
    const clerk = freshClerk();
    await script(clerk, [{ status: 429, retryAfterSeconds: 5, path: "get" }]);
    expect(await probeOf(clerk).probe()).toEqual({
      kind: "answered",
      status: 429,
      clerkShaped: true,
      retryAfterSeconds: 5,
    });
  });

  it("reports a 503", async () => {
    const clerk = freshClerk();
    await script(clerk, [{ status: 503, path: "get" }]);
    expect(await probeOf(clerk).probe()).toMatchObject({ kind: "answered", status: 503 });
  });

  it("gives up after its timeout", async () => {
    const clerk = freshClerk();
    await script(clerk, [{ hangMs: 2_000, path: "get" }]);
    expect(await probeOf(clerk, TEST_CLERK_SECRET_KEY, 100).probe()).toEqual({
      kind: "no_answer",
      reason: "timeout",
      timeoutMs: 100,
    });
  });
});
