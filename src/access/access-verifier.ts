/**
 * @module
 * Cloudflare Access in front of the console and the operators' API: verifies the `Cf-Access-Jwt-Assertion` that
 * Access adds to every request it lets through. Signature against the team's published key set, then `aud` (this
 * application), `iss` (the team) and expiry. The key set is fetched once and cached for the isolate's life by jose's
 * remote key set, which refetches on an unknown key id at most once per cool-down (so a flood of random `kid`s cannot
 * hammer the team's endpoint) and gives every fetch a timeout.
 *
 * Failures are values with a reason for the log; whoever answers the request says no more than "not signed in".
 */
import { createRemoteJWKSet, errors, jwtVerify } from "jose";
import { err, ok, type Result } from "../lib/result";

/** Where Access publishes a team's signing keys, under the team's origin. */
export const ACCESS_CERTS_PATH = "/cdn-cgi/access/certs";
/** The longest a key-set fetch may take before the request is refused (Access itself answers in milliseconds). */
export const JWKS_FETCH_TIMEOUT_MS = 5_000;
/** Least time between two refetches of the key set, however many unknown key ids arrive. */
export const JWKS_COOLDOWN_MS = 30_000;
/** How long a fetched key set is trusted before it is fetched again; Access rotates its keys every 6 weeks. */
export const JWKS_MAX_AGE_MS = 60 * 60 * 1000;
/** Clock skew allowed between Access and the Worker when checking `exp` and `nbf`. */
export const CLOCK_TOLERANCE_SECONDS = 30;
/** Access signs with RS256; anything else, `none` above all, is refused before any key is looked up. */
const ALGORITHMS = ["RS256"];

/** Who Access says is calling: a person (`email`), or a service token (`commonName`). */
export interface AccessIdentity {
  subject: string;
  email: string | undefined;
  commonName: string | undefined;
}

/** Why a token was refused, for the log. */
export type AccessFailure =
  | "missing"
  | "malformed"
  | "signature"
  | "unknown_key"
  | "audience"
  | "issuer"
  | "expired"
  | "not_yet_valid"
  | "claims"
  | "keys_unavailable";

/** Verifies Access tokens for one team and application. */
export interface AccessVerifier {
  /** The team's origin, which is the tokens' issuer. */
  readonly issuer: string;
  verify(token: string | undefined, now: number): Promise<Result<AccessIdentity, AccessFailure>>;
}

export interface AccessVerifierOptions {
  /** The team's origin, e.g. `https://myteam.cloudflareaccess.com` (config.ts normalises ACCESS_TEAM_DOMAIN). */
  teamOrigin: string;
  /** The Access application's audience tag (ACCESS_AUD). */
  audience: string;
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function failureOf(error: unknown): AccessFailure {
  if (error instanceof errors.JWTExpired) return "expired";
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "aud") return "audience";
    if (error.claim === "iss") return "issuer";
    if (error.claim === "nbf") return "not_yet_valid";
    return "claims";
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return "signature";
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys)
    return "unknown_key";
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return "keys_unavailable";
  if (error instanceof errors.JOSEError) return "malformed";
  // A network error from the key-set fetch: jose passes fetch's own error through.
  return "keys_unavailable";
}

/** Builds a verifier whose key set lives as long as it does (one per isolate, built by the wiring). */
export function createAccessVerifier(options: AccessVerifierOptions): AccessVerifier {
  const issuer = options.teamOrigin;
  const keys = createRemoteJWKSet(new URL(`${issuer}${ACCESS_CERTS_PATH}`), {
    timeoutDuration: JWKS_FETCH_TIMEOUT_MS,
    cooldownDuration: JWKS_COOLDOWN_MS,
    cacheMaxAge: JWKS_MAX_AGE_MS,
  });
  return {
    issuer,
    async verify(token, now) {
      if (token === undefined || token === "") return err("missing");
      // Checked before jose sees it, so a header of any size or shape costs nothing.
      if (token.length > 8_192 || !JWT_SHAPE.test(token)) return err("malformed");
      try {
        const { payload } = await jwtVerify(token, keys, {
          issuer,
          audience: options.audience,
          algorithms: ALGORITHMS,
          currentDate: new Date(now),
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          requiredClaims: ["exp", "sub"],
        });
        return ok({
          subject: String(payload.sub),
          email: typeof payload.email === "string" ? payload.email : undefined,
          commonName: typeof payload.common_name === "string" ? payload.common_name : undefined,
        });
      } catch (error) {
        return err(failureOf(error));
      }
    },
  };
}
