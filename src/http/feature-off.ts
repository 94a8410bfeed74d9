/**
 * @module
 * A route whose optional feature a bad setting has switched off (config.ts, `misconfigured`) is refused with 503 and
 * a generic body, so a caller learns nothing about the configuration, and `config_invalid` goes to the log, naming
 * the variables but never their values.
 */
import type { Context } from "hono";
import type { Feature } from "../config/config";
import type { AppEnv } from "./app-env";
import { refuse } from "./errors";

/** Refuses the request when `feature` is switched off by a bad setting; returns when it is not. */
export function refuseIfFeatureOff<E extends AppEnv>(c: Context<E>, feature: Feature): void {
  const { useCases, requestId } = c.var;
  const problems = useCases.config.misconfigured[feature];
  if (problems === undefined) return;
  useCases.log.error("config_invalid", { request_id: requestId, feature, problems });
  refuse({ kind: "feature_off" });
}
