/**
 * @module
 * Builds the Hono app: request ids, the use cases for the request, routes, and every refusal rendered in one place
 * (errors.ts). It is handed the way to build use cases, so the HTTP layer never reaches below them.
 */
import type { MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
// hono/tiny: the small PatternRouter suits a dozen routes and keeps the bundle ~2 KiB gzip lighter.
import { Hono } from "hono/tiny";
import type { Logger } from "../lib/log";
import type { Result } from "../lib/result";
import type { UseCases } from "../use-cases/use-cases";
import type { AppEnv } from "./app-env";
import { consoleRoutes } from "./console/console-routes";
import { renderProblemPage } from "./console/problem-page";
import { consoleHeaders } from "./console/security-headers";
import { type Problem, Refusal, refuse, render } from "./errors";
import { alertRoutes } from "./routes/alerts";
import { clerkHealthRoutes } from "./routes/clerk-health";
import { githubAppRoutes } from "./routes/github-app";
import { gitlabRevocationRoutes } from "./routes/gitlab-revocation";
import { healthRoutes } from "./routes/health";
import { incidentRoutes } from "./routes/incidents";
import { machineRoutes } from "./routes/machines";
import { recheckRoutes } from "./routes/rechecks";
import { revocationRoutes } from "./routes/revocations";

const isConsolePath = (path: string) => path === "/console" || path.startsWith("/console/");

/** Builds the use cases for a request's env, or names the configuration's problems (never their values). */
export type UseCasesFor = (env: Env) => Result<UseCases, string>;

/** The Worker's HTTP surface. */
export function createApp(useCasesFor: UseCasesFor, log: Logger) {
  const app = new Hono<AppEnv>();

  app.use(async (c, next) => {
    c.set("receivedAt", Date.now());
    await next();
  });
  app.use(requestId());
  app.route("/health", healthRoutes);

  const withUseCases: MiddlewareHandler<AppEnv> = async (c, next) => {
    const useCases = useCasesFor(c.env);
    if (!useCases.ok) {
      // Names the bad variables, never their values.
      log.error("config_invalid", { request_id: c.var.requestId, problems: useCases.error });
      refuse({ kind: "misconfigured" });
    }
    c.set("useCases", useCases.value);
    await next();
  };
  app.use("/v1/*", withUseCases);
  app.route("/v1/alerts", alertRoutes);
  app.route("/v1/incidents", incidentRoutes);
  app.route("/v1/revocations", revocationRoutes);
  app.route("/v1/rechecks", recheckRoutes);
  app.route("/v1/machines", machineRoutes);
  app.route("/v1/health", clerkHealthRoutes);
  app.route("/v1/gitlab", gitlabRevocationRoutes);
  app.route("/v1/github-app", githubAppRoutes);

  // The operators' console. Its headers go first so that even a refusal page carries the CSP. The alert route above
  // never reaches any of it.
  app.use("/console/*", consoleHeaders(), withUseCases);
  app.route("/console", consoleRoutes);

  app.notFound(() => refuse({ kind: "no_such_route" }));
  app.onError((error, c) => {
    let problem: Problem;
    if (error instanceof Refusal) problem = error.problem;
    // Hono's validator throws this for a JSON body that does not parse; its message would say so, and no more.
    else if (error instanceof HTTPException && error.status === 400)
      problem = { kind: "invalid_input", target: "json", fields: [] };
    else {
      // Only the error's name: messages from deep in a stack may quote input.
      log.error("unhandled_error", { request_id: c.var.requestId, error: error.name });
      problem = { kind: "internal" };
    }
    if (isConsolePath(c.req.path)) return renderProblemPage(c, problem);
    const { status, body, headers } = render(problem);
    return c.json(body, status, headers);
  });
  return app;
}
