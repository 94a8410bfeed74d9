/**
 * @module
 * Headers on every console answer. A strict Content-Security-Policy: nothing loads unless named, the one stylesheet
 * is inline under a per-response nonce, and no script runs at all (the pages need none: forms post, links link).
 * Framing is refused (clickjacking of the revoke button), no other site gets a referrer, and nothing is cached: pages name
 * key ids and owners.
 */
import type { MiddlewareHandler } from "hono";
import { NONCE, secureHeaders } from "hono/secure-headers";

const headers = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    styleSrc: [NONCE],
    scriptSrc: ["'none'"],
    imgSrc: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
  },
  // same-origin, not no-referrer: under no-referrer a browser sends `Origin: null` with a form's POST, which the
  // CSRF check (same-origin.ts) must refuse. Other sites still learn nothing: they get no referrer at all.
  referrerPolicy: "same-origin",
  xFrameOptions: "DENY",
  strictTransportSecurity: "max-age=31536000; includeSubDomains",
});

/** The console's response headers. */
export function consoleHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await headers(c, async () => {
      await next();
      c.header("Cache-Control", "no-store");
    });
  };
}
