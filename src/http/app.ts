/**
 * @module
 * Builds the Hono app: request ids, configuration, routes, and errors mapped to HTTP in one place.
 */

import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
// hono/tiny: the small PatternRouter suits a dozen routes and keeps the bundle ~2 KiB gzip lighter.
import { Hono } from "hono/tiny";
import { readConfig } from "../config/config";
import { consoleLogger } from "../lib/log";
import { buildServices } from "../wiring";
import type { AppEnv } from "./app-env";
import { alertRoutes } from "./routes/alerts";
import { healthRoutes } from "./routes/health";
import { incidentRoutes } from "./routes/incidents";
import { revocationRoutes } from "./routes/revocations";

/** The Worker's HTTP surface. */
export function createApp() {
  const app = new Hono<AppEnv>();

  app.use(async (c, next) => {
    c.set("receivedAt", Date.now());
    await next();
  });
  app.use(requestId());
  app.route("/health", healthRoutes);

  app.use("/v1/*", async (c, next) => {
    const config = readConfig(c.env);
    if (!config.ok) {
      // Names the bad variables, never their values.
      consoleLogger.error("config_invalid", { request_id: c.var.requestId, problems: config.error });
      return c.json({ error: "autorevoke is misconfigured; see the Worker's logs." }, 503);
    }
    c.set("services", buildServices(c.env, config.value));
    await next();
  });
  app.route("/v1/alerts", alertRoutes);
  app.route("/v1/incidents", incidentRoutes);
  app.route("/v1/revocations", revocationRoutes);

  app.notFound((c) => c.json({ error: "Not found." }, 404));
  app.onError((error, c) => {
    if (error instanceof HTTPException) return error.getResponse();
    // Only the error's name: messages from deep in a stack may quote input.
    consoleLogger.error("unhandled_error", { request_id: c.var.requestId, error: error.name });
    return c.json({ error: "Internal error." }, 500);
  });
  return app;
}
