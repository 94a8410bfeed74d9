/**
 * @module
 * The answer of a route whose optional feature a bad setting has switched off (config.ts, `misconfigured`): 503 with
 * a generic body, so a caller learns nothing about the configuration, and `config_invalid` in the log, naming the
 * variables but never their values. 503 rather than 404: the route exists, and a sender that retries should.
 */
import type { Context } from "hono";
import type { Feature } from "../config/config";
import type { AppEnv } from "./app-env";

/** The body of every switched-off feature's answer. */
export const FEATURE_OFF_ERROR = "This feature is misconfigured; see the Worker's logs.";

/** The 503 answer when `feature` is switched off by a bad setting; `undefined` when it is not. */
export function featureOff<E extends AppEnv>(c: Context<E>, feature: Feature): Response | undefined {
  const { services, requestId } = c.var;
  const problems = services.config.misconfigured[feature];
  if (problems === undefined) return undefined;
  services.log.error("config_invalid", { request_id: requestId, feature, problems });
  return c.json({ error: FEATURE_OFF_ERROR }, 503);
}
