/**
 * @module
 * Who may use the console. Cloudflare Access first: with ACCESS_TEAM_DOMAIN and ACCESS_AUD set, every console request
 * must carry a valid `Cf-Access-Jwt-Assertion` (admin-auth.ts verifies it), and token sign-in is off, since Access is
 * the stronger gate and a second way in would only weaken it. Without Access, an operator signs in with ADMIN_TOKEN
 * and gets a session cookie (session.ts). With neither, the console does not exist (404). A half-configured or invalid
 * setting switches the console off (503) rather than falling back to a weaker sign-in.
 */
import type { Context, MiddlewareHandler } from "hono";
import { accessIdentity } from "../admin-auth";
import type { AppEnv } from "../app-env";
import { refuse } from "../errors";
import { refuseIfFeatureOff } from "../feature-off";
import { hasSession } from "./session";

/** Where an operator without a session is sent. */
export const SIGN_IN_PATH = "/console/sign-in";

/** How the console is signed into under the request's configuration; refuses when it is off. */
export function signInMode(c: Context<AppEnv>): "access" | "token" {
  const { config, access } = c.var.useCases;
  refuseIfFeatureOff(c, "access");
  if (access !== undefined) return "access";
  if (config.ADMIN_TOKEN !== undefined) return "token";
  refuseIfFeatureOff(c, "admin");
  return refuse({ kind: "no_such_route" });
}

/** Lets a signed-in operator through, and names them in `c.var.operator`. */
export function consoleAuth(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (signInMode(c) === "access") {
      const identity = await accessIdentity(c);
      if (!identity?.ok) return refuse({ kind: "access_denied" });
      const { email, commonName, subject } = identity.value;
      c.set("operator", { via: "access", name: email ?? commonName ?? subject });
      return next();
    }
    const token = c.var.useCases.config.ADMIN_TOKEN;
    if (token === undefined || !(await hasSession(c, token, Date.now())))
      return c.redirect(SIGN_IN_PATH, 303);
    c.set("operator", { via: "token" });
    return next();
  };
}
