/**
 * @module
 * `POST /v1/machines/refresh`: list the machines of every Clerk instance now and read the secret key hashes never read
 * (then the oldest), so a machine created since the hourly refresh is recognised when its secret leaks. Only hashes
 * are kept, and none is answered. Bearer-authenticated; thin.
 */
import { Hono } from "hono/tiny";
import { adminAuth } from "../admin-auth";
import type { AppEnv } from "../app-env";
import { describeRoute, json } from "../openapi/describe-route";
import { OPERATOR_ROUTE, OPERATOR_WRITE_REFUSALS } from "../openapi/operator-routes";
import { type MachineRefresh, MachineRefreshSchema } from "../responses";

/** Machine routes, mounted at `/v1/machines`. */
export const machineRoutes = new Hono<AppEnv>().use(adminAuth()).post(
  "/refresh",
  describeRoute({
    ...OPERATOR_ROUTE,
    operationId: "refresh_machine_secrets",
    summary: "Read every Clerk instance's machines and their secret key hashes now",
    description:
      "Machine secret keys start `ak_` like API key secrets, and Clerk's API key verify does not know them; " +
      "autorevoke recognises a leaked one by the SHA-256 of each machine's secret key, which the cron reads every " +
      "hour. This lists the machines now and reads up to 30 hashes per instance, those never read first, at " +
      "background priority in each instance's pace.",
    responses: {
      200: json("What each instance's refresh did", MachineRefreshSchema),
      ...OPERATOR_WRITE_REFUSALS,
    },
  }),
  async (c) => {
    const { useCases, requestId } = c.var;
    const results = await useCases.refreshMachineSecrets({ force: true });
    const body: MachineRefresh = {
      instances: results.map((r) => ({
        name: r.instance,
        machines: r.listed,
        hashed: r.hashed,
        ...(r.stopped ? { stopped: r.stopped } : {}),
      })),
    };
    useCases.log.info("machine_refresh_requested", { request_id: requestId });
    return c.json(body, 200);
  },
);
