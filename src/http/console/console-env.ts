/**
 * @module
 * Who is at the console, and the Hono environment its routes use (the app's: the CSP nonce and the operator are
 * among its variables).
 */
import type { AppEnv } from "../app-env";

/** Who is at the console, as far as the Worker can tell. */
export type Operator =
  /** Vouched for by Cloudflare Access: a person's email, or a service token's common name. */
  | { via: "access"; name: string }
  /** Signed in with ADMIN_TOKEN: anyone who holds the token, so no name. */
  | { via: "token" };

/** Bindings and per-request variables of console routes. */
export type ConsoleEnv = AppEnv;
