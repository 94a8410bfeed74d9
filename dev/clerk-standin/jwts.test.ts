import { createClerkClient } from "@clerk/backend";
import { decodeJwt, hasValidSignature } from "@clerk/backend/jwt";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import {
  ClerkErrorsSchema,
  JwksSchema,
  OAuthAccessTokenSchema,
  OAuthInactiveJwtSchema,
} from "../clerk-schemas.ts";
import type { ClerkCall } from "../clerk-standin.ts";

// The instance's RS256 key and the JWT-format machine tokens it signs (M2M JWTs, OAuth JWT access tokens), checked
// with `@clerk/backend`'s own JWT code against the JWKS the stand-in serves. In workerd, through the outbound service.
const SECRET_KEY = "sk_test_autorevoke_standin";
const AUTH = { authorization: `Bearer ${SECRET_KEY}`, "content-type": "application/json" };

const isolatedBase = () => `https://t${crypto.randomUUID().slice(0, 12)}.clerk.test`;
const sdk = (base: string) => createClerkClient({ secretKey: SECRET_KEY, apiUrl: base });

async function control(base: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${base}/__standin/${path}`, {
    method: body === undefined ? "GET" : "POST",
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const TokenSchema = v.object({
  id: v.string(),
  token: v.string(),
  subject: v.string(),
  expiration: v.number(),
});
async function minted(base: string, path: string, body: Record<string, unknown>) {
  const res = await control(base, path, body);
  expect(res.status).toBe(200);
  return v.parse(TokenSchema, await res.json());
}
const m2mJwt = (base: string, body: Record<string, unknown> = {}) =>
  minted(base, "m2m_tokens", { token_format: "jwt", ...body });
const oauthJwt = (base: string, body: Record<string, unknown> = {}) =>
  minted(base, "oauth_access_tokens", { token_format: "jwt", ...body });
const forged = (base: string, kind: "m2m" | "oauth") => minted(base, "forged_jwt", { kind });

async function jwks(base: string) {
  const res = await fetch(`${base}/v1/jwks`, { headers: AUTH });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/json");
  return v.parse(JwksSchema, await res.json());
}

/** Whether the instance's published key verifies `token`'s signature, by @clerk/backend's check. */
async function signedByInstance(base: string, token: string): Promise<boolean> {
  const [key] = (await jwks(base)).keys;
  if (!key) throw new Error("no key published");
  return hasValidSignature(decodeJwt(token), key as JsonWebKey);
}

describe("Clerk stand-in JWKS", () => {
  it("publishes one RS256 signing key per instance, as the spec's JWKS, logged as jwks", async () => {
    const base = isolatedBase();
    const { keys } = await jwks(base);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig", e: "AQAB" });
    expect(keys[0]?.kid).toMatch(/^ins_\w{27}$/);
    expect(Object.keys(keys[0] ?? {}).sort()).toEqual(["alg", "e", "kid", "kty", "n", "use"]);
    expect((await jwks(base)).keys).toEqual(keys);
    expect((await sdk(base).jwks.getJwks()).keys?.[0]?.kid).toBe(keys[0]?.kid);
    const calls = (await (await control(base, "calls")).json()) as ClerkCall[];
    expect(calls.map((c) => [c.operation, c.path, c.status])).toEqual(
      Array(3).fill(["jwks", "/v1/jwks", 200]),
    );
  });

  it("keeps its key across a reset, and gives another instance another key", async () => {
    const base = isolatedBase();
    const before = await jwks(base);
    await control(base, "reset", {});
    expect(await jwks(base)).toEqual(before);
    expect((await jwks(isolatedBase())).keys[0]?.kid).not.toBe(before.keys[0]?.kid);
  });

  it("asks for the instance secret key", async () => {
    const res = await fetch(`${isolatedBase()}/v1/jwks`);
    expect(res.status).toBe(401);
    v.parse(ClerkErrorsSchema, await res.json());
  });
});

describe("Clerk stand-in M2M JWTs", () => {
  it("mints Clerk's M2M JWT shape, signed by the key the JWKS publishes", async () => {
    const base = isolatedBase();
    const subject = `mch_${"A".repeat(27)}`;
    const expiration = Date.now() + 600_000;
    const jwt = await m2mJwt(base, { subject, expiration });
    const { header, payload } = decodeJwt(jwt.token);
    const { keys } = await jwks(base);
    expect(header).toEqual({ alg: "RS256", typ: "JWT", kid: keys[0]?.kid, cat: "cl_B7d4PD333AAA" });
    expect(payload).toEqual({
      iss: base,
      sub: subject,
      jti: jwt.id,
      iat: expect.any(Number),
      nbf: payload.iat,
      exp: Math.floor(expiration / 1000),
    });
    expect(jwt.id).toMatch(/^mt_[0-9a-f]{32}$/);
    expect(await signedByInstance(base, jwt.token)).toBe(true);
  });

  it("expires in an hour when no expiration is given", async () => {
    const jwt = await m2mJwt(isolatedBase());
    const { payload } = decodeJwt(jwt.token);
    expect(payload.exp - payload.iat).toBe(3600);
  });

  it("is verified by the SDK's m2m.verify against the stand-in's JWKS, with no Clerk verify call", async () => {
    const base = isolatedBase();
    const jwt = await m2mJwt(base);
    const token = await sdk(base).m2m.verify({ token: jwt.token });
    expect(token.id).toBe(jwt.id);
    expect(token.subject).toBe(jwt.subject);
    const calls = (await (await control(base, "calls")).json()) as ClerkCall[];
    expect(calls.map((c) => c.operation)).toEqual(["jwks"]);
  });

  it("is recorded for the control API without the token, and not among the opaque M2M tokens", async () => {
    const base = isolatedBase();
    const jwt = await m2mJwt(base);
    const records = await (await control(base, "jwts")).text();
    expect(records).not.toContain(jwt.token);
    expect(JSON.parse(records)).toEqual([
      expect.objectContaining({ kind: "m2m", id: jwt.id, expired: false }),
    ]);
    expect(await (await control(base, "m2m_tokens")).json()).toEqual([]);
  });
});

describe("Clerk stand-in OAuth JWT access tokens", () => {
  it("mints an at+jwt signed by the instance key, for an application of the instance", async () => {
    const base = isolatedBase();
    const jwt = await oauthJwt(base, { scopes: ["profile", "email"] });
    const { header, payload } = decodeJwt(jwt.token);
    expect(header).toEqual({ alg: "RS256", typ: "at+jwt", kid: (await jwks(base)).keys[0]?.kid });
    expect(payload).toMatchObject({ iss: base, sub: jwt.subject, jti: jwt.id, scope: "profile email" });
    expect(jwt.id).toMatch(/^oat_[0-9a-f]{32}$/);
    expect(await signedByInstance(base, jwt.token)).toBe(true);
  });

  it("verify answers the spec's token object while live, and its {active: false} once expired (dead_keys flagged)", async () => {
    const base = isolatedBase();
    const live = await oauthJwt(base);
    const verify = (token: string) =>
      fetch(`${base}/oauth_applications/access_tokens/verify`, {
        method: "POST",
        headers: AUTH,
        body: JSON.stringify({ access_token: token }),
      });
    const answer = v.parse(OAuthAccessTokenSchema, await (await verify(live.token)).json());
    expect(answer).toMatchObject({ id: live.id, subject: live.subject, revoked: false, expired: false });
    const expired = await oauthJwt(base, { expiration: Date.now() - 60_000 });
    expect((await verify(expired.token)).status).toBe(404);
    await control(base, "modes", { dead_keys: "flagged" });
    v.parse(OAuthInactiveJwtSchema, await (await verify(expired.token)).json());
  });

  it("revoke_token refuses it with 400, as the spec says JWT access tokens cannot be revoked", async () => {
    const base = isolatedBase();
    const jwt = v.parse(
      v.object({ token: v.string(), application_id: v.string() }),
      await (await control(base, "oauth_access_tokens", { token_format: "jwt" })).json(),
    );
    const res = await fetch(`${base}/v1/oauth_applications/${jwt.application_id}/revoke_token`, {
      method: "POST",
      headers: AUTH,
      body: JSON.stringify({ token: jwt.token }),
    });
    expect(res.status).toBe(400);
    const body = v.parse(ClerkErrorsSchema, await res.json());
    expect(body.errors[0]?.code).toBe("oauth_jwt_access_token_not_revocable");
    expect(JSON.stringify(body)).not.toContain(jwt.token);
  });
});

describe("Clerk stand-in forged JWTs", () => {
  it.each(["m2m", "oauth"] as const)(
    "a forged %s JWT names the instance's kid but fails its signature",
    async (kind) => {
      const base = isolatedBase();
      const fake = await forged(base, kind);
      const real = await (kind === "m2m" ? m2mJwt(base) : oauthJwt(base));
      const fakeParts = decodeJwt(fake.token);
      expect(fakeParts.header).toEqual(decodeJwt(real.token).header);
      expect(Object.keys(fakeParts.payload).sort()).toEqual(
        Object.keys(decodeJwt(real.token).payload).sort(),
      );
      expect(await signedByInstance(base, fake.token)).toBe(false);
      expect(await signedByInstance(base, real.token)).toBe(true);
      const records = (await (await control(base, "jwts")).json()) as { id: string }[];
      expect(records.map((r) => r.id)).toEqual([real.id]);
    },
  );

  it("a forged M2M JWT is refused by the SDK's m2m.verify", async () => {
    const base = isolatedBase();
    const fake = await forged(base, "m2m");
    await expect(sdk(base).m2m.verify({ token: fake.token })).rejects.toThrow();
  });

  it("a forged OAuth JWT is unknown to verify: 404", async () => {
    const base = isolatedBase();
    const fake = await forged(base, "oauth");
    const res = await fetch(`${base}/oauth_applications/access_tokens/verify`, {
      method: "POST",
      headers: AUTH,
      body: JSON.stringify({ access_token: fake.token }),
    });
    expect(res.status).toBe(404);
  });
});
