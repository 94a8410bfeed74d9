/**
 * @module
 * The Hono environment shared by the app and its routes.
 */
import type { RequestIdVariables } from "hono/request-id";
import type { SecureHeadersVariables } from "hono/secure-headers";
import type { UseCases } from "../use-cases/use-cases";

/**
 * Who is at the operators' console, as far as the Worker can tell: set by its sign-in check
 * (console/console-auth.ts), shown on every page. Declared here, not under console/, so that no route outside the
 * console (the alert route above all) reaches any console module, even for a type.
 */
export type Operator =
  /** Vouched for by Cloudflare Access: a person's email, or a service token's common name. */
  | { via: "access"; name: string }
  /** Signed in with ADMIN_TOKEN: anyone who holds the token, so no name. */
  | { via: "token" };

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
