/**
 * @module
 * `POST /v1/revocations`: revoke a key now, by leaked secret or by key id. Bearer-authenticated. The
 * secret is handled like an alert's token: hashed, sealed, never logged, never echoed.
 */

import { bodyLimit } from "hono/body-limit";
import { Hono } from "hono/tiny";
import { MANUAL_DEADLINE_MS } from "../../domain/deadlines";
import { REVOCATION_REASON } from "../../domain/outcome";
import type { ManualOutcome } from "../../use-cases/revoke-manually";
import { adminAuth } from "../admin-auth";
import type { AppEnv } from "../app-env";
import { refuse } from "../errors";
import { describeRoute, json, shared } from "../openapi/describe-route";
import { OPERATOR_ROUTE, OPERATOR_WRITE_REFUSALS } from "../openapi/operator-routes";
import { RevocationRequestSchema } from "../requests";
import { ErrorSchema, RevocationResultSchema, toRevocationResult } from "../responses";
import { requireJson, valid } from "../validate";

/** Largest revocation body: a secret (a JWT of up to 4,096 characters among them), an id and a reason fit. */
export const REVOCATION_BODY_LIMIT_BYTES = 8 * 1024;

/**
 * Each outcome's status. Not refusals: every one answers the incident as it now stands, so a client that reads only
 * the status still learns whether the key is dead (200), on its way (202), unknown to Clerk (404), a JWT nothing can
 * revoke (409) or not revoked (502).
 */
const STATUS: Record<ManualOutcome, 200 | 202 | 404 | 409 | 502> = {
  revoked: 200,
  already_revoked: 200,
  cannot_be_revoked: 409,
  queued: 202,
  not_found: 404,
  failed: 502,
};

/** Revocation routes, mounted at `/v1/revocations`. */
export const revocationRoutes = new Hono<AppEnv>().use(adminAuth()).post(
  "/",
  describeRoute({
    ...OPERATOR_ROUTE,
    operationId: "revoke",
    summary: "Revoke a credential now, by leaked secret or by id; rotate a machine's secret key",
    description:
      "Records an incident with sender `manual` and resolves it through the same resolver as alerts, drawing on the " +
      "same shared pace of Clerk calls, with an alert's priority. By secret, the incident is keyed by SHA-256 of the " +
      "secret, as for alerts; by key id, by SHA-256 of `key_id:<id>`. Clerk unavailable or its budget spent for the " +
      `next ${MANUAL_DEADLINE_MS / 1000} s: 202, the queue finishes it (with the default reason).`,
    responses: {
      200: json("Revoked now, or earlier", RevocationResultSchema),
      202: json("Clerk is unavailable or rate-limited; queued", RevocationResultSchema),
      400: shared("BadRequest"),
      ...OPERATOR_WRITE_REFUSALS,
      404: json("Clerk knows no such secret or key (or the API is off)", RevocationResultSchema),
      413: json(`The body exceeds ${REVOCATION_BODY_LIMIT_BYTES} bytes`, ErrorSchema),
      415: json("The body is not application/json", ErrorSchema),
      409: json(
        "A JWT-format token the instance issued: Clerk cannot revoke it, and it works until it expires (the incident says when)",
        RevocationResultSchema,
      ),
      502: json("Clerk refused the revocation; the incident is failed", RevocationResultSchema),
    },
  }),
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
      // A machine's rotation takes no reason: Clerk records none for it.
      const [id, reason] =
        "machine_id" in body ? [body.machine_id, REVOCATION_REASON] : [body.key_id, body.reason];
      const byId = await useCases.revokeKeyId(id, reason, body.instance, waitUntil);
      if (!byId.ok) refuse({ kind: "instance", error: byId.error });
      result = byId.value;
    }
    useCases.log.info("manual_revocation", {
      request_id: requestId,
      by: "secret" in body ? "secret" : "machine_id" in body ? "machine_id" : "key_id",
      token_hash: result.tokenHash,
      outcome: result.outcome,
    });
    return c.json(toRevocationResult(result), STATUS[result.outcome]);
  },
);
