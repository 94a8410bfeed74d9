/**
 * @module
 * `GET /health`: liveness for load balancers and uptime checks. It touches no binding, so it
 * stays cheap and doubles as the benchmark baseline.
 */
import { Hono } from "hono/tiny";
import { describeRoute, json } from "../openapi/describe-route";
import { type Health, HealthSchema } from "../responses";

/** Routes for `/health`. */
export const healthRoutes = new Hono().get(
  "/",
  describeRoute({
    tags: ["service"],
    operationId: "health",
    summary: "Liveness",
    responses: { 200: json("The Worker is up", HealthSchema) },
  }),
  (c) => {
    const body: Health = { status: "ok" };
    return c.json(body);
  },
);
