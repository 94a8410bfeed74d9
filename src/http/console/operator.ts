/**
 * @module
 * Who is at the console, as far as the Worker can tell: set by the console's sign-in check (console-auth.ts) in
 * `c.var.operator`, shown on every page.
 */

/** A signed-in operator. */
export type Operator =
  /** Vouched for by Cloudflare Access: a person's email, or a service token's common name. */
  | { via: "access"; name: string }
  /** Signed in with ADMIN_TOKEN: anyone who holds the token, so no name. */
  | { via: "token" };
