/**
 * The JWT calls against a scripted SDK client: a token is the instance's when a key of its JWKS signed it, whatever its
 * `exp`; the key set is fetched once and asked again only for a key id it lacks, at most once a minute.
 */
import type { createClerkClient } from "@clerk/backend";
import { signJwt } from "@clerk/backend/jwt";
import { beforeAll, describe, expect, it } from "vitest";
import { createJwtCalls, JWKS_REFETCH_MS } from "./jwt-tokens";

type Clerk = ReturnType<typeof createClerkClient>;

const RSA = {
  name: "RSASSA-PKCS1-v1_5",
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: "SHA-256",
};
let signing: { privateJwk: JsonWebKey; publicJwk: JsonWebKey & { kid: string } };
let stranger: JsonWebKey;

async function keyPair(kid: string) {
  const pair = (await crypto.subtle.generateKey(RSA, true, ["sign", "verify"])) as CryptoKeyPair;
  const privateJwk = (await crypto.subtle.exportKey("jwk", pair.privateKey)) as JsonWebKey;
  const publicJwk = (await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey;
  return { privateJwk, publicJwk: { ...publicJwk, kid, alg: "RS256", use: "sig" } };
}

beforeAll(async () => {
  signing = await keyPair("ins_test_1");
  stranger = (await keyPair("ins_test_1")).privateJwk;
});

const nowS = () => Math.floor(Date.now() / 1000);
const m2mJwt = (key: JsonWebKey, claims: Record<string, unknown> = {}, kid = "ins_test_1") =>
  signJwt(
    {
      sub: "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk",
      jti: "mt_0ef5a7a33d87ed87ee7954c845d80450",
      exp: nowS() + 3600,
      ...claims,
    },
    key,
    { algorithm: "RS256", header: { typ: "JWT", kid, cat: "cl_B7d4PD333AAA" } },
  );

/** A client whose only call is `jwks.getJwks`, counted. */
function clerkWithJwks(keys: () => unknown[]) {
  const calls = { jwks: 0 };
  const clerk = {
    jwks: {
      getJwks: async () => {
        calls.jwks++;
        return { keys: keys() };
      },
    },
  } as unknown as Clerk;
  return { clerk, calls };
}

describe("createJwtCalls", () => {
  it("knows a JWT a key of the instance signed: its id, machine and expiry, live", async () => {
    const { clerk, calls } = clerkWithJwks(() => [signing.publicJwk]);
    const exp = nowS() + 600;
    const verified = await createJwtCalls(clerk, 1000).verify(await m2mJwt(signing.privateJwk, { exp }));
    expect(verified).toEqual({
      ok: true,
      value: {
        id: "mt_0ef5a7a33d87ed87ee7954c845d80450",
        subject: "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk",
        name: null,
        revoked: false,
        expired: false,
        revocationReason: null,
        expiration: exp * 1000,
      },
    });
    expect(calls.jwks).toBe(1);
  });

  it("knows an expired JWT the instance signed as real and expired, not as junk", async () => {
    const { clerk } = clerkWithJwks(() => [signing.publicJwk]);
    const verified = await createJwtCalls(clerk, 1000).verify(
      await m2mJwt(signing.privateJwk, { exp: nowS() - 60 }),
    );
    expect(verified.ok && verified.value.expired).toBe(true);
  });

  it("takes an OAuth JWT's client as its owner", async () => {
    const { clerk } = clerkWithJwks(() => [signing.publicJwk]);
    const token = await signJwt(
      { sub: "user_2xhFjEI5X2qWRvtV13BzSj8H6Dk", client_id: "client_abc", exp: nowS() + 60 },
      signing.privateJwk,
      { algorithm: "RS256", header: { typ: "at+jwt", kid: "ins_test_1" } },
    );
    const verified = await createJwtCalls(clerk, 1000).verify(token);
    expect(verified.ok && verified.value.subject).toBe("client_abc");
  });

  it("does not know a JWT of the same shape and key id signed by another key", async () => {
    const { clerk } = clerkWithJwks(() => [signing.publicJwk]);
    expect(await createJwtCalls(clerk, 1000).verify(await m2mJwt(stranger))).toEqual({
      ok: false,
      error: { kind: "not_found", status: 404 },
    });
  });

  it("does not know a JWT whose header names another algorithm, and fetches nothing for it", async () => {
    const { clerk, calls } = clerkWithJwks(() => [signing.publicJwk]);
    const [, payload, signature] = (await m2mJwt(signing.privateJwk)).split(".");
    const none = btoa(JSON.stringify({ alg: "none", kid: "ins_test_1", typ: "JWT" })).replaceAll("=", "");
    const verified = await createJwtCalls(clerk, 1000).verify(`${none}.${payload}.${signature}`);
    expect(verified.ok).toBe(false);
    expect(calls.jwks).toBe(0);
  });

  it("fetches the key set once, and needs no call for the next token it signed", async () => {
    const { clerk, calls } = clerkWithJwks(() => [signing.publicJwk]);
    const jwts = createJwtCalls(clerk, 1000);
    const token = await m2mJwt(signing.privateJwk);
    expect(jwts.verifyCalls?.(token)).toBe(1);
    await jwts.verify(token);
    expect(jwts.verifyCalls?.(token)).toBe(0);
    await jwts.verify(await m2mJwt(signing.privateJwk, { jti: "mt_1ef5a7a33d87ed87ee7954c845d80450" }));
    expect(calls.jwks).toBe(1);
  });

  it("shares one fetch among tokens verified side by side", async () => {
    const { clerk, calls } = clerkWithJwks(() => [signing.publicJwk]);
    const jwts = createJwtCalls(clerk, 1000);
    const tokens = await Promise.all([1, 2, 3].map(() => m2mJwt(signing.privateJwk)));
    const answers = await Promise.all(tokens.map((t) => jwts.verify(t)));
    expect(answers.map((a) => a.ok)).toEqual([true, true, true]);
    expect(calls.jwks).toBe(1);
  });

  it("asks again for a key id it lacks only once the set is a minute old", async () => {
    let now = Date.now();
    const { clerk, calls } = clerkWithJwks(() => [signing.publicJwk]);
    const jwts = createJwtCalls(clerk, 1000, () => now);
    await jwts.verify(await m2mJwt(signing.privateJwk));
    const unknownKid = await m2mJwt(signing.privateJwk, {}, "ins_rotated");
    expect(jwts.verifyCalls?.(unknownKid)).toBe(0);
    // Not junk yet: a key Clerk has just added may sign it. It waits for the next fetch.
    expect(await jwts.verify(unknownKid)).toEqual({
      ok: false,
      error: { kind: "retryable", reason: "jwks_kid_unknown" },
    });
    expect(calls.jwks).toBe(1);
    now += JWKS_REFETCH_MS;
    expect(jwts.verifyCalls?.(unknownKid)).toBe(1);
    // Fetched for it, and still not there: no key of the instance signed it.
    expect(await jwts.verify(unknownKid)).toEqual({ ok: false, error: { kind: "not_found", status: 404 } });
    expect(calls.jwks).toBe(2);
  });

  it("hands a failing JWKS fetch back as Clerk's failure, never as a verdict", async () => {
    const clerk = {
      jwks: {
        getJwks: async () => {
          throw new Error("network down");
        },
      },
    } as unknown as Clerk;
    const verified = await createJwtCalls(clerk, 1000).verify(await m2mJwt(signing.privateJwk));
    expect(verified).toEqual({ ok: false, error: { kind: "retryable", reason: "clerk_unexpected_error" } });
  });

  it("never revokes: Clerk has no call for it", async () => {
    const { clerk } = clerkWithJwks(() => []);
    expect(
      await createJwtCalls(clerk, 1000).revoke("mt_0ef5a7a33d87ed87ee7954c845d80450", "x"),
    ).toMatchObject({
      ok: false,
      error: { kind: "final", reason: "jwt_cannot_be_revoked" },
    });
  });
});
