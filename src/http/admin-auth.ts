/**
 * @module
 * Authentication for the operators' API, and the pieces the console's sign-in shares with it. A request is let in by
 * the bearer `ADMIN_TOKEN`, or, when Cloudflare Access is configured (ACCESS_TEAM_DOMAIN, ACCESS_AUD), by the
 * `Cf-Access-Jwt-Assertion` Access adds to what it lets through. The token is compared in constant time (SHA-256 of
 * both sides, then `timingSafeEqual`, so neither length nor content leaks through timing). Failed attempts are
 * rate-limited per client IP with the `ADMIN_AUTH_LIMITER` binding. With neither configured the API is off and
 * answers 404, as if it did not exist: never open. With an invalid token (shorter than 32 characters) it is off too,
 * and answers 503 (see feature-off.ts).
 *
 * Trade-off: only failures count against the limit, and right credentials are accepted even from an IP that is over
 * it. Counting successes would throttle an operator paging through incidents; locking out the right token would let
 * anyone sharing the operator's IP (a VPN, an office NAT) deny the security team its API in the middle of an
 * incident. Guessing stays hopeless either way: the token has at least 32 characters (config.ts) and each IP gets a
 * handful of guesses a minute.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AccessIdentity } from "../access/access-verifier";
import type { Result } from "../lib/result";
import type { AppEnv } from "./app-env";
import { refuse } from "./errors";
import { refuseIfFeatureOff } from "./feature-off";

/** What a client that is over the failure limit is told to wait, in seconds (the limiter's period). */
export const ADMIN_AUTH_RETRY_AFTER_SECONDS = 60;
/** The header Cloudflare Access puts its token in on every request it lets through. */
export const ACCESS_JWT_HEADER = "Cf-Access-Jwt-Assertion";

const encoder = new TextEncoder();

/** The token of an `Authorization: Bearer <token>` header, or `undefined`. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer +([\x21-\x7e]+) *$/i.exec(header ?? "");
  return match?.[1];
}

/** Whether `presented` equals `expected`, in time independent of both. */
export async function tokensMatch(presented: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(presented)),
    crypto.subtle.digest("SHA-256", encoder.encode(expected)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}

/**
 * The request's Access token checked, or `undefined` when Access is not configured. A failure is logged with its
 * reason (`access_auth_failed`); the caller answers without one.
 */
export async function accessIdentity<E extends AppEnv>(
  c: Context<E>,
): Promise<Result<AccessIdentity, string> | undefined> {
  const { useCases, requestId } = c.var;
  if (useCases.access === undefined) return undefined;
  const result = await useCases.access.verify(c.req.header(ACCESS_JWT_HEADER), Date.now());
  if (!result.ok) useCases.log.warn("access_auth_failed", { request_id: requestId, reason: result.error });
  return result;
}

/**
 * Counts a failed sign-in against the client's IP and logs it; `true` when the IP is now over the limit. Shared by
 * the API and the console's token sign-in, so guesses through either count together.
 */
export async function noteFailedSignIn<E extends AppEnv>(c: Context<E>, reason: string): Promise<boolean> {
  const { useCases, requestId } = c.var;
  // Cloudflare sets CF-Connecting-IP on every request; only a local run lacks it.
  const ip = c.req.header("CF-Connecting-IP") ?? "unknown";
  const { success } = await c.env.ADMIN_AUTH_LIMITER.limit({ key: `admin-auth:${ip}` });
  useCases.log.warn("admin_auth_failed", { request_id: requestId, reason, limited: !success });
  return !success;
}

/** The operators' check; needs `c.var.useCases` (the `/v1/*` middleware sets it). */
export function adminAuth(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { useCases } = c.var;
    const expected = useCases.config.ADMIN_TOKEN;
    if (expected === undefined && useCases.access === undefined) {
      refuseIfFeatureOff(c, "admin");
      refuseIfFeatureOff(c, "access");
      return refuse({ kind: "no_such_route" });
    }

    const presented = bearerToken(c.req.header("Authorization"));
    if (presented !== undefined && expected !== undefined && (await tokensMatch(presented, expected)))
      return next();
    const access = c.req.header(ACCESS_JWT_HEADER) === undefined ? undefined : await accessIdentity(c);
    if (access?.ok) return next();

    const tried = presented !== undefined || access !== undefined;
    const reason = presented !== undefined ? "invalid" : access !== undefined ? "access_invalid" : "missing";
    if (await noteFailedSignIn(c, reason))
      refuse({ kind: "too_many_attempts", retryAfterSeconds: ADMIN_AUTH_RETRY_AFTER_SECONDS });
    refuse({ kind: "unauthenticated", invalid: tried });
  };
}
