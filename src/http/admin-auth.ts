/**
 * @module
 * Bearer authentication for the operators' API. The token is compared in constant time (SHA-256 of
 * both sides, then `timingSafeEqual`, so neither length nor content leaks through timing). Failed
 * attempts are rate-limited per client IP with the `ADMIN_AUTH_LIMITER` binding. With `ADMIN_TOKEN`
 * unset the API is off and answers 404, as if it did not exist: never open. With an invalid one (shorter than 32
 * characters) it is off too, and answers 503 (see feature-off.ts).
 *
 * Trade-off: only failures count against the limit, and a right token is accepted even from an IP
 * that is over it. Counting successes would throttle an operator paging through incidents; locking
 * out the right token would let anyone sharing the operator's IP (a VPN, an office NAT) deny the
 * security team its API in the middle of an incident. Guessing stays hopeless either way: the token
 * has at least 32 characters (config.ts) and each IP gets a handful of guesses a minute.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env";
import { refuse } from "./errors";
import { refuseIfFeatureOff } from "./feature-off";

/** What a client that is over the failure limit is told to wait, in seconds (the limiter's period). */
export const ADMIN_AUTH_RETRY_AFTER_SECONDS = 60;

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

/** The operators' bearer check; needs `c.var.useCases` (the `/v1/*` middleware sets it). */
export function adminAuth(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { useCases, requestId } = c.var;
    const expected = useCases.config.ADMIN_TOKEN;
    if (expected === undefined) {
      refuseIfFeatureOff(c, "admin");
      return refuse({ kind: "no_such_route" });
    }

    const presented = bearerToken(c.req.header("Authorization"));
    if (presented !== undefined && (await tokensMatch(presented, expected))) return next();

    // Cloudflare sets CF-Connecting-IP on every request; only a local run lacks it.
    const ip = c.req.header("CF-Connecting-IP") ?? "unknown";
    const { success } = await c.env.ADMIN_AUTH_LIMITER.limit({ key: `admin-auth:${ip}` });
    useCases.log.warn("admin_auth_failed", {
      request_id: requestId,
      reason: presented === undefined ? "missing" : "invalid",
      limited: !success,
    });
    if (!success) refuse({ kind: "too_many_attempts", retryAfterSeconds: ADMIN_AUTH_RETRY_AFTER_SECONDS });
    refuse({ kind: "unauthenticated", invalid: presented !== undefined });
  };
}
