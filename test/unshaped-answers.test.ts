/**
 * Answers that are not Clerk's, or that Clerk's published Backend API allows and the stand-in has no mode for: a 4xx
 * that is not in Clerk's error shape (a proxy's HTML, a wrong host's JSON), a 405 from a wrong path, a 404 from the
 * OAuth application list, and an error code no log should hold whole: none of them may label a token, each is retried
 * like an outage, so a person looks if it lasts. And a revoke whose 200 says `revoked: false`, as the spec's example
 * does: the status is Clerk's answer.
 *
 * The real `@clerk/backend` SDK and the real resolver over D1 make the calls; only the HTTP answers are scripted, by a
 * fetch stub for one host that nothing else uses (the SDK reads the global fetch at call time under NODE_ENV=test).
 */
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { SigningKey } from "../dev/signer";
import { createClerkGateway } from "../src/clerk/client";
import { CLERK_MISCONFIGURED } from "../src/domain/clerk-failure";
import { sha256Hex } from "../src/lib/hash";
import { clearTables, incident, migrate } from "./support/db";
import { incidentLog } from "./support/incident-log";
import { watchSecrecy } from "./support/secrecy";
import {
  CLERK,
  clerkOAuthTokens,
  createOAuthToken,
  match,
  publishedSigningKey,
  resetClerk,
  scriptClerk,
} from "./support/standins";
import { testResolver } from "./support/test-resolver";
import { alertWorker } from "./support/worker-calls";

const STUB = "https://unshaped-answers.test";
const secrecy = watchSecrecy({ clerk: CLERK });
const repo = incidentLog(env.DB);
let signing: SigningKey;

beforeAll(async () => {
  await migrate();
  signing = await publishedSigningKey();
});
beforeEach(async () => {
  await clearTables();
  await resetClerk();
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
});

/** A real SDK gateway whose every answer from STUB is `answer(url, method)`. */
function stubbedGateway(answer: (url: string, method: string) => Response) {
  const real = globalThis.fetch;
  vi.stubEnv("NODE_ENV", "test");
  vi.stubGlobal("fetch", (input: RequestInfo | URL, init?: RequestInit) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    return url.startsWith(STUB) ? Promise.resolve(answer(url, init?.method ?? "GET")) : real(input, init);
  });
  return createClerkGateway({ secretKey: "sk_test_unshaped_answers", apiUrl: STUB });
}

function resolverOver(
  clerk: ReturnType<typeof createClerkGateway>,
  logged: string[] = [],
  warned: string[] = [],
) {
  const log = {
    info: () => {},
    warn: (event: string) => warned.push(event),
    error: (event: string) => logged.push(event),
  };
  return testResolver(repo, clerk, { log: log as never });
}

/** A pending incident for `secret`, as an alert records one. */
async function pendingIncident(secret: string) {
  secrecy.track(secret);
  const tokenHash = await sha256Hex(secret);
  await repo.record(
    "github",
    [
      {
        tokenHash,
        tokenPrefix: "ak_unsh…",
        tokenType: "clerk_api_key",
        status: "pending",
        label: null,
        sealedSecret: null,
      },
    ] as never,
    [],
    Date.now(),
  );
  return tokenHash;
}

const apiKeyJson = (id: string, revoked: boolean) => ({
  object: "api_key",
  id,
  type: "api_key",
  subject: "user_unshaped",
  name: "unshaped",
  claims: null,
  scopes: [],
  revoked,
  revocation_reason: revoked ? "Key compromised" : null,
  expired: false,
  expiration: null,
  created_by: null,
  last_used_at: null,
  created_at: 1,
  updated_at: 1,
});

const KEY_ID = `ak_${"a".repeat(32)}`;

describe("a 4xx that is not in Clerk's error shape never labels a token", () => {
  it("retries a verify 400 whose body is a proxy's HTML, logging clerk_misconfigured", async () => {
    const logged: string[] = [];
    const gateway = stubbedGateway(
      () =>
        new Response("<html>400 Bad Request</html>", {
          status: 400,
          headers: { "content-type": "text/html" },
        }),
    );
    const secret = "ak_unshapedLiveKeySecret0123456789abcdef";
    const tokenHash = await pendingIncident(secret);
    const outcome = await resolverOver(gateway, logged)(tokenHash, secret);
    expect(outcome).toMatchObject({ kind: "retry", reason: CLERK_MISCONFIGURED });
    expect(await incident(tokenHash)).toMatchObject({ status: "pending", label: null });
    expect(logged).toContain(CLERK_MISCONFIGURED);
  });

  it("retries a verify 404 whose errors[] carry a code but no message, as a wrong host's JSON:API body does", async () => {
    const gateway = stubbedGateway(() =>
      Response.json({ errors: [{ status: "404", code: "not_found", title: "Not Found" }] }, { status: 404 }),
    );
    const secret = "ak_unshapedLiveKeySecret0123456789abcdeg";
    const tokenHash = await pendingIncident(secret);
    expect(await resolverOver(gateway)(tokenHash, secret)).toMatchObject({
      kind: "retry",
      reason: CLERK_MISCONFIGURED,
    });
    expect(await incident(tokenHash)).toMatchObject({ status: "pending", label: null });
  });

  it("retries a verify 405 from a wrong path instead of ending the incident failed", async () => {
    const gateway = stubbedGateway(
      () => new Response("Method Not Allowed", { status: 405, headers: { "content-type": "text/plain" } }),
    );
    const secret = "ak_unshapedLiveKeySecret0123456789abcdei";
    const tokenHash = await pendingIncident(secret);
    expect(await resolverOver(gateway)(tokenHash, secret)).toMatchObject({
      kind: "retry",
      reason: CLERK_MISCONFIGURED,
    });
    expect(await incident(tokenHash)).toMatchObject({ status: "pending" });
  });

  it("still reads Clerk's own 400 for a token of no Clerk shape as false_positive", async () => {
    const gateway = stubbedGateway(() =>
      Response.json(
        {
          errors: [
            { message: "is invalid", long_message: "secret is invalid", code: "form_param_format_invalid" },
          ],
        },
        { status: 400 },
      ),
    );
    const secret = "ak_unshapedJunk0123456789abcdefghij";
    const tokenHash = await pendingIncident(secret);
    expect(await resolverOver(gateway)(tokenHash, secret)).toEqual({ kind: "not_found" });
    expect(await incident(tokenHash)).toMatchObject({ status: "not_found", label: "false_positive" });
  });

  it("keeps an error code that is not a short identifier out of the log's fields and the row", async () => {
    const odd = `weird code ${"x".repeat(300)} <script>`;
    const gateway = stubbedGateway(() =>
      Response.json({ errors: [{ message: "m", long_message: "lm", code: odd }] }, { status: 409 }),
    );
    const secret = "ak_unshapedLiveKeySecret0123456789abcdej";
    const tokenHash = await pendingIncident(secret);
    await resolverOver(gateway)(tokenHash, secret);
    const row = await incident(tokenHash);
    expect(String(row?.last_error)).not.toContain("weird");
    expect(String(row?.last_error).length).toBeLessThanOrEqual(80);
  });
});

describe("a revoke's 200", () => {
  it("is Clerk's word that the key is revoked, even when its body's revoked flag is false, and says so in the log", async () => {
    const warned: string[] = [];
    const gateway = stubbedGateway(() =>
      Response.json(apiKeyJson(KEY_ID, false), {
        status: 200,
        headers: { "content-type": "application/json" },
      }),
    );
    const secret = "ak_unshapedLiveKeySecret0123456789abcdeh";
    const tokenHash = await pendingIncident(secret);
    const outcome = await resolverOver(gateway, [], warned)(tokenHash, secret);
    expect(outcome).toMatchObject({ kind: "revoked", byThisCall: true });
    expect(await incident(tokenHash)).toMatchObject({
      status: "revoked",
      label: "true_positive",
      key_id: KEY_ID,
    });
    expect(warned).toEqual(["clerk_revoke_answer_says_live"]);
  });
});

describe("the OAuth application list", () => {
  it("never takes its 404 for the token's answer: a live token is not recorded deleted", async () => {
    const oauth = await createOAuthToken();
    await scriptClerk([{ status: 404, path: "oauth_apps_list" }]);
    const answers = await alertWorker(signing, [match(oauth.token)], env, secrecy);
    const row = await incident(await sha256Hex(oauth.token));
    // An open outcome has no label: GitHub hears nothing for the token yet.
    expect(answers.filter((a) => a.label !== null && a.label !== undefined)).toEqual([]);
    expect(row).toMatchObject({ status: "pending", already_inactive: null, last_error: CLERK_MISCONFIGURED });
    expect((await clerkOAuthTokens()).find((t) => t.id === oauth.id)?.revoked).toBe(false);
  });
});
