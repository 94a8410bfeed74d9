/**
 * @module
 * `GET /health`: liveness for load balancers and uptime checks. It touches no binding, so it
 * stays cheap and doubles as the benchmark baseline.
 */
import { Hono } from "hono/tiny";

/** Routes for `/health`. */
export const healthRoutes = new Hono().get("/", (c) => c.json({ status: "ok" }));
