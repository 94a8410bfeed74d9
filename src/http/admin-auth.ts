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
 * Only failures count against the limit: counting successes would throttle an operator paging through incidents. Once
 * an IP is over it, the isolate that saw it refuses that IP for the limiter's period before comparing anything, right
 * credentials included: otherwise a guesser over the limit would still have every guess checked, and the 429 would
 * slow nothing. The cost is that someone sharing the operator's IP (a VPN, an office NAT) can hold the operator out of
 * that isolate for a minute at a time; the token's length (at least 32 characters, config.ts) is what makes guessing
 * hopeless, and this keeps it to about ten guesses a minute per isolate.
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

/** Methods that change nothing. */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** What browsers say in `Sec-Fetch-Site` of a request another site's page made. */
const CROSS_SITE = new Set(["cross-site", "same-site"]);

/** IPs this isolate saw go over the failure limit, and until when (ms since the epoch) they are refused outright. */
const overLimitUntil = new Map<string, number>();
/** Past this many remembered IPs the oldest are forgotten: a flood of addresses must not grow the isolate's memory. */
const OVER_LIMIT_MEMORY_MAX_IPS = 10_000;

const clientIp = (c: Context) => c.req.header("CF-Connecting-IP") ?? "unknown";

/** Refuses the request (429) when its IP went over the failure limit within the limiter's period. */
export function refuseIfOverLimit(c: Context, now = Date.now()): void {
  const ip = clientIp(c);
  const until = overLimitUntil.get(ip);
  if (until === undefined) return;
  if (until <= now) {
    overLimitUntil.delete(ip);
    return;
  }
  refuse({ kind: "too_many_attempts", retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)) });
}

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
  const ip = clientIp(c);
  const { success } = await c.env.ADMIN_AUTH_LIMITER.limit({ key: `admin-auth:${ip}` });
  useCases.log.warn("admin_auth_failed", { request_id: requestId, reason, limited: !success });
  if (!success) {
    if (overLimitUntil.size >= OVER_LIMIT_MEMORY_MAX_IPS) {
      const oldest = overLimitUntil.keys().next().value;
      if (oldest !== undefined) overLimitUntil.delete(oldest);
    }
    overLimitUntil.set(ip, Date.now() + ADMIN_AUTH_RETRY_AFTER_SECONDS * 1000);
  }
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

    // An Access token rides on a cookie the browser sends by itself, so a change asked for by another site's page is
    // refused whatever its credentials; clients that are not browsers send no Sec-Fetch-Site and are not affected.
    if (!SAFE_METHODS.has(c.req.method) && CROSS_SITE.has(c.req.header("Sec-Fetch-Site") ?? ""))
      refuse({ kind: "cross_site" });
    refuseIfOverLimit(c);
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
