/**
 * @module
 * The middleware in front of every Clerk API route: it logs the call, enforces the rate limit, plays the fault script
 * and the latency, and reads the body once for the route behind it. A scripted status or hang answers here, before
 * authentication, because the faults it plays (a 503, a lost connection) happen in front of Clerk, not inside it.
 */
import { createMiddleware } from "hono/factory";
import { type JsonBody, readJsonBody, sha256Hex, sleep } from "../standin-util.ts";
import { clientClosed, gatewayTimeout, scriptedError } from "./clerk-errors.ts";
import type { ClerkFault, ClerkOperation } from "./fault-script.ts";
import type { StandinState } from "./state.ts";

/** What the middleware hands the route behind it. */
export interface ClerkApiEnv {
  Variables: {
    /** The request body, read once; `empty` for GET. */
    body: JsonBody;
  };
}

const NO_BODY: JsonBody = { kind: "empty" };

/** The middleware for routes serving `operation`; `unknown` routes are logged and delayed but never limited or faulted. */
export function scriptedTraffic(state: StandinState, operation: ClerkOperation | "unknown") {
  return createMiddleware<ClerkApiEnv>(async (c, next) => {
    const request = c.req.raw;
    const call = state.calls.record({
      method: request.method,
      path: new URL(request.url).pathname,
      operation,
      keyId:
        c.req.param("apiKeyID") ??
        c.req.param("m2mTokenID") ??
        c.req.param("machineID") ??
        c.req.param("oauthApplicationID") ??
        c.req.param("userID") ??
        c.req.param("organizationID"),
    });
    const answer = (response: Response) => {
      call.status = response.status;
      return response;
    };

    let fault: ClerkFault | undefined;
    if (operation !== "unknown") {
      // Counted and taken on arrival, before any await, so concurrent requests see the limit and consume the script
      // in arrival order.
      const retryAfter = state.rateLimit.take();
      if (retryAfter !== undefined) return answer(scriptedError(429, retryAfter));
      fault = state.faults.take(operation);
      if (fault) call.fault = fault;
    }
    const signals = [request.signal, state.resetSignal()];

    const body = request.method === "GET" ? NO_BODY : await readJsonBody(request);
    c.set("body", body);
    if (body.kind === "json") {
      const value: unknown = body.value;
      if (operation === "verify" && isRecord(value) && typeof value.secret === "string") {
        call.secretSha256 = await sha256Hex(value.secret);
      } else if (operation === "m2m_verify" && isRecord(value) && typeof value.token === "string") {
        call.secretSha256 = await sha256Hex(value.token);
      } else if (operation === "oauth_verify" && isRecord(value)) {
        const token = value.access_token ?? value.secret;
        if (typeof token === "string") call.secretSha256 = await sha256Hex(token);
      } else if (operation === "oauth_revoke") {
        // revoke_token's body is the token itself: only its hash may be logged.
        if (isRecord(value) && typeof value.token === "string")
          call.secretSha256 = await sha256Hex(value.token);
      } else if (
        operation === "revoke" ||
        operation === "m2m_revoke" ||
        operation === "machine_rotate" ||
        operation === "create"
      ) {
        call.body = value;
      }
    }

    const latencyMs = state.latencyMs();
    if (latencyMs > 0 && !(await sleep(latencyMs, signals))) return answer(clientClosed());
    if (fault && "status" in fault) return answer(scriptedError(fault.status, fault.retryAfterSeconds));
    if (fault && !fault.afterEffect) {
      return answer((await sleep(fault.hangMs, signals, true)) ? gatewayTimeout() : clientClosed());
    }
    await next();
    // The operation is done; only its answer hangs (`afterEffect`).
    if (fault && !(await sleep(fault.hangMs, signals, true))) c.res = clientClosed();
    call.status = c.res.status;
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
