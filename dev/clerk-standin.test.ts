import { createClerkClient } from "@clerk/backend";
import { isClerkAPIResponseError } from "@clerk/backend/errors";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { CLERK, clerkModes, setClerkModes } from "../test/support/standins.ts";
import { ApiKeySchema, ClerkErrorsSchema, CreatedApiKeySchema } from "./clerk-schemas.ts";
import { type ClerkCall, createClerkStandin, DEFAULT_MODES, type StandinKeyState } from "./clerk-standin.ts";

// These tests run in workerd. `fetch` to `*.clerk.test` goes through Miniflare's outboundService (dev/outbound.ts)
// to a stand-in in Node; each test claims its own host, hence its own stand-in, so parallel files cannot interfere.
const SECRET_KEY = "sk_test_autorevoke_standin";
const AUTH = { authorization: `Bearer ${SECRET_KEY}`, "content-type": "application/json" };

function isolatedBase(): string {
  return `http://t${crypto.randomUUID().slice(0, 12)}.clerk.test`;
}

async function control(base: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${base}/__standin/${path}`, {
    method: body === undefined ? "GET" : "POST",
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function createKey(base: string, input: Record<string, unknown> = {}) {
  const res = await control(base, "keys", input);
  expect(res.status).toBe(200);
  return v.parse(
    v.object({ id: v.string(), secret: v.string(), name: v.string(), subject: v.string() }),
    await res.json(),
  );
}

async function keyState(base: string, id: string): Promise<StandinKeyState> {
  return (await (await control(base, `keys/${id}`)).json()) as StandinKeyState;
}

async function calls(base: string): Promise<ClerkCall[]> {
  return (await (await control(base, "calls")).json()) as ClerkCall[];
}

function post(base: string, path: string, body: unknown, headers: Record<string, string> = AUTH) {
  return fetch(`${base}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
}

function sdk(base: string, secretKey = SECRET_KEY) {
  return createClerkClient({ secretKey, apiUrl: base });
}

async function sdkError(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isClerkAPIResponseError(error))
    throw new Error(`expected ClerkAPIResponseError, got ${String(error)}`);
  return error;
}

async function expectClerkErrors(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/json");
  const body = v.parse(ClerkErrorsSchema, await res.json());
  expect(body.errors[0]?.code).toBe(code);
  expect(body.clerk_trace_id).toMatch(/^[0-9a-f]{32}$/);
  return body;
}

const API_KEY_FIELDS = [
  "claims",
  "created_at",
  "created_by",
  "description",
  "expiration",
  "expired",
  "id",
  "last_used_at",
  "name",
  "object",
  "revocation_reason",
  "revoked",
  "scopes",
  "subject",
  "type",
  "updated_at",
];

describe("Clerk stand-in through the official @clerk/backend SDK", () => {
  it("verify returns the parsed APIKey", async () => {
    const base = isolatedBase();
    const key = await createKey(base, { name: "BILLING_SERVICE" });
    const apiKey = await sdk(base).apiKeys.verify(key.secret);
    expect(apiKey.id).toBe(key.id);
    expect(apiKey.subject).toBe(key.subject);
    expect(apiKey.name).toBe("BILLING_SERVICE");
    expect(apiKey.revoked).toBe(false);
  });

  it("revoke returns the revoked APIKey and records the reason", async () => {
    const base = isolatedBase();
    const key = await createKey(base);
    const apiKey = await sdk(base).apiKeys.revoke({ apiKeyId: key.id, revocationReason: "Key compromised" });
    expect(apiKey.id).toBe(key.id);
    expect(apiKey.revoked).toBe(true);
    expect(apiKey.revocationReason).toBe("Key compromised");
    const state = await keyState(base, key.id);
    expect(state).toMatchObject({ revoked: true, revocation_reason: "Key compromised", revoke_count: 1 });
    const revokeCall = (await calls(base)).find((c) => c.operation === "revoke");
    expect(revokeCall?.body).toEqual({ revocation_reason: "Key compromised" });
    expect(revokeCall?.keyId).toBe(key.id);
  });

  it("verify of a revoked secret throws ClerkAPIResponseError 404", async () => {
    const base = isolatedBase();
    const key = await createKey(base);
    await sdk(base).apiKeys.revoke({ apiKeyId: key.id, revocationReason: "Key compromised" });
    const error = await sdkError(sdk(base).apiKeys.verify(key.secret));
    expect(error.status).toBe(404);
    expect(error.errors[0]?.code).toBe("resource_not_found");
  });

  it("verify of an unknown secret throws ClerkAPIResponseError 404", async () => {
    const error = await sdkError(
      sdk(isolatedBase()).apiKeys.verify("ak_unknownUnknownUnknownUnknown000000000"),
    );
    expect(error.status).toBe(404);
  });

  it("a wrong secret key throws ClerkAPIResponseError 401", async () => {
    const base = isolatedBase();
    const key = await createKey(base);
    const error = await sdkError(sdk(base, "sk_test_wrong").apiKeys.verify(key.secret));
    expect(error.status).toBe(401);
  });

  it("a scripted 429 exposes Retry-After as retryAfter", async () => {
    const base = isolatedBase();
    const key = await createKey(base);
    await control(base, "script", [{ status: 429, retryAfterSeconds: 2 }]);
    const error = await sdkError(sdk(base).apiKeys.verify(key.secret));
    expect(error.status).toBe(429);
    expect(error.retryAfter).toBe(2);
  });
});

describe("Clerk stand-in wire format", () => {
  it("verify, get and revoke answer the spec's APIKey exactly, typed application/json", async () => {
    const base = isolatedBase();
    const key = await createKey(base);
    const responses = [
      await post(base, "/api_keys/verify", { secret: key.secret }),
      await fetch(`${base}/api_keys/${key.id}`, { headers: AUTH }),
      await post(base, `/api_keys/${key.id}/revoke`, { revocation_reason: "Key compromised" }),
    ];
    for (const res of responses) {
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/json");
      const json = (await res.json()) as Record<string, unknown>;
      v.parse(ApiKeySchema, json);
      expect(Object.keys(json).sort()).toEqual(API_KEY_FIELDS);
    }
  });

  it("create answers the APIKey plus its secret", async () => {
    const base = isolatedBase();
    const res = await post(base, "/api_keys", { name: "CI_DEPLOY", subject: `user_${"a".repeat(27)}` });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    const created = v.parse(CreatedApiKeySchema, await res.json());
    expect(created.secret).toMatch(/^ak_[0-9A-Za-z]{40}$/);
    expect(created.id).toMatch(/^ak_[0-9a-f]{32}$/);
    expect((await sdk(base).apiKeys.verify(created.secret)).id).toBe(created.id);
  });

  it("generates realistic ids, secrets and subjects", async () => {
    const key = await createKey(isolatedBase());
    expect(key.id).toMatch(/^ak_[0-9a-f]{32}$/);
    expect(key.secret).toMatch(/^ak_[0-9A-Za-z]{40}$/);
    expect(key.subject).toMatch(/^user_\w{27}$/);
  });

  it("answers 400, 401 and 404 with ClerkErrors typed application/json", async () => {
    const base = isolatedBase();
    await expectClerkErrors(await post(base, "/api_keys/ak_nothex/revoke", {}), 400, "bad_request");
    await expectClerkErrors(
      await post(base, "/api_keys/verify", { secret: "x" }, {}),
      401,
      "authorization_header_missing",
    );
    await expectClerkErrors(
      await post(base, "/api_keys/verify", { secret: "ak_unknown" }),
      404,
      "resource_not_found",
    );
  });
});

describe("Clerk stand-in authentication", () => {
  it("rejects a missing Authorization header with 401", async () => {
    const base = isolatedBase();
    const key = await createKey(base);
    const res = await post(
      base,
      "/api_keys/verify",
      { secret: key.secret },
      { "content-type": "application/json" },
    );
    await expectClerkErrors(res, 401, "authorization_header_missing");
  });

  it("rejects a wrong bearer secret key with 401 and applies nothing", async () => {
    const base = isolatedBase();
    const key = await createKey(base);
    const res = await post(base, `/api_keys/${key.id}/revoke`, {}, { authorization: "Bearer sk_test_other" });
    await expectClerkErrors(res, 401, "authentication_invalid");
    expect((await keyState(base, key.id)).revoked).toBe(false);
  });

  it("accepts a rotated secret key and refuses the old one after /__standin/secret-keys", async () => {
    const base = isolatedBase();
    const key = await createKey(base);
    expect((await control(base, "secret-keys", { secret_keys: ["sk_test_rotated"] })).status).toBe(200);
    const old = await post(base, "/api_keys/verify", { secret: key.secret });
    await expectClerkErrors(old, 401, "authentication_invalid");
    const rotated = await post(
      base,
      "/api_keys/verify",
      { secret: key.secret },
      { authorization: "Bearer sk_test_rotated", "content-type": "application/json" },
    );
    expect(rotated.status).toBe(200);
  });

  it("goes back to its own secret key on reset", async () => {
    const base = isolatedBase();
    await control(base, "secret-keys", { secret_keys: ["sk_test_rotated"] });
    await control(base, "reset", {});
    const key = await createKey(base);
    expect((await post(base, "/api_keys/verify", { secret: key.secret })).status).toBe(200);
  });
});

describe("Clerk stand-in errors", () => {
  it("rejects a malformed path id with 400 before any lookup", async () => {
    const base = isolatedBase();
    for (const id of [
      "ak_123",
      "user_0123456789abcdef0123456789abcdef",
      "ak_0123456789abcdef0123456789abcdeg",
    ]) {
      await expectClerkErrors(await post(base, `/api_keys/${id}/revoke`, {}), 400, "bad_request");
    }
  });

  it("answers 404 to revoke and get of a well-formed unknown id", async () => {
    const base = isolatedBase();
    const id = `ak_${"0".repeat(32)}`;
    await expectClerkErrors(await post(base, `/api_keys/${id}/revoke`, {}), 404, "resource_not_found");
    await expectClerkErrors(
      await fetch(`${base}/api_keys/${id}`, { headers: AUTH }),
      404,
      "resource_not_found",
    );
  });

  it("rejects unknown body properties, like additionalProperties: false, without echoing values", async () => {
    const base = isolatedBase();
    const key = await createKey(base);
    const res = await post(base, "/api_keys/verify", { secret: key.secret, extra: key.secret });
    const body = await expectClerkErrors(res, 400, "form_param_unknown");
    expect(JSON.stringify(body)).not.toContain(key.secret);
  });

  it("rejects a missing or mistyped body property with 400", async () => {
    const base = isolatedBase();
    await expectClerkErrors(await post(base, "/api_keys/verify", {}), 400, "form_param_missing");
    await expectClerkErrors(
      await post(base, "/api_keys/verify", { secret: 42 }),
      400,
      "form_param_format_invalid",
    );
    const notJson = await fetch(`${base}/api_keys/verify`, { method: "POST", headers: AUTH, body: "{" });
    await expectClerkErrors(notJson, 400, "malformed_request");
  });

  it("answers 404 to verify of an expired secret", async () => {
    const base = isolatedBase();
    const key = await createKey(base, { expiration: Date.now() - 1000 });
    await expectClerkErrors(
      await post(base, "/api_keys/verify", { secret: key.secret }),
      404,
      "resource_not_found",
    );
    expect((await keyState(base, key.id)).expired).toBe(true);
  });

  it("answers 200 to revoking a revoked key, keeping the first reason", async () => {
    const base = isolatedBase();
    const key = await createKey(base);
    await post(base, `/api_keys/${key.id}/revoke`, { revocation_reason: "Key compromised" });
    const again = await post(base, `/api_keys/${key.id}/revoke`, { revocation_reason: "second" });
    expect(again.status).toBe(200);
    expect(v.parse(ApiKeySchema, await again.json()).revocation_reason).toBe("Key compromised");
    expect((await keyState(base, key.id)).revoke_count).toBe(2);
  });
});

describe("Clerk stand-in fault script", () => {
  it("consumes entries in order, `times` requests each", async () => {
    const base = isolatedBase();
    const key = await createKey(base);
    await control(base, "script", [{ status: 503, times: 2 }, { status: 429 }]);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await post(base, "/api_keys/verify", { secret: key.secret })).status);
    expect(statuses).toEqual([503, 503, 429, 200]);
    expect(await (await control(base, "script")).json()).toEqual([]);
  });

  it("gives a scripted 429 a Retry-After header even when none was named", async () => {
    const base = isolatedBase();
    await control(base, "script", { faults: [{ status: 429 }] });
    const res = await post(base, "/api_keys/verify", { secret: "ak_x" });
    await expectClerkErrors(res, 429, "too_many_requests");
    expect(res.headers.get("retry-after")).toBe("1");
  });

  it("applies an entry filtered by path only to that operation", async () => {
    const base = isolatedBase();
    const key = await createKey(base);
    await control(base, "script", [{ status: 503, path: "revoke" }]);
    expect((await post(base, "/api_keys/verify", { secret: key.secret })).status).toBe(200);
    expect((await post(base, `/api_keys/${key.id}/revoke`, {})).status).toBe(503);
    expect((await keyState(base, key.id)).revoked).toBe(false);
    expect((await post(base, `/api_keys/${key.id}/revoke`, {})).status).toBe(200);
  });

  it("a hang answers 504 afterwards and applies nothing", async () => {
    const base = isolatedBase();
    const key = await createKey(base);
    await control(base, "script", [{ hangMs: 50 }]);
    const started = Date.now();
    const res = await post(base, `/api_keys/${key.id}/revoke`, {});
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    await expectClerkErrors(res, 504, "gateway_timeout");
    expect((await keyState(base, key.id)).revoked).toBe(false);
  });

  it("a hang after the effect revokes the key though the caller gives up", async () => {
    const base = isolatedBase();
    const key = await createKey(base);
    await control(base, "script", [{ hangMs: 10_000, afterEffect: true, path: "revoke" }]);
    const attempt = fetch(`${base}/api_keys/${key.id}/revoke`, {
      method: "POST",
      headers: AUTH,
      body: "{}",
      signal: AbortSignal.timeout(200),
    });
    await expect(attempt).rejects.toThrow();
    expect((await keyState(base, key.id)).revoked).toBe(true);
    await control(base, "reset", {}); // releases the hanging request in Node
  });

  it("delays every answer by the configured latency", async () => {
    const base = isolatedBase();
    await control(base, "latency", { ms: 60 });
    const started = Date.now();
    await post(base, "/api_keys/verify", { secret: "ak_x" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
  });

  it("rejects a malformed script", async () => {
    const res = await control(isolatedBase(), "script", [{ status: 200 }]);
    expect(res.status).toBe(400);
  });
});

describe("Clerk stand-in call log", () => {
  it("keeps the SHA-256 of a verified secret and never the secret", async () => {
    const base = isolatedBase();
    const key = await createKey(base);
    await post(base, "/api_keys/verify", { secret: key.secret });
    await post(base, "/api_keys/verify", { secret: key.secret, extra: 1 });
    const log = await calls(base);
    const digest = new Uint8Array(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key.secret)),
    );
    const hex = [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
    expect(log.map((c) => [c.operation, c.status, c.secretSha256])).toEqual([
      ["verify", 200, hex],
      ["verify", 400, hex],
    ]);
    expect(JSON.stringify(log)).not.toContain(key.secret);
  });

  it("records scripted faults and is emptied by reset", async () => {
    const base = isolatedBase();
    await control(base, "script", [{ status: 503 }]);
    await post(base, "/api_keys/verify", { secret: "ak_x" });
    expect((await calls(base))[0]).toMatchObject({ status: 503, fault: { status: 503 } });
    await control(base, "reset", {});
    expect(await calls(base)).toEqual([]);
  });
});

describe("Clerk stand-in modes, as the SDK and the Workers runtime meet them", () => {
  it("are set and read over HTTP through the outbound service, per host", async () => {
    const base = isolatedBase();
    const other = isolatedBase();
    const res = await control(base, "modes", { dead_keys: "flagged" });
    expect(res.status).toBe(200);
    expect(await (await control(base, "modes")).json()).toEqual({ ...DEFAULT_MODES, dead_keys: "flagged" });
    expect(await (await control(other, "modes")).json()).toEqual(DEFAULT_MODES);
  });

  it("dead_keys flagged: the SDK's verify resolves with revoked true instead of throwing", async () => {
    const base = isolatedBase();
    const key = await createKey(base);
    await sdk(base).apiKeys.revoke({ apiKeyId: key.id, revocationReason: "Key compromised" });
    await control(base, "modes", { dead_keys: "flagged" });
    const apiKey = await sdk(base).apiKeys.verify(key.secret);
    expect(apiKey.id).toBe(key.id);
    expect(apiKey.revoked).toBe(true);
    expect(apiKey.revocationReason).toBe("Key compromised");
  });

  it("second_revoke refused: the SDK's revoke throws 400 api_key_already_revoked", async () => {
    const base = isolatedBase();
    const key = await createKey(base);
    await control(base, "modes", { second_revoke: "refused" });
    await sdk(base).apiKeys.revoke({ apiKeyId: key.id, revocationReason: "Key compromised" });
    const error = await sdkError(
      sdk(base).apiKeys.revoke({ apiKeyId: key.id, revocationReason: "Key compromised" }),
    );
    expect(error.status).toBe(400);
    expect(error.errors[0]?.code).toBe("api_key_already_revoked");
  });

  it("odd_secrets unprocessable: the SDK's verify throws 422", async () => {
    const base = isolatedBase();
    await control(base, "modes", { odd_secrets: "unprocessable" });
    const error = await sdkError(sdk(base).apiKeys.verify("ak_odd"));
    expect(error.status).toBe(422);
    expect(error.errors[0]?.code).toBe("form_param_format_invalid");
  });

  it("unknown_routes bare: the SDK throws a 404 with no errors and no trace id, unlike Clerk's own 404", async () => {
    const base = isolatedBase();
    await control(base, "modes", { unknown_routes: "bare" });
    const bare = await sdkError(
      createClerkClient({ secretKey: SECRET_KEY, apiUrl: `${base}/wrong-prefix` }).apiKeys.verify(
        `ak_${"a".repeat(40)}`,
      ),
    );
    expect(bare.status).toBe(404);
    expect(bare.errors).toEqual([]);
    expect(bare.clerkTraceId).toBe("");
    const clerks = await sdkError(sdk(base).apiKeys.verify(`ak_${"a".repeat(40)}`));
    expect(clerks.errors[0]?.code).toBe("resource_not_found");
    expect(clerks.clerkTraceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it("setClerkModes and clerkModes (test/support) drive the shared stand-in the Worker's tests use", async () => {
    try {
      expect(await setClerkModes({ second_revoke: "refused", unknown_routes: "bare" })).toEqual({
        ...DEFAULT_MODES,
        second_revoke: "refused",
        unknown_routes: "bare",
      });
      expect((await clerkModes()).second_revoke).toBe("refused");
    } finally {
      await fetch(`${CLERK}/__standin/reset`, { method: "POST" });
    }
    expect(await clerkModes()).toEqual(DEFAULT_MODES);
  });
});

describe("Clerk stand-in without Miniflare", () => {
  it("serves the same handler called directly, and exposes its state to the caller", async () => {
    const standin = createClerkStandin({ secretKey: "sk_test_direct", seedDemo: true });
    const key = await standin.createKey({ name: "DIRECT" });
    const res = await standin.handle(
      new Request("http://anywhere/api_keys/verify", {
        method: "POST",
        headers: { authorization: "Bearer sk_test_direct" },
        body: JSON.stringify({ secret: key.secret }),
      }),
    );
    expect(res.status).toBe(200);
    expect(standin.getKey(key.id)?.verify_count).toBe(1);
    expect(standin.calls()).toHaveLength(1);
    await standin.reset();
    expect(standin.getKey(key.id)).toBeUndefined();
    expect(
      (await (await standin.handle(new Request("http://anywhere/__standin/keys"))).json()) as unknown[],
    ).toHaveLength(3);
  });
});

describe("Clerk stand-in rate limit", () => {
  const verifyRequest = (secret: string) =>
    new Request("http://clerk.test/api_keys/verify", {
      method: "POST",
      headers: AUTH,
      body: JSON.stringify({ secret }),
    });

  it("answers 429 past the window's limit, with Retry-After until the window ends", async () => {
    let clock = 10_000;
    const standin = createClerkStandin({ secretKey: SECRET_KEY, now: () => clock });
    const key = await standin.createKey();
    standin.setRateLimit({ limit: 2, windowMs: 10_000 });
    clock = 12_500;
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await standin.handle(verifyRequest(key.secret))).status);
    expect(statuses).toEqual([200, 200, 429]);
    const limited = await standin.handle(verifyRequest(key.secret));
    expect(limited.headers.get("retry-after")).toBe("8");
    expect(standin.calls().map((c) => c.status)).toEqual([200, 200, 429, 429]);
  });

  it("opens a fresh window at the next multiple of the window length", async () => {
    let clock = 0;
    const standin = createClerkStandin({ secretKey: SECRET_KEY, now: () => clock });
    const key = await standin.createKey();
    standin.setRateLimit({ limit: 1, windowMs: 1_000 });
    expect((await standin.handle(verifyRequest(key.secret))).status).toBe(200);
    clock = 999;
    expect((await standin.handle(verifyRequest(key.secret))).status).toBe(429);
    clock = 1_000;
    expect((await standin.handle(verifyRequest(key.secret))).status).toBe(200);
  });

  it("is set and lifted over the control API, and cleared by a reset", async () => {
    const base = isolatedBase();
    const key = await createKey(base);
    expect((await control(base, "rate-limit", { limit: 1, windowMs: 60_000 })).status).toBe(200);
    expect((await post(base, "/api_keys/verify", { secret: key.secret })).status).toBe(200);
    expect((await post(base, "/api_keys/verify", { secret: key.secret })).status).toBe(429);
    await control(base, "reset", {});
    const again = await createKey(base);
    expect((await post(base, "/api_keys/verify", { secret: again.secret })).status).toBe(200);
    expect((await post(base, "/api_keys/verify", { secret: again.secret })).status).toBe(200);
  });

  it("refuses a malformed limit without changing it", async () => {
    const base = isolatedBase();
    expect((await control(base, "rate-limit", { limit: 0, windowMs: 1_000 })).status).toBe(400);
    expect((await control(base, "rate-limit", { limit: 5 })).status).toBe(400);
  });
});
