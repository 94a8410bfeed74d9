/**
 * @module
 * Headers on every console answer. A strict Content-Security-Policy: nothing loads unless named, the one stylesheet
 * is inline under a per-response nonce, and no script runs at all (the pages need none: forms post, links link).
 * Framing is refused (clickjacking of the revoke button), referrers are not sent, and nothing is cached: pages name
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
  referrerPolicy: "no-referrer",
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
