/**
 * @module
 * Clerk's JWT-format machine tokens: M2M tokens minted as JWTs (`sub` a machine) and OAuth JWT access tokens (`typ`
 * `at+jwt`). Clerk keeps no state for them, so there is nothing to revoke (its OpenAPI: "JWT access tokens cannot be
 * revoked"); what autorevoke can say is whether the instance issued the token and when it stops working.
 *
 * Issued by the instance: its signature verifies (`@clerk/backend/jwt`'s `hasValidSignature`) under a key of the
 * instance's JWKS (`GET /jwks`, `jwks.getJwks`, one Clerk call, kept for an hour per isolate and fetched again for a
 * key id it lacks, at most once a minute). Unlike `verifyToken`, the signature is checked whatever the token's `exp`:
 * an expired JWT the instance signed is a real credential, already dead, not junk. A token no key of the instance
 * signed is unknown to it, as a 404 says of an opaque one; that is the one answer that can make it `false_positive`.
 */
import type { createClerkClient } from "@clerk/backend";
import { decodeJwt, hasValidSignature } from "@clerk/backend/jwt";
import * as v from "valibot";
import type { ClerkFailure } from "../domain/clerk-failure";
import { err, ok, type Result } from "../lib/result";
import { callClerk } from "./call";
import type { ClerkKey, CredentialCalls } from "./credential";

/** How long a fetched key set is trusted. */
export const JWKS_TTL_MS = 60 * 60_000;
/** A key id the set lacks is fetched for again only after this long: junk JWTs must not cost a call each. */
export const JWKS_REFETCH_MS = 60_000;
/** Clerk signs with RS256; a JWT that names another algorithm is none of Clerk's. */
const CLERK_ALGORITHM = "RS256";

const JwksSchema = v.object({
  keys: v.array(v.looseObject({ kid: v.string(), kty: v.string() })),
});
type Jwk = v.InferOutput<typeof JwksSchema>["keys"][number];

/** The claims read off a Clerk machine JWT. */
const ClaimsSchema = v.looseObject({
  sub: v.string(),
  exp: v.number(),
  jti: v.optional(v.string()),
  client_id: v.optional(v.string()),
});

/** `jti` as an id: Clerk's own (`mt_…`, `oat_…`), else none. */
const TokenIdSchema = v.pipe(v.string(), v.regex(/^\w{1,64}$/));

/** The JWT calls over one SDK client; `now` decides expiry. */
export function createJwtCalls(
  clerk: ReturnType<typeof createClerkClient>,
  timeoutMs: number,
  now: () => number = Date.now,
): CredentialCalls {
  let cached: { keys: Jwk[]; fetchedAt: number } | undefined;

  const kidOf = (token: string): string | undefined => {
    try {
      const kid = decodeJwt(token).header.kid;
      return typeof kid === "string" ? kid : undefined;
    } catch {
      return undefined;
    }
  };
  /** Whether the cached set answers for `kid` without a call: it has the key, or was fetched too recently to ask again. */
  const answersFromCache = (kid: string | undefined) => {
    if (!cached || kid === undefined) return kid === undefined;
    const age = now() - cached.fetchedAt;
    if (age >= JWKS_TTL_MS) return false;
    return cached.keys.some((k) => k.kid === kid) || age < JWKS_REFETCH_MS;
  };

  /** The fetch under way, shared: the tokens of one big alert are verified side by side, and one fetch serves them. */
  let inFlight: Promise<Result<unknown, ClerkFailure>> | undefined;
  function fetchKeys() {
    inFlight ??= callClerk(JwksSchema, timeoutMs, () => clerk.jwks.getJwks())
      .then((fetched) => {
        if (fetched.ok) cached = { keys: fetched.value.keys, fetchedAt: now() };
        return fetched;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  }

  /**
   * The key named `kid`; `undefined` only when a key set fetched for it lacks it. A key id the cached set lacks, within
   * a minute of its fetch, is not answered: a key Clerk has just added may sign it, so it waits for the next fetch
   * rather than be called junk.
   */
  async function keyFor(kid: string): Promise<Result<Jwk | undefined, ClerkFailure>> {
    if (!answersFromCache(kid)) {
      const fetched = await fetchKeys();
      if (!fetched.ok) return fetched;
      return ok(cached?.keys.find((k) => k.kid === kid));
    }
    const key = cached?.keys.find((k) => k.kid === kid);
    return key ? ok(key) : err({ kind: "retryable", reason: "jwks_kid_unknown" } as const);
  }

  async function verify(token: string): Promise<Result<ClerkKey, ClerkFailure>> {
    let decoded: ReturnType<typeof decodeJwt>;
    try {
      decoded = decodeJwt(token);
    } catch {
      return err({ kind: "not_found", status: 404 } as const);
    }
    const { header } = decoded;
    const claims = v.safeParse(ClaimsSchema, decoded.payload);
    if (typeof header.kid !== "string" || header.alg !== CLERK_ALGORITHM || !claims.success)
      return err({ kind: "not_found", status: 404 } as const);
    const key = await keyFor(header.kid);
    if (!key.ok) return key;
    if (!key.value) return err({ kind: "not_found", status: 404 } as const);
    let valid = false;
    try {
      valid = await hasValidSignature(decoded, key.value as JsonWebKey);
    } catch {
      valid = false;
    }
    if (!valid) return err({ kind: "not_found", status: 404 } as const);
    const { sub, exp, jti, client_id: clientId } = claims.output;
    const expiration = exp * 1000;
    return ok({
      id: jti !== undefined && v.is(TokenIdSchema, jti) ? jti : "",
      // An OAuth token's owner is its client; an M2M token's, its machine.
      subject: clientId ?? sub,
      name: null,
      revoked: false,
      expired: expiration <= now(),
      revocationReason: null,
      expiration,
    });
  }

  return {
    verify,
    // Never called: the resolver finishes a JWT without a revoke. Refused like a revoke Clerk has no route for.
    revoke: () =>
      Promise.resolve(err({ kind: "final", reason: "jwt_cannot_be_revoked", status: 400 } as const)),
    verifyCalls: (token) => (inFlight || answersFromCache(kidOf(token)) ? 0 : 1),
    revokeCalls: () => 0,
  };
}
