/**
 * @module
 * A stand-in for the key owner's webhook endpoint (NOTIFY_URL): it records every delivery (headers and
 * raw body) and can be told to fail, so tests can verify signatures, inspect payloads and watch retries.
 * Control API under `/__standin/`: `GET received`, `POST reset`, `POST fail` `{status, times}`.
 * Web-standard APIs only: it runs in Node (Miniflare's outbound service, `npm start`) and in workerd.
 */
import * as v from "valibot";
import { jsonResponse } from "./standin-util.ts";

/** One delivery as received. */
export interface Delivery {
  at: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** The status this stand-in answered. */
  status: number;
}

const FailSchema = v.strictObject({
  status: v.pipe(v.number(), v.integer(), v.minValue(400), v.maxValue(599)),
  times: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 1),
});

/** A webhook receiver stand-in. */
export interface WebhookReceiver {
  handle(request: Request): Promise<Response>;
  deliveries(): Delivery[];
  reset(): void;
}

const CONTROL_PREFIX = "/__standin/";

/** Builds a receiver. */
export function createWebhookReceiver(): WebhookReceiver {
  let received: Delivery[] = [];
  let failing: { status: number; left: number } | undefined;

  async function control(request: Request, path: string): Promise<Response> {
    if (request.method === "GET" && path === "received") return jsonResponse(200, received);
    if (request.method === "POST" && path === "reset") {
      received = [];
      failing = undefined;
      return jsonResponse(200, { ok: true });
    }
    if (request.method === "POST" && path === "fail") {
      const input = v.safeParse(FailSchema, await request.json().catch(() => undefined));
      if (!input.success) return jsonResponse(400, { error: "invalid failure" });
      failing = { status: input.output.status, left: input.output.times };
      return jsonResponse(200, { ok: true });
    }
    return jsonResponse(404, { error: "no such control route" });
  }

  return {
    async handle(request) {
      const url = new URL(request.url);
      if (url.pathname.startsWith(CONTROL_PREFIX))
        return control(request, url.pathname.slice(CONTROL_PREFIX.length));
      let status = 204;
      if (failing && failing.left > 0) {
        status = failing.status;
        failing.left--;
      }
      received.push({
        at: Date.now(),
        method: request.method,
        path: url.pathname,
        headers: Object.fromEntries(request.headers),
        body: await request.text(),
        status,
      });
      return status === 204
        ? new Response(null, { status })
        : jsonResponse(status, { error: "scripted failure" });
    },
    deliveries: () => [...received],
    reset() {
      received = [];
      failing = undefined;
    },
  };
}
