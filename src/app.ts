/**
 * @module
 * Builds the Hono app: routes mounted, errors mapped to HTTP in one place.
 */
import { Hono } from "hono";
import { healthRoutes } from "./routes/health";

/** The Worker's HTTP surface. */
export function createApp() {
  const app = new Hono<{ Bindings: Env }>();
  app.route("/health", healthRoutes);
  return app;
}
