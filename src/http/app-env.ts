/**
 * @module
 * The Hono environment shared by the app and its routes.
 */
import type { RequestIdVariables } from "hono/request-id";
import type { UseCases } from "../use-cases/use-cases";

/** Bindings and per-request variables. */
export type AppEnv = {
  Bindings: Env;
  Variables: RequestIdVariables & { useCases: UseCases; receivedAt: number };
};
