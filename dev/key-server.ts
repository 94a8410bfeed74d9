/**
 * @module
 * A stand-in for a sender's public-key list (GitHub's `GET /meta/public_keys/secret_scanning`, and the same JSON at
 * GitLab and deps.dev): `{"public_keys":[{"key_identifier","key","is_current"}]}` at every GET path outside
 * `/__standin/`. The control API there adds keys, counts fetches and scripts failures, so tests inside workerd can
 * drive it through `fetch`. Web-standard APIs only.
 */
import * as v from "valibot";
import { jsonResponse, readJsonBody } from "./standin-util.ts";

/** One entry of the key list, in the wire shape. */
export const PublicKeyEntrySchema = v.strictObject({
  key_identifier: v.pipe(v.string(), v.minLength(1)),
  key: v.pipe(v.string(), v.minLength(1)),
  is_current: v.optional(v.boolean(), true),
});
export type PublicKeyEntryInput = v.InferInput<typeof PublicKeyEntrySchema>;
export type PublicKeyEntry = v.InferOutput<typeof PublicKeyEntrySchema>;

/**
 * How key-list fetches fail until cleared: `status` with a small JSON error body, or `body` served raw (with
 * `status` 200 by default) to test a malformed list. `times` limits it to that many fetches; forever otherwise.
 * `{ status: 0 }` clears it.
 */
export const KeyServerFailureSchema = v.strictObject({
  status: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(599))),
  body: v.optional(v.string()),
  times: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
});
export type KeyServerFailure = v.InferOutput<typeof KeyServerFailureSchema>;

export interface KeyServerStats {
  /** Key-list GETs answered, failed ones included. */
  fetches: number;
  /** Of those, how many carried an `Authorization` header (its value is not kept). */
  authorizedFetches: number;
}

export interface KeyServer {
  /** Answers one request: the key list, or the control API under `/__standin/`. */
  handle(request: Request): Promise<Response>;
  /** Adds a key to the list, replacing one with the same identifier. */
  addKey(entry: PublicKeyEntryInput): void;
  /** Makes the next fetches fail (see `KeyServerFailureSchema`); `undefined` clears it. */
  fail(failure: KeyServerFailure | undefined): void;
  /** Empties the list, the counters and any failure. */
  reset(): void;
  fetchCount(): number;
  stats(): KeyServerStats;
}

const CONTROL_PREFIX = "/__standin/";

/** Builds a key server holding its own state. */
export function createKeyServer(): KeyServer {
  let entries: PublicKeyEntry[] = [];
  let stats: KeyServerStats = { fetches: 0, authorizedFetches: 0 };
  let failure: { status: number; body?: string; left: number } | undefined;

  function addKey(input: PublicKeyEntryInput): void {
    const entry = v.parse(PublicKeyEntrySchema, input);
    entries = [...entries.filter((e) => e.key_identifier !== entry.key_identifier), entry];
  }

  function fail(next: KeyServerFailure | undefined): void {
    if (next === undefined || (next.status === 0 && next.body === undefined)) {
      failure = undefined;
      return;
    }
    const status = next.status || (next.body === undefined ? 500 : 200);
    failure = { status, left: next.times ?? Number.POSITIVE_INFINITY };
    if (next.body !== undefined) failure.body = next.body;
  }

  function reset(): void {
    entries = [];
    stats = { fetches: 0, authorizedFetches: 0 };
    failure = undefined;
  }

  function serveList(request: Request): Response {
    stats.fetches++;
    if (request.headers.has("authorization")) stats.authorizedFetches++;
    if (failure) {
      const { status, body } = failure;
      failure.left--;
      if (failure.left <= 0) failure = undefined;
      if (body !== undefined)
        return new Response(body, { status, headers: { "content-type": "application/json" } });
      return jsonResponse(status, { message: "Scripted failure from the key-server stand-in" });
    }
    return jsonResponse(200, { public_keys: entries });
  }

  async function control(request: Request, path: string): Promise<Response> {
    if (request.method === "GET" && path === "stats") return jsonResponse(200, stats);
    if (request.method !== "POST") return jsonResponse(404, { error: "no such control route" });
    if (path === "reset") {
      reset();
      return jsonResponse(200, { ok: true });
    }
    const body = await readJsonBody(request);
    const value = body.kind === "json" ? body.value : body.kind === "empty" ? {} : undefined;
    if (path === "keys") {
      const input = v.safeParse(PublicKeyEntrySchema, value);
      if (!input.success) return jsonResponse(400, { error: "invalid key entry" });
      addKey(input.output);
      return jsonResponse(200, { ok: true, keys: entries.length });
    }
    if (path === "fail") {
      const input = v.safeParse(KeyServerFailureSchema, value);
      if (!input.success) return jsonResponse(400, { error: "invalid failure" });
      fail(input.output);
      return jsonResponse(200, { ok: true });
    }
    return jsonResponse(404, { error: "no such control route" });
  }

  return {
    async handle(request) {
      const url = new URL(request.url);
      if (url.pathname.startsWith(CONTROL_PREFIX))
        return control(request, url.pathname.slice(CONTROL_PREFIX.length));
      if (request.method !== "GET" && request.method !== "HEAD") {
        return jsonResponse(405, { message: "Method not allowed" }, { allow: "GET" });
      }
      return serveList(request);
    },
    addKey,
    fail,
    reset,
    fetchCount: () => stats.fetches,
    stats: () => ({ ...stats }),
  };
}
