/**
 * @module
 * `POST /v1/rechecks`: check again, with Clerk, every `not_found` verdict given since a time, after a misconfiguration
 * (another instance's secret key, a wrong CLERK_API_URL) may have produced them. Bearer-authenticated; thin.
 */
import { bodyLimit } from "hono/body-limit";
import { Hono } from "hono/tiny";
import { RECHECK_CHUNK, RECHECK_CHUNK_INTERVAL_SECONDS } from "../../domain/recheck-pace";
import { adminAuth } from "../admin-auth";
import type { AppEnv } from "../app-env";
import { refuse } from "../errors";
import { describeRoute, json, shared } from "../openapi/describe-route";
import { OPERATOR_ROUTE, OPERATOR_WRITE_REFUSALS } from "../openapi/operator-routes";
import { RecheckRequestSchema } from "../requests";
import { ErrorSchema, type RecheckResult, RecheckResultSchema } from "../responses";
import { requireJson, valid } from "../validate";

/** Largest body: a timestamp fits in far less. */
export const RECHECK_BODY_LIMIT_BYTES = 1024;

/** Re-check routes, mounted at `/v1/rechecks`. */
export const recheckRoutes = new Hono<AppEnv>().use(adminAuth()).post(
  "/",
  describeRoute({
    ...OPERATOR_ROUTE,
    operationId: "recheck_not_found",
    summary: "Check every not-found verdict since a time with Clerk again",
    description:
      "Each `not_found` incident whose verdict was given at or after `since`, and whose sealed secret (or key id) is " +
      "kept, goes back to `pending` with no label and is queued: the queue verifies it again under the instances' " +
      `shared pace, at background priority. ${RECHECK_CHUNK} incidents per chunk; this request runs the first, and ` +
      `each later chunk follows on the queue ${RECHECK_CHUNK_INTERVAL_SECONDS} s after the one before.`,
    responses: {
      202: json("The first chunk is reopened and queued", RecheckResultSchema),
      400: shared("BadRequest"),
      ...OPERATOR_WRITE_REFUSALS,
      413: json(`The body exceeds ${RECHECK_BODY_LIMIT_BYTES} bytes`, ErrorSchema),
      415: json("The body is not application/json", ErrorSchema),
    },
  }),
  bodyLimit({
    maxSize: RECHECK_BODY_LIMIT_BYTES,
    onError: () => refuse({ kind: "body_too_large", limitBytes: RECHECK_BODY_LIMIT_BYTES }),
  }),
  requireJson,
  valid("json", RecheckRequestSchema),
  async (c) => {
    const { useCases, requestId } = c.var;
    const { since } = c.req.valid("json");
    const progress = await useCases.recheckNotFound(since);
    useCases.log.info("recheck_started", { request_id: requestId, since, ...progress });
    const body: RecheckResult = { since: new Date(since).toISOString(), ...progress };
    return c.json(body, 202);
  },
);
