/**
 * @module
 * `GET /v1/incidents`, `GET /v1/incidents/{token_hash}`, `POST /v1/incidents/{token_hash}/retry`: the
 * operators' view of the incident log. Bearer-authenticated; thin: validate, call the use case, answer.
 */
import { Hono } from "hono/tiny";
import { adminAuth } from "../admin-auth";
import type { AppEnv } from "../app-env";
import { encodeCursor } from "../cursor";
import { refuse } from "../errors";
import { describeRoute, json, shared } from "../openapi/describe-route";
import { OPERATOR_REFUSALS, OPERATOR_ROUTE, OPERATOR_WRITE_REFUSALS } from "../openapi/operator-routes";
import { DEFAULT_PAGE_SIZE, IncidentListQuerySchema, TokenHashParamSchema } from "../requests";
import {
  ErrorSchema,
  IncidentDetailSchema,
  type IncidentPage,
  IncidentPageSchema,
  type RetryResult,
  RetryResultSchema,
  toIncidentDetail,
  toIncidentItem,
} from "../responses";
import { valid } from "../validate";

/** Incident routes, mounted at `/v1/incidents`. */
export const incidentRoutes = new Hono<AppEnv>()
  .use(adminAuth())
  .get(
    "/",
    describeRoute({
      ...OPERATOR_ROUTE,
      operationId: "list_incidents",
      summary: "List incidents, newest first",
      description: "Filters combine with AND. Follow `next_cursor` for the next page.",
      responses: {
        200: json("A page of incidents", IncidentPageSchema),
        400: shared("BadRequest"),
        ...OPERATOR_REFUSALS,
      },
    }),
    valid("query", IncidentListQuerySchema),
    async (c) => {
      const { cursor, limit, ...filter } = c.req.valid("query");
      const page = await c.var.useCases.listIncidents(filter, cursor, limit ?? DEFAULT_PAGE_SIZE);
      const body: IncidentPage = {
        items: page.items.map(toIncidentItem),
        next_cursor: page.next ? encodeCursor(page.next) : null,
      };
      return c.json(body);
    },
  )
  .get(
    "/:token_hash",
    describeRoute({
      ...OPERATOR_ROUTE,
      operationId: "get_incident",
      summary: "An incident with its sightings and Clerk attempts",
      responses: {
        200: json("The incident", IncidentDetailSchema),
        400: shared("BadRequest"),
        ...OPERATOR_REFUSALS,
      },
    }),
    valid("param", TokenHashParamSchema),
    async (c) => {
      const history = await c.var.useCases.incidentHistory(c.req.valid("param").token_hash);
      if (!history) refuse({ kind: "no_such_incident" });
      return c.json(toIncidentDetail(history));
    },
  )
  .post(
    "/:token_hash/retry",
    describeRoute({
      ...OPERATOR_ROUTE,
      operationId: "retry_incident",
      summary: "Queue a failed incident again, or check a not-found one with Clerk again",
      responses: {
        202: json("Back to pending with its attempts and give-up clock reset, and queued", RetryResultSchema),
        400: shared("BadRequest"),
        ...OPERATOR_WRITE_REFUSALS,
        409: json(
          "The incident is neither failed nor a not-found one that can be checked again",
          ErrorSchema,
        ),
      },
    }),
    valid("param", TokenHashParamSchema),
    async (c) => {
      const { useCases, requestId } = c.var;
      const tokenHash = c.req.valid("param").token_hash;
      const result = await useCases.retryIncident(tokenHash);
      useCases.log.info("incident_retry", { request_id: requestId, token_hash: tokenHash, result });
      if (result === "unknown") refuse({ kind: "no_such_incident" });
      if (result === "not_retryable") refuse({ kind: "not_retryable" });
      const body: RetryResult = { token_hash: tokenHash, status: "pending", outcome: "queued" };
      return c.json(body, 202);
    },
  );
