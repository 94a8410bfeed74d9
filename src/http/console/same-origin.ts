/**
 * @module
 * CSRF protection for every state-changing console request: a POST is accepted only when the browser says it comes
 * from the console's own origin, by `Origin`, or, when a browser sends none, by `Sec-Fetch-Site: same-origin`. Every
 * browser that runs the console sends one or the other on a POST; a request with neither is refused rather than
 * trusted. The session cookie is SameSite=Strict as well, so a cross-site form would arrive signed out anyway; this
 * check also covers Access's own cookie, which the console does not control.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { refuse } from "../errors";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Whether a request's `Origin` / `Sec-Fetch-Site` place it on `ownOrigin`. Pure. */
export function isSameOrigin(
  ownOrigin: string,
  origin: string | undefined,
  fetchSite: string | undefined,
): boolean {
  if (origin !== undefined) return origin === ownOrigin;
  return fetchSite === "same-origin";
}

/** Refuses a state-changing request that does not come from the console itself. */
export function sameOriginOnly(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const own = new URL(c.req.url).origin;
    if (!isSameOrigin(own, c.req.header("Origin"), c.req.header("Sec-Fetch-Site"))) {
      c.var.useCases.log.warn("console_cross_site_refused", {
        request_id: c.var.requestId,
        method: c.req.method,
        fetch_site: c.req.header("Sec-Fetch-Site") ?? null,
      });
      refuse({ kind: "cross_site" });
    }
    return next();
  };
}
