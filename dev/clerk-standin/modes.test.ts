import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { ApiKeySchema, ClerkErrorsSchema } from "../clerk-schemas.ts";
import {
  type ClerkStandinOptions,
  createClerkStandin,
  DEFAULT_MODES,
  DEMO_KEYS,
  type Modes,
} from "../clerk-standin.ts";
import { parseModes, parseModesSetting } from "./modes.ts";

// Each mode picks one of the answers Clerk's spec allows. The stand-in is called directly (no HTTP), one fresh
// instance per test; every Clerk answer is checked against the spec's shapes (dev/clerk-schemas.ts).
const SECRET_KEY = "sk_test_modes";
const AUTH = { authorization: `Bearer ${SECRET_KEY}`, "content-type": "application/json" };
const ODD_SECRET = "ak_short";
const WELL_SHAPED_UNKNOWN = `ak_${"Z".repeat(40)}`;

function standin(opts: Partial<ClerkStandinOptions> = {}) {
  return createClerkStandin({ secretKey: SECRET_KEY, ...opts });
}
type Standin = ReturnType<typeof standin>;

const clerkPost = (s: Standin, path: string, body: unknown, headers: Record<string, string> = AUTH) =>
  s.handle(new Request(`http://clerk.test${path}`, { method: "POST", headers, body: JSON.stringify(body) }));
const verify = (s: Standin, secret: string) => clerkPost(s, "/api_keys/verify", { secret });
const revoke = (s: Standin, id: string, reason = "Key compromised") =>
  clerkPost(s, `/api_keys/${id}/revoke`, { revocation_reason: reason });
const getKey = (s: Standin, id: string) =>
  s.handle(new Request(`http://clerk.test/api_keys/${id}`, { headers: AUTH }));

const control = (s: Standin, path: string, body?: string) =>
  s.handle(
    new Request(`http://clerk.test/__standin/${path}`, {
      method: body === undefined ? "GET" : "POST",
      ...(body === undefined ? {} : { body }),
    }),
  );
const setModes = (s: Standin, modes: unknown) => control(s, "modes", JSON.stringify(modes));

async function apiKey(res: Response) {
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/json");
  return v.parse(ApiKeySchema, await res.json());
}

async function clerkErrors(res: Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/json");
  return v.parse(ClerkErrorsSchema, await res.json());
}

async function revokedKey(s: Standin) {
  const key = await s.createKey();
  expect((await revoke(s, key.id)).status).toBe(200);
  return key;
}

describe("the modes' control API", () => {
  it("answers the defaults before anything is set", async () => {
    const res = await control(standin(), "modes");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      dead_keys: "not_found",
      second_revoke: "idempotent",
      odd_secrets: "not_found",
      unknown_routes: "clerk_error",
    });
  });

  it("changes only the modes named, and answers all of them", async () => {
    const s = standin();
    const res = await setModes(s, { dead_keys: "flagged", odd_secrets: "unprocessable" });
    expect(res.status).toBe(200);
    const expected: Modes = { ...DEFAULT_MODES, dead_keys: "flagged", odd_secrets: "unprocessable" };
    expect(await res.json()).toEqual({ ok: true, modes: expected });
    expect(await (await setModes(s, { second_revoke: "refused" })).json()).toEqual({
      ok: true,
      modes: { ...expected, second_revoke: "refused" },
    });
  });

  it("restores the defaults on reset", async () => {
    const s = standin();
    await setModes(s, { dead_keys: "flagged", second_revoke: "refused", unknown_routes: "bare" });
    expect((await control(s, "reset", "{}")).status).toBe(200);
    expect(await (await control(s, "modes")).json()).toEqual(DEFAULT_MODES);
  });

  it("refuses an unknown value with 400 naming the values expected, and changes nothing", async () => {
    const s = standin();
    const res = await setModes(s, { dead_keys: "ak_looksLikeASecret0123456789", second_revoke: "refused" });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      error: "invalid control request",
      issues: ["dead_keys: expected one of not_found, flagged"],
    });
    expect(text).not.toContain("ak_looksLikeASecret");
    expect(s.modes()).toEqual(DEFAULT_MODES);
  });

  it("refuses an unknown mode name with 400 naming the modes there are, without repeating the name", async () => {
    const res = await setModes(standin(), { ak_secretAsAName: "flagged" });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(JSON.parse(text).issues).toEqual([
      "unknown mode: expected one of dead_keys, second_revoke, odd_secrets, unknown_routes",
    ]);
    expect(text).not.toContain("ak_secretAsAName");
  });

  it("refuses a body that is not a JSON object with 400", async () => {
    const s = standin();
    expect((await control(s, "modes", "[]")).status).toBe(400);
    expect((await control(s, "modes", "dead_keys=flagged")).status).toBe(400);
  });

  it("starts with the options' modes and returns to them on reset", async () => {
    const s = standin({ modes: { second_revoke: "refused" } });
    expect(s.modes()).toEqual({ ...DEFAULT_MODES, second_revoke: "refused" });
    s.setModes({ second_revoke: "idempotent", dead_keys: "flagged" });
    await s.reset();
    expect(s.modes()).toEqual({ ...DEFAULT_MODES, second_revoke: "refused" });
  });

  it("throws on an unknown mode in the options or in setModes", () => {
    expect(() => standin({ modes: { dead_keys: "gone" as Modes["dead_keys"] } })).toThrow(
      "dead_keys: expected one of not_found, flagged",
    );
    expect(() => standin().setModes({ odd_secrets: "teapot" as Modes["odd_secrets"] })).toThrow(
      "odd_secrets: expected one of not_found, bad_request, unprocessable",
    );
  });
});

describe("CLERK_STANDIN_MODES (parseModesSetting)", () => {
  it("reads name=value pairs separated by commas, ignoring spaces", () => {
    expect(parseModesSetting(" dead_keys=flagged, second_revoke = refused ")).toEqual({
      dead_keys: "flagged",
      second_revoke: "refused",
    });
  });

  it("reads an empty setting as no modes", () => {
    expect(parseModesSetting("")).toEqual({});
  });

  it("throws on an unknown value, or on text that is no pair, without repeating it", () => {
    expect(() => parseModesSetting("unknown_routes=ak_valueSecret")).toThrow(
      /^invalid modes: unknown_routes: expected one of clerk_error, bare$/,
    );
    expect(() => parseModesSetting("ak_pairSecret")).toThrow(/expected name=value pairs/);
    try {
      parseModesSetting("unknown_routes=ak_valueSecret,ak_pairSecret");
    } catch (error) {
      expect(String(error)).not.toMatch(/valueSecret|pairSecret/);
    }
  });

  it("agrees with the control API's validation", () => {
    expect(parseModes({ odd_secrets: "bad_request" })).toEqual({
      ok: true,
      value: { odd_secrets: "bad_request" },
    });
    expect(parseModes("dead_keys=flagged").ok).toBe(false);
  });
});

describe("dead_keys: verify of a revoked or expired key", () => {
  it("not_found (default): 404 resource_not_found for a revoked key", async () => {
    const s = standin();
    const key = await revokedKey(s);
    const body = await clerkErrors(await verify(s, key.secret), 404);
    expect(body.errors[0]?.code).toBe("resource_not_found");
  });

  it("not_found (default): 404 for an expired key", async () => {
    const s = standin();
    const key = await s.createKey({ expiration: Date.now() - 1_000 });
    await clerkErrors(await verify(s, key.secret), 404);
  });

  it("flagged: 200 with revoked true and the revocation reason", async () => {
    const s = standin({ modes: { dead_keys: "flagged" } });
    const key = await s.createKey();
    await revoke(s, key.id, "Key compromised");
    const answer = await apiKey(await verify(s, key.secret));
    expect(answer).toMatchObject({
      id: key.id,
      revoked: true,
      revocation_reason: "Key compromised",
      expired: false,
    });
  });

  it("flagged: 200 with expired true and revoked false for an expired key", async () => {
    let clock = 1_000_000;
    const s = standin({ modes: { dead_keys: "flagged" }, now: () => clock });
    const key = await s.createKey({ expiration: clock + 10 });
    clock += 11;
    const answer = await apiKey(await verify(s, key.secret));
    expect(answer).toMatchObject({ id: key.id, expired: true, revoked: false, expiration: 1_000_010 });
  });

  it("flagged: counts the answer but leaves last_used_at as it was", async () => {
    const s = standin({ modes: { dead_keys: "flagged" } });
    const key = await revokedKey(s);
    await verify(s, key.secret);
    expect(s.getKey(key.id)).toMatchObject({ verify_count: 1, last_used_at: null });
  });

  it("not_found: counts nothing", async () => {
    const s = standin();
    const key = await revokedKey(s);
    await verify(s, key.secret);
    expect(s.getKey(key.id)?.verify_count).toBe(0);
  });

  it("either mode: 200 with revoked and expired false for a live key", async () => {
    for (const dead_keys of ["not_found", "flagged"] as const) {
      const s = standin({ modes: { dead_keys } });
      const key = await s.createKey();
      expect(await apiKey(await verify(s, key.secret))).toMatchObject({
        id: key.id,
        revoked: false,
        expired: false,
      });
      expect(s.getKey(key.id)?.last_used_at).not.toBeNull();
    }
  });

  it("flagged still answers 404 for an unknown secret", async () => {
    const s = standin({ modes: { dead_keys: "flagged" } });
    await clerkErrors(await verify(s, WELL_SHAPED_UNKNOWN), 404);
  });
});

describe("second_revoke: revoke of a key already revoked", () => {
  it("idempotent (default): 200 with the key unchanged, first reason kept", async () => {
    const s = standin();
    const key = await revokedKey(s);
    const before = s.getKey(key.id);
    const answer = await apiKey(await revoke(s, key.id, "second"));
    expect(answer).toMatchObject({ revoked: true, revocation_reason: "Key compromised" });
    expect(answer.updated_at).toBe(before?.updated_at);
  });

  it("refused: 400 api_key_already_revoked", async () => {
    const s = standin({ modes: { second_revoke: "refused" } });
    const key = await revokedKey(s);
    const body = await clerkErrors(await revoke(s, key.id, "second"), 400);
    expect(body.errors[0]?.code).toBe("api_key_already_revoked");
    expect(body.clerk_trace_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it("refused: changes nothing, and counts the refused call in revoke_count", async () => {
    const s = standin({ modes: { second_revoke: "refused" } });
    const key = await revokedKey(s);
    const before = s.getKey(key.id);
    await revoke(s, key.id, "second");
    expect(s.getKey(key.id)).toEqual({ ...before, revoke_count: 2 });
  });

  it("refused: the first revoke of a live key still answers 200", async () => {
    const s = standin({ modes: { second_revoke: "refused" } });
    const key = await s.createKey();
    expect(await apiKey(await revoke(s, key.id))).toMatchObject({ revoked: true });
  });

  it("refused: get answers the key revoked, so a caller can confirm the refusal", async () => {
    const s = standin({ modes: { second_revoke: "refused" } });
    const key = await revokedKey(s);
    await revoke(s, key.id, "second");
    expect(await apiKey(await getKey(s, key.id))).toMatchObject({
      id: key.id,
      revoked: true,
      revocation_reason: "Key compromised",
    });
  });
});

describe("get reflects a key's state truthfully, whatever the modes", () => {
  it("answers expired true once a key's expiration has passed", async () => {
    let clock = 5_000;
    const s = standin({ now: () => clock });
    const key = await s.createKey({ expiration: 6_000 });
    expect((await apiKey(await getKey(s, key.id))).expired).toBe(false);
    clock = 6_000;
    expect(await apiKey(await getKey(s, key.id))).toMatchObject({ expired: true, revoked: false });
  });
});

describe("odd_secrets: verify of a secret not shaped like Clerk's that the instance does not hold", () => {
  it("not_found (default): 404", async () => {
    const s = standin();
    const body = await clerkErrors(await verify(s, ODD_SECRET), 404);
    expect(body.errors[0]?.code).toBe("resource_not_found");
  });

  it("bad_request: 400 naming the secret parameter", async () => {
    const s = standin({ modes: { odd_secrets: "bad_request" } });
    const body = await clerkErrors(await verify(s, ODD_SECRET), 400);
    expect(body.errors[0]).toMatchObject({ code: "bad_request", meta: { param_name: "secret" } });
    expect(JSON.stringify(body)).not.toContain(ODD_SECRET);
  });

  it("unprocessable: 422 naming the secret parameter", async () => {
    const s = standin({ modes: { odd_secrets: "unprocessable" } });
    const body = await clerkErrors(await verify(s, ODD_SECRET), 422);
    expect(body.errors[0]).toMatchObject({
      code: "form_param_format_invalid",
      meta: { param_name: "secret" },
    });
  });

  it("treats as odd whatever is not ak_ and exactly 40 base62 characters", async () => {
    const s = standin({ modes: { odd_secrets: "bad_request" } });
    for (const secret of [
      `ak_${"a".repeat(39)}`,
      `ak_${"a".repeat(41)}`,
      `ak_${"a".repeat(39)}-`,
      `sk_${"a".repeat(40)}`,
      "",
    ]) {
      expect((await verify(s, secret)).status, secret).toBe(400);
    }
  });

  it("answers a well-shaped unknown secret 404 in every mode", async () => {
    for (const odd_secrets of ["bad_request", "unprocessable"] as const) {
      const s = standin({ modes: { odd_secrets } });
      await clerkErrors(await verify(s, WELL_SHAPED_UNKNOWN), 404);
    }
  });

  it("verifies a key created with a chosen odd secret normally", async () => {
    const s = standin({ modes: { odd_secrets: "unprocessable" } });
    const chosen = await s.createKey({ secret: ODD_SECRET });
    expect((await apiKey(await verify(s, ODD_SECRET))).id).toBe(chosen.id);
  });

  it("verifies the demo keys normally", async () => {
    const s = standin({ seedDemo: true, modes: { odd_secrets: "bad_request" } });
    for (const demo of DEMO_KEYS) expect((await apiKey(await verify(s, demo.secret))).id).toBe(demo.id);
  });

  it("follows dead_keys, not odd_secrets, for a stored dead key with an odd secret", async () => {
    const s = standin({ modes: { odd_secrets: "bad_request" } });
    const key = await s.createKey({ secret: ODD_SECRET });
    await revoke(s, key.id);
    await clerkErrors(await verify(s, ODD_SECRET), 404);
  });
});

describe("unknown_routes: a path the API does not serve", () => {
  const wrongPrefix = (s: Standin, headers: Record<string, string> = AUTH) =>
    clerkPost(s, "/wrong-prefix/api_keys/verify", { secret: WELL_SHAPED_UNKNOWN }, headers);

  it("clerk_error (default): Clerk's JSON 404 after authentication", async () => {
    const s = standin();
    const body = await clerkErrors(await wrongPrefix(s), 404);
    expect(body.errors[0]?.code).toBe("resource_not_found");
    await clerkErrors(await wrongPrefix(s, {}), 401);
  });

  it("bare: a plain-text 404 'Not Found' with no ClerkErrors", async () => {
    const s = standin({ modes: { unknown_routes: "bare" } });
    const res = await wrongPrefix(s);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toBe("Not Found");
    expect(text).not.toContain("errors");
  });

  it("bare: answers the same 404 without asking for a secret key", async () => {
    const s = standin({ modes: { unknown_routes: "bare" } });
    const res = await wrongPrefix(s, {});
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
  });

  it("bare: still logs the call as unknown", async () => {
    const s = standin({ modes: { unknown_routes: "bare" } });
    await wrongPrefix(s);
    expect(s.calls().map((c) => [c.operation, c.path, c.status])).toEqual([
      ["unknown", "/wrong-prefix/api_keys/verify", 404],
    ]);
  });

  it("bare: leaves the served paths and the control API as they were", async () => {
    const s = standin({ modes: { unknown_routes: "bare" } });
    const key = await s.createKey();
    await apiKey(await verify(s, key.secret));
    expect((await control(s, "modes")).status).toBe(200);
    expect((await control(s, "no-such-route")).status).toBe(404);
  });
});
