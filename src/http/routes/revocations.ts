/**
 * @module
 * `POST /v1/revocations`: revoke a key now, by leaked secret or by key id. Bearer-authenticated. The
 * secret is handled like an alert's token: hashed, sealed, never logged, never echoed.
 */

import { bodyLimit } from "hono/body-limit";
import { Hono } from "hono/tiny";
import { createIncidentQueries } from "../../incidents/queries";
import { instanceForKeyId, revokeKeyId, revokeSecret } from "../../use-cases/revoke-manually";
import { adminAuth } from "../admin-auth";
import type { AppEnv } from "../app-env";
import { RevocationRequestSchema } from "../requests";
import type { RevocationOutcome, RevocationResult } from "../responses";
import { validJson } from "../validate";

/** Largest revocation body: a secret, a key id and a reason fit in far less. */
export const REVOCATION_BODY_LIMIT_BYTES = 4 * 1024;

const STATUS: Record<RevocationOutcome, 200 | 202 | 404 | 502> = {
  revoked: 200,
  already_revoked: 200,
  queued: 202,
  not_found: 404,
  failed: 502,
};

/** Revocation routes, mounted at `/v1/revocations`. */
export const revocationRoutes = new Hono<AppEnv>().use(adminAuth()).post(
  "/",
  bodyLimit({
    maxSize: REVOCATION_BODY_LIMIT_BYTES,
    onError: (c) => c.json({ error: `The body exceeds ${REVOCATION_BODY_LIMIT_BYTES} bytes.` }, 413),
  }),
  validJson(RevocationRequestSchema),
  async (c) => {
    const { services, requestId } = c.var;
    const body = c.req.valid("json");
    const deps = { ...services, queries: createIncidentQueries(c.env.DB) };
    let result: RevocationResult;
    if ("secret" in body) result = await revokeSecret(deps, body.secret, body.reason);
    else {
      const instance = instanceForKeyId(
        services.instances.map((i) => i.name),
        body.instance,
      );
      if (!instance.ok) return c.json({ error: instance.error }, 400);
      result = await revokeKeyId(deps, body.key_id, body.reason, instance.value);
    }
    c.executionCtx.waitUntil(services.notifications.flush());
    services.log.info("manual_revocation", {
      request_id: requestId,
      by: "secret" in body ? "secret" : "key_id",
      token_hash: result.token_hash,
      outcome: result.outcome,
    });
    return c.json(result, STATUS[result.outcome]);
  },
);
