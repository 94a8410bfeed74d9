/**
 * @module
 * `GET /v1/incidents`, `GET /v1/incidents/{token_hash}`, `POST /v1/incidents/{token_hash}/retry`: the
 * operators' view of the incident log. Bearer-authenticated; thin: validate, query, answer.
 */
import { Hono } from "hono/tiny";
import { createIncidentQueries } from "../../incidents/queries";
import { retryIncident } from "../../use-cases/retry-incident";
import { adminAuth } from "../admin-auth";
import type { AppEnv } from "../app-env";
import { encodeCursor } from "../cursor";
import { DEFAULT_PAGE_SIZE, IncidentListQuerySchema, TokenHashParamSchema } from "../requests";
import type { IncidentPage, RetryResult } from "../responses";
import { validParam, validQuery } from "../validate";

const NOT_FOUND = { error: "No such incident." };

/** Incident routes, mounted at `/v1/incidents`. */
export const incidentRoutes = new Hono<AppEnv>()
  .use(adminAuth())
  .get("/", validQuery(IncidentListQuerySchema), async (c) => {
    const { cursor, limit, ...filter } = c.req.valid("query");
    const page = await createIncidentQueries(c.env.DB).list(filter, cursor, limit ?? DEFAULT_PAGE_SIZE);
    const body: IncidentPage = { items: page.items, next_cursor: page.next ? encodeCursor(page.next) : null };
    return c.json(body);
  })
  .get("/:token_hash", validParam(TokenHashParamSchema), async (c) => {
    const detail = await createIncidentQueries(c.env.DB).detail(c.req.valid("param").token_hash);
    return detail ? c.json(detail) : c.json(NOT_FOUND, 404);
  })
  .post("/:token_hash/retry", validParam(TokenHashParamSchema), async (c) => {
    const { services, requestId } = c.var;
    const tokenHash = c.req.valid("param").token_hash;
    const result = await retryIncident(
      { queries: createIncidentQueries(c.env.DB), queue: services.queue, now: services.now },
      tokenHash,
    );
    services.log.info("incident_retry", { request_id: requestId, token_hash: tokenHash, result });
    switch (result) {
      case "unknown":
        return c.json(NOT_FOUND, 404);
      case "not_failed":
        return c.json({ error: "Only a failed incident can be retried." }, 409);
      case "requeued": {
        const body: RetryResult = { token_hash: tokenHash, status: "pending", outcome: "queued" };
        return c.json(body, 202);
      }
    }
  });
