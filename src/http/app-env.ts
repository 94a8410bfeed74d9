/**
 * @module
 * The Hono environment shared by the app and its routes.
 */
import type { RequestIdVariables } from "hono/request-id";
import type { SecureHeadersVariables } from "hono/secure-headers";
import type { UseCases } from "../use-cases/use-cases";
import type { Operator } from "./console/operator";

/** Bindings and per-request variables. */
export type AppEnv = {
  Bindings: Env;
  Variables: RequestIdVariables &
    SecureHeadersVariables & {
      useCases: UseCases;
      receivedAt: number;
      /** The console's signed-in operator, set by its sign-in check; absent everywhere else. */
      operator?: Operator;
    };
};
