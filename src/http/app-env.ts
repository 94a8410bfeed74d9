/**
 * @module
 * The Hono environment shared by the app and its routes.
 */
import type { RequestIdVariables } from "hono/request-id";
import type { Services } from "../wiring";

/** Bindings and per-request variables. */
export type AppEnv = {
  Bindings: Env;
  Variables: RequestIdVariables & { services: Services; receivedAt: number };
};
