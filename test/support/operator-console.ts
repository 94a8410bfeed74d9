/**
 * Drives the operators' console from inside the Workers runtime: requests as a browser on the console's own origin
 * would send them (forms, `Origin`, the session cookie), sign-in with ADMIN_TOKEN, and Cloudflare Access tokens from
 * the Access stand-in (dev/access-standin.ts, behind `<label>.access.test`).
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../../src";

/** The origin the tests' requests are addressed to; a same-origin form posts with it as `Origin`. */
export const ORIGIN = "http://autorevoke.test";
/** The admin token vitest.config.ts binds. */
export const ADMIN_TOKEN = "test-admin-token-0123456789abcdef0123";
/** The audience every Access stand-in signs for (dev/outbound.ts `TEST_ACCESS_AUD`). */
export const ACCESS_AUD = "autorevoke-test-access-audience-0123456789abcdef";

let lastIp = 0;
/** A client IP of its own, so one test's failed sign-ins never count against another's. */
export const freshIp = () => `203.0.113.${(++lastIp % 250) + 1}`;

export interface ConsoleCall {
  method?: "GET" | "POST";
  /** Form fields, sent as `application/x-www-form-urlencoded`. */
  form?: Record<string, string>;
  /** The session cookie's `name=value`, or any Cookie header. */
  cookie?: string;
  /** `Origin`; a POST gets the console's own unless this says otherwise (`null`: none). */
  origin?: string | null;
  headers?: Record<string, string>;
  ip?: string;
}

/** A request as a browser on the console would send it. */
export function consoleRequest(path: string, call: ConsoleCall = {}): Request {
  const method = call.method ?? (call.form ? "POST" : "GET");
  const headers = new Headers(call.headers);
  headers.set("CF-Connecting-IP", call.ip ?? freshIp());
  if (call.cookie) headers.set("Cookie", call.cookie);
  const origin = call.origin === undefined ? (method === "POST" ? ORIGIN : null) : call.origin;
  if (origin !== null) headers.set("Origin", origin);
  let body: string | undefined;
  if (call.form) {
    body = new URLSearchParams(call.form).toString();
    headers.set("Content-Type", "application/x-www-form-urlencoded");
  }
  return new Request(`${ORIGIN}${path}`, { method, headers, body, redirect: "manual" });
}

/** Sends `request` to the Worker under `workerEnv` (default: the test env) and waits for what it left running. */
export async function send(request: Request, workerEnv: Env = env): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(request, workerEnv, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** The `name=value` of a Set-Cookie header, for sending back. */
export function cookieOf(res: Response): string {
  const set = res.headers.get("Set-Cookie");
  if (!set) throw new Error("no Set-Cookie");
  return set.split(";")[0] ?? "";
}

/** Signs in with the token and returns the session cookie. */
export async function signIn(workerEnv: Env = env, token = ADMIN_TOKEN): Promise<string> {
  const res = await send(consoleRequest("/console/sign-in", { form: { token } }), workerEnv);
  if (res.status !== 303) throw new Error(`sign-in answered ${res.status}`);
  return cookieOf(res);
}

/** The test env with Cloudflare Access switched on for the team behind `host` (a `*.access.test` name). */
export function envWithAccess(host: string, overrides: Record<string, string> = {}): Env {
  return { ...env, ACCESS_TEAM_DOMAIN: `https://${host}`, ACCESS_AUD, ...overrides } as Env;
}

/** A token from the Access stand-in at `host`: good, or spoiled as `claims` and `forge` say. */
export async function accessToken(
  host: string,
  claims: Record<string, string | number> = {},
  forge = false,
): Promise<string> {
  const res = await fetch(`https://${host}/__standin/sign`, {
    method: "POST",
    body: JSON.stringify({ claims, forge }),
    headers: { "content-type": "application/json" },
  });
  if (!res.ok) throw new Error(`access stand-in answered ${res.status}`);
  return ((await res.json()) as { token: string }).token;
}

/** How often the Access stand-in at `host` has served its key set. */
export async function keySetFetches(host: string): Promise<number> {
  const res = await fetch(`https://${host}/__standin/fetches`);
  return ((await res.json()) as { fetches: number }).fetches;
}
