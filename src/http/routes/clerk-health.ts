/**
 * @module
 * `GET /v1/health/clerk`: is each configured Clerk instance reachable, and does it take its secret key? For operators
 * after a deploy, or after changing the keys or CLERK_API_URL. Bearer-authenticated like every operators' route; thin:
 * call the use case, answer. Each request costs one Clerk call per instance, from the instance's shared budget.
 */
import { Hono } from "hono/tiny";
import { HEALTH_SLOT_MAX_WAIT_MS } from "../../domain/clerk-health";
import { adminAuth } from "../admin-auth";
import type { AppEnv } from "../app-env";
import { describeRoute, json } from "../openapi/describe-route";
import { OPERATOR_REFUSALS, OPERATOR_ROUTE } from "../openapi/operator-routes";
import { ClerkHealthSchema, toClerkHealth } from "../responses";

/** Health routes behind the operators' check, mounted at `/v1/health`. */
export const clerkHealthRoutes = new Hono<AppEnv>().use(adminAuth()).get(
  "/clerk",
  describeRoute({
    ...OPERATOR_ROUTE,
    operationId: "clerk_health",
    summary: "Each Clerk instance: ok, unauthorised, misrouted, unreachable, or not checked (paced)",
    description:
      "Asks every configured Clerk instance, side by side, for an API key that no key has " +
      "(`GET /api_keys/ak_000…0`, with the instance's secret key, through CLERK_API_URL): Clerk's own 404 or a 200 " +
      "is `ok`, 401/403 `unauthorised`, a 404 without Clerk's error body (or any answer that is not Clerk's key " +
      "route) `misrouted`, no answer, a timeout or a 5xx `unreachable`. Each check books a background slot in the " +
      `instance's Clerk budget first; with none free within ${HEALTH_SLOT_MAX_WAIT_MS} ms, or a 429 from Clerk, the ` +
      "instance is `paced`: not checked this time. Always 200; `status` is `ok` only when every instance is. " +
      "Names instances, never their keys.",
    responses: {
      200: json("Each instance's health", ClerkHealthSchema),
      ...OPERATOR_REFUSALS,
    },
  }),
  async (c) => {
    const instances = await c.var.useCases.checkClerkHealth();
    // A check is of this moment: no cache may answer the next one.
    return c.json(toClerkHealth(instances), 200, { "Cache-Control": "no-store" });
  },
);
