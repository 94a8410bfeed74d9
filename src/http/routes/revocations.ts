/**
 * @module
 * `POST /v1/revocations`: revoke a key now, by leaked secret or by key id. Bearer-authenticated. The
 * secret is handled like an alert's token: hashed, sealed, never logged, never echoed.
 */

import { bodyLimit } from "hono/body-limit";
import { Hono } from "hono/tiny";
import type { ManualOutcome } from "../../use-cases/revoke-manually";
import { adminAuth } from "../admin-auth";
import type { AppEnv } from "../app-env";
import { refuse } from "../errors";
import { RevocationRequestSchema } from "../requests";
import { toRevocationResult } from "../responses";
import { requireJson, valid } from "../validate";

/** Largest revocation body: a secret, a key id and a reason fit in far less. */
export const REVOCATION_BODY_LIMIT_BYTES = 4 * 1024;

/**
 * Each outcome's status. Not refusals: every one answers the incident as it now stands, so a client that reads only
 * the status still learns whether the key is dead (200), on its way (202), unknown to Clerk (404) or not revoked (502).
 */
const STATUS: Record<ManualOutcome, 200 | 202 | 404 | 502> = {
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
    onError: () => refuse({ kind: "body_too_large", limitBytes: REVOCATION_BODY_LIMIT_BYTES }),
  }),
  requireJson,
  valid("json", RevocationRequestSchema),
  async (c) => {
    const { useCases, requestId } = c.var;
    const body = c.req.valid("json");
    const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
    let result: Awaited<ReturnType<typeof useCases.revokeSecret>>;
    if ("secret" in body) result = await useCases.revokeSecret(body.secret, body.reason, waitUntil);
    else {
      const byId = await useCases.revokeKeyId(body.key_id, body.reason, body.instance, waitUntil);
      if (!byId.ok) refuse({ kind: "instance", error: byId.error });
      result = byId.value;
    }
    useCases.log.info("manual_revocation", {
      request_id: requestId,
      by: "secret" in body ? "secret" : "key_id",
      token_hash: result.tokenHash,
      outcome: result.outcome,
    });
    return c.json(toRevocationResult(result), STATUS[result.outcome]);
  },
);
