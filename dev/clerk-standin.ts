/**
 * @module
 * A stand-in for Clerk's Backend API `/api_keys*` endpoints, following ../shared/reference/clerk-bapi-api-keys.yml:
 * verify, revoke, get and create, with Bearer auth, valibot body validation and `ClerkErrors` bodies, every response
 * typed exactly `application/json`. Paths sit at the root (`/api_keys/...`), as `@clerk/backend` calls them.
 *
 * For tests it adds a fault script (statuses, 429 with `Retry-After`, hangs), a per-request latency and a call log
 * that keeps only the SHA-256 of verified secrets. A control API under `/__standin/` drives it over HTTP, so tests
 * running inside workerd can reach it through `fetch`. It never writes to the console.
 *
 * Choices where the spec is silent (not checked against the live API):
 * - Revoking an already revoked key answers 200 with the key unchanged (first reason and `updated_at` kept): revoke
 *   is a state transition that is already done, the usual idempotent answer. Script `{ status: 400, path: "revoke" }`
 *   to test a stricter server.
 * - Verify answers the same 404 for unknown, revoked and expired secrets, so a caller cannot tell them apart.
 * - A successful verify sets `last_used_at`; secrets are stored only as SHA-256.
 * - Error codes follow Clerk's style (`resource_not_found`, `form_param_unknown`, ...) but are best guesses.
 * - Rotating the instance secret key: `POST /__standin/secret-keys {"secret_keys": [...]}` sets the keys accepted from
 *   then on (Clerk lets an instance hold several while callers move over); a reset goes back to `secretKey`.
 */
import * as v from "valibot";
import {
  API_KEY_PATH_ID_PATTERN,
  type ApiKeyJson,
  CreateBodySchema,
  type CreatedApiKeyJson,
  RevokeBodySchema,
  VerifyBodySchema,
} from "./clerk-schemas.ts";
import {
  BASE62_ALPHABET,
  jsonResponse,
  randomHex,
  randomString,
  readJsonBody,
  sha256Hex,
  sleep,
} from "./standin-util.ts";

/** Length of the random part of generated secrets (`ak_` + base62). Clerk publishes no length or alphabet. */
export const SECRET_RANDOM_CHARS = 40;
/** `Retry-After` sent with a scripted 429 that names no value. */
export const DEFAULT_RETRY_AFTER_SECONDS = 1;
/** Non-standard status recorded for a hang the client (or a reset) cut short. */
export const CLIENT_CLOSED_STATUS = 499;

/** The Clerk operations the stand-in serves; a fault's `path` filter names one of them. */
export type ClerkOperation = "verify" | "revoke" | "get" | "create";

const OperationSchema = v.picklist(["verify", "revoke", "get", "create"]);
const TimesSchema = v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)));

/**
 * One entry of a fault script. Entries are consumed in order: each Clerk request takes the first entry whose `path`
 * matches it (any request when `path` is absent), `times` requests per entry (default 1).
 * - `{ status }`: answer that status with a `ClerkErrors` body and no effect; `retryAfterSeconds` sets `Retry-After`
 *   (a 429 always carries one).
 * - `{ hangMs }`: the request never reaches Clerk; after `hangMs` it answers 504, no effect. With `afterEffect` the
 *   operation is applied first and only the answer hangs (the "revoked, but the response was lost" case).
 */
export const ClerkFaultSchema = v.union([
  v.strictObject({
    status: v.pipe(v.number(), v.integer(), v.minValue(400), v.maxValue(599)),
    retryAfterSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
    times: TimesSchema,
    path: v.optional(OperationSchema),
  }),
  v.strictObject({
    hangMs: v.pipe(v.number(), v.minValue(0)),
    afterEffect: v.optional(v.boolean()),
    times: TimesSchema,
    path: v.optional(OperationSchema),
  }),
]);
export type ClerkFault = v.InferOutput<typeof ClerkFaultSchema>;
const ClerkFaultScriptSchema = v.union([
  v.array(ClerkFaultSchema),
  v.strictObject({ faults: v.array(ClerkFaultSchema) }),
]);

/** Input for a key created on the control side (not through Clerk's `POST /api_keys`). */
export const StandinKeyInputSchema = v.strictObject({
  name: v.optional(v.pipe(v.string(), v.minLength(1))),
  subject: v.optional(v.pipe(v.string(), v.regex(/^(user|org|mch)_\w{27}$/))),
  /** A chosen secret, e.g. to test unusual shapes; random `ak_` + base62 otherwise. */
  secret: v.optional(v.pipe(v.string(), v.minLength(1))),
  id: v.optional(v.pipe(v.string(), v.regex(/^ak_[0-9a-f]{32}$/))),
  description: v.optional(v.nullable(v.string())),
  scopes: v.optional(v.array(v.string())),
  claims: v.optional(v.unknown()),
  /** Expiry in milliseconds since the epoch; a past value makes the key expired. */
  expiration: v.optional(v.nullable(v.number())),
});
export type StandinKeyInput = v.InferInput<typeof StandinKeyInputSchema>;

/** What creating a key hands back: the only time the raw secret is visible. */
export interface CreatedStandinKey {
  id: string;
  secret: string;
  name: string;
  subject: string;
}

/** A key as the control API reports it: the APIKey JSON plus counters. */
export type StandinKeyState = ApiKeyJson & { revoke_count: number; verify_count: number };

/** One Clerk API request as the stand-in saw it. Never holds a raw secret. */
export interface ClerkCall {
  seq: number;
  at: number;
  method: string;
  path: string;
  operation: ClerkOperation | "unknown";
  /** Final status; 0 while the request is still in flight (e.g. hanging). */
  status: number;
  /** The path's key id for get and revoke. */
  keyId?: string;
  /** Verify only: lowercase hex SHA-256 of the submitted `secret`. */
  secretSha256?: string;
  /** Revoke and create only: the parsed JSON body. */
  body?: unknown;
  /** Set when a scripted fault answered or delayed this request. */
  fault?: ClerkFault;
}

/** Fixed demo keys seeded for `npm start` (`seedDemo: true`). Stand-in data, not real credentials. */
export const DEMO_KEYS: readonly CreatedStandinKey[] = [
  {
    id: "ak_c5e0e420f90655d9926c7be126aca9ed",
    secret: "ak_jooyyQLnfSSQw3PDsWXSbdGhGMEfroswjTH37L12",
    name: "DEMO_BILLING_SERVICE",
    subject: "user_0lJizwb8i62dXE2d8VBn1VTjrV8",
  },
  {
    id: "ak_08b3cac8cfe6c920e908479136a5387f",
    secret: "ak_g9jVrwbKIrtcVDnTuF0w0zzx35HdpdOl51jQ37Yf",
    name: "DEMO_CI_DEPLOY",
    subject: "user_9NAfGLLl4sZXfBz68w3FxQlIWqK",
  },
  {
    id: "ak_20c75ae874059bba5c5786399ccdc912",
    secret: "ak_jwV3lGHGqzFNsO3DjEmMY9RXkL3QmUB2VAKNm3YX",
    name: "DEMO_ANALYTICS_EXPORT",
    subject: "user_aQ51m70bPaJE4wKHW6uOw5tjjQE",
  },
];

/**
 * Fixed demo keys of a second, production instance (`prod`) for `npm start`, which runs two instances. Stand-in data,
 * not real credentials.
 */
export const PROD_DEMO_KEYS: readonly CreatedStandinKey[] = [
  {
    id: "ak_afa2733987402a9631ca242768be32d8",
    secret: "ak_Q0HPoIE63gFqxkXeO5opCCvk55vI5Y6Iyu03oUrN",
    name: "DEMO_PROD_PAYMENTS",
    subject: "user_LyqCAKsiZWglY02S1ZvbI3LgdkM",
  },
  {
    id: "ak_a8634cb0a78e01f56f74ee8dea2c3746",
    secret: "ak_YZV8SjJQoAubeDmaKHZvYouaJbdtdfbb8VnYjv1T",
    name: "DEMO_PROD_SEARCH_INDEXER",
    subject: "user_G2ultS9w1kO75jpTXCRfoVnIRRw",
  },
];

export interface ClerkStandinOptions {
  /** The instance secret key callers must send as `Authorization: Bearer <secretKey>`. */
  secretKey: string;
  /** Delay before every Clerk API answer. */
  latencyMs?: number;
  /** Seed the demo keys at start and after every reset. */
  seedDemo?: boolean;
  /** The demo keys `seedDemo` seeds; `DEMO_KEYS` by default. */
  demoKeys?: readonly CreatedStandinKey[];
  /** Clock in milliseconds; `Date.now` by default. */
  now?: () => number;
}

export interface ClerkStandin {
  /** Answers one request: Clerk API paths, or the control API under `/__standin/`. */
  handle(request: Request): Promise<Response>;
  /** Adds a key; resolves with its id and its only copy of the raw secret. */
  createKey(input?: StandinKeyInput): Promise<CreatedStandinKey>;
  /** A key's state, or `undefined`. */
  getKey(id: string): StandinKeyState | undefined;
  /** Drops keys, calls, script and latency (back to the options), releases hanging requests, reseeds demo keys. */
  reset(): Promise<void>;
  setLatency(ms: number): void;
  /** Replaces the fault script. */
  script(faults: readonly ClerkFault[]): void;
  /** Limits Clerk API calls to `limit` per fixed window (`null` lifts the limit), as Clerk's Backend API does. */
  setRateLimit(limit: RateLimit | null): void;
  /** The unconsumed part of the fault script. */
  pendingFaults(): ClerkFault[];
  /** A copy of the call log, oldest first. */
  calls(): ClerkCall[];
}

interface KeyRecord {
  id: string;
  secretSha256: string;
  type: string;
  name: string;
  subject: string;
  description: string | null;
  claims: unknown;
  scopes: string[];
  createdBy: string | null;
  revoked: boolean;
  revocationReason: string | null;
  expiration: number | null;
  lastUsedAt: number | null;
  createdAt: number;
  updatedAt: number;
  revokeCount: number;
  verifyCount: number;
}

/**
 * A fixed-window rate limit, like Clerk's Backend API (1,000 requests per 10 s on production instances, 100 per 10 s
 * on development ones). Windows are aligned to multiples of `windowMs` on the stand-in's clock; calls past `limit` in
 * a window are answered 429 with `Retry-After` (whole seconds until the window ends) and do not count.
 */
export interface RateLimit {
  limit: number;
  windowMs: number;
}

export const RateLimitSchema = v.strictObject({
  limit: v.pipe(v.number(), v.integer(), v.minValue(1)),
  windowMs: v.pipe(v.number(), v.integer(), v.minValue(1)),
});

interface Route {
  operation: ClerkOperation | "unknown";
  keyId?: string;
}

const CONTROL_PREFIX = "/__standin/";

/** Builds a stand-in holding its own state. */
export function createClerkStandin(opts: ClerkStandinOptions): ClerkStandin {
  const now = opts.now ?? Date.now;
  const keys = new Map<string, KeyRecord>();
  const idBySecretHash = new Map<string, string>();
  let log: ClerkCall[] = [];
  let seq = 0;
  let faults: ClerkFault[] = [];
  let latencyMs = opts.latencyMs ?? 0;
  let rateLimit: RateLimit | null = null;
  let secretKeys: readonly string[] = [opts.secretKey];
  let windowStart = 0;
  let windowCalls = 0;
  // Aborted by reset() so hanging requests end instead of outliving the test that scripted them.
  let epoch = new AbortController();

  async function addKey(input: StandinKeyInput, type = "api_key", createdBy: string | null = null) {
    const secret = input.secret ?? `ak_${randomString(BASE62_ALPHABET, SECRET_RANDOM_CHARS)}`;
    const secretSha256 = await sha256Hex(secret);
    const at = now();
    const record: KeyRecord = {
      id: input.id ?? `ak_${randomHex(16)}`,
      secretSha256,
      type,
      name: input.name ?? `standin-key-${randomString(BASE62_ALPHABET, 6)}`,
      subject: input.subject ?? `user_${randomString(BASE62_ALPHABET, 27)}`,
      description: input.description ?? null,
      claims: input.claims ?? null,
      scopes: input.scopes ?? [],
      createdBy,
      revoked: false,
      revocationReason: null,
      expiration: input.expiration ?? null,
      lastUsedAt: null,
      createdAt: at,
      updatedAt: at,
      revokeCount: 0,
      verifyCount: 0,
    };
    const previous = keys.get(record.id);
    if (previous) idBySecretHash.delete(previous.secretSha256);
    keys.set(record.id, record);
    idBySecretHash.set(secretSha256, record.id);
    return { record, secret };
  }

  function toJson(r: KeyRecord): ApiKeyJson {
    return {
      object: "api_key",
      id: r.id,
      type: r.type,
      subject: r.subject,
      name: r.name,
      description: r.description,
      claims: r.claims,
      scopes: [...r.scopes],
      revoked: r.revoked,
      revocation_reason: r.revocationReason,
      expired: r.expiration !== null && r.expiration <= now(),
      expiration: r.expiration,
      created_by: r.createdBy,
      last_used_at: r.lastUsedAt,
      created_at: r.createdAt,
      updated_at: r.updatedAt,
    };
  }

  function toState(r: KeyRecord): StandinKeyState {
    return { ...toJson(r), revoke_count: r.revokeCount, verify_count: r.verifyCount };
  }

  async function seed() {
    if (!opts.seedDemo) return;
    for (const k of opts.demoKeys ?? DEMO_KEYS)
      await addKey({ id: k.id, secret: k.secret, name: k.name, subject: k.subject });
  }
  let ready = seed();

  /** Counts the call against the current window; answers the 429 when the window is full. */
  function rateLimited(operation: Route["operation"]): Response | undefined {
    if (rateLimit === null || operation === "unknown") return undefined;
    const at = now();
    const start = Math.floor(at / rateLimit.windowMs) * rateLimit.windowMs;
    if (start !== windowStart) {
      windowStart = start;
      windowCalls = 0;
    }
    if (windowCalls < rateLimit.limit) {
      windowCalls++;
      return undefined;
    }
    const retryAfter = Math.max(1, Math.ceil((start + rateLimit.windowMs - at) / 1000));
    return scriptedError(429, retryAfter);
  }

  function takeFault(operation: Route["operation"]): ClerkFault | undefined {
    if (operation === "unknown") return undefined;
    const index = faults.findIndex((f) => f.path === undefined || f.path === operation);
    const fault = faults[index];
    if (fault === undefined) return undefined;
    const left = (fault.times ?? 1) - 1;
    if (left > 0) faults[index] = { ...fault, times: left };
    else faults.splice(index, 1);
    return fault;
  }

  // --- Clerk API ---------------------------------------------------------------------------------------------

  async function api(request: Request, url: URL): Promise<Response> {
    const route = matchRoute(request.method, url.pathname);
    const call: ClerkCall = {
      seq: ++seq,
      at: now(),
      method: request.method,
      path: url.pathname,
      operation: route.operation,
      status: 0,
    };
    if (route.keyId !== undefined) call.keyId = route.keyId;
    log.push(call);
    // Counted and taken on arrival, before any await, so concurrent requests see the limit and consume the script in
    // arrival order.
    const limited = rateLimited(route.operation);
    if (limited) {
      call.status = limited.status;
      return limited;
    }
    const fault = takeFault(route.operation);
    if (fault) call.fault = fault;
    const signals = [request.signal, epoch.signal];

    const body = request.method === "GET" ? ({ kind: "empty" } as const) : await readJsonBody(request);
    if (body.kind === "json") {
      if (route.operation === "verify" && isRecord(body.value) && typeof body.value.secret === "string") {
        call.secretSha256 = await sha256Hex(body.value.secret);
      } else if (route.operation === "revoke" || route.operation === "create") {
        call.body = body.value;
      }
    }

    const response = await answer(request, route, body, fault, signals);
    call.status = response.status;
    return response;
  }

  async function answer(
    request: Request,
    route: Route,
    body: Awaited<ReturnType<typeof readJsonBody>>,
    fault: ClerkFault | undefined,
    signals: AbortSignal[],
  ): Promise<Response> {
    if (latencyMs > 0 && !(await sleep(latencyMs, signals))) return clientClosed();
    if (fault && "status" in fault) return scriptedError(fault.status, fault.retryAfterSeconds);
    if (fault && !fault.afterEffect) {
      if (!(await sleep(fault.hangMs, signals, true))) return clientClosed();
      return clerkError(
        504,
        "gateway_timeout",
        "Gateway timeout",
        "The request timed out before reaching Clerk.",
      );
    }
    const response = await operate(request, route, body);
    if (fault && !(await sleep(fault.hangMs, signals, true))) return clientClosed();
    return response;
  }

  async function operate(
    request: Request,
    route: Route,
    body: Awaited<ReturnType<typeof readJsonBody>>,
  ): Promise<Response> {
    const auth = request.headers.get("authorization");
    if (auth === null) {
      return clerkError(
        401,
        "authorization_header_missing",
        "Authorization header missing",
        "The request is missing the Authorization header. Send `Authorization: Bearer <secret key>`.",
      );
    }
    if (!secretKeys.some((key) => auth === `Bearer ${key}`)) {
      return clerkError(
        401,
        "authentication_invalid",
        "Unauthorized request",
        "The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.",
      );
    }
    if (route.operation === "unknown") {
      return clerkError(404, "resource_not_found", "not found", "The requested resource was not found.");
    }
    if (route.keyId !== undefined && !API_KEY_PATH_ID_PATTERN.test(route.keyId)) {
      return clerkError(
        400,
        "bad_request",
        "Bad Request",
        "Invalid 'url_parameter.apiKeyID': Failed regex check",
        {
          param_name: "apiKeyID",
        },
      );
    }
    switch (route.operation) {
      case "verify":
        return verify(body);
      case "revoke":
        return revoke(route.keyId ?? "", body);
      case "get":
        return get(route.keyId ?? "");
      case "create":
        return create(body);
    }
  }

  async function verify(body: Awaited<ReturnType<typeof readJsonBody>>): Promise<Response> {
    const parsed = parseBody(VerifyBodySchema, body);
    if (!parsed.ok) return parsed.response;
    const id = idBySecretHash.get(await sha256Hex(parsed.value.secret));
    const record = id === undefined ? undefined : keys.get(id);
    if (!record || record.revoked || (record.expiration !== null && record.expiration <= now())) {
      return clerkError(404, "resource_not_found", "API key not found", "API key not found");
    }
    record.verifyCount++;
    record.lastUsedAt = now();
    return jsonResponse(200, toJson(record));
  }

  function revoke(id: string, body: Awaited<ReturnType<typeof readJsonBody>>): Response {
    const parsed = parseBody(RevokeBodySchema, body);
    if (!parsed.ok) return parsed.response;
    const record = keys.get(id);
    if (!record) return notFound(id);
    record.revokeCount++;
    if (!record.revoked) {
      record.revoked = true;
      record.revocationReason = parsed.value.revocation_reason ?? null;
      record.updatedAt = now();
    }
    return jsonResponse(200, toJson(record));
  }

  function get(id: string): Response {
    const record = keys.get(id);
    return record ? jsonResponse(200, toJson(record)) : notFound(id);
  }

  async function create(body: Awaited<ReturnType<typeof readJsonBody>>): Promise<Response> {
    const parsed = parseBody(CreateBodySchema, body);
    if (!parsed.ok) return parsed.response;
    const b = parsed.value;
    const seconds = b.seconds_until_expiration ?? null;
    const { record, secret } = await addKey(
      {
        name: b.name,
        subject: b.subject,
        description: b.description ?? null,
        scopes: b.scopes,
        claims: b.claims ?? null,
        expiration: seconds === null ? null : now() + seconds * 1000,
      },
      b.type,
      b.created_by ?? null,
    );
    const out: CreatedApiKeyJson = { ...toJson(record), secret };
    return jsonResponse(200, out);
  }

  // --- control API -------------------------------------------------------------------------------------------

  async function control(request: Request, url: URL): Promise<Response> {
    const path = url.pathname.slice(CONTROL_PREFIX.length);
    const method = request.method;
    if (method === "POST" && path === "reset") {
      await reset();
      return jsonResponse(200, { ok: true });
    }
    if (method === "GET" && path === "calls") return jsonResponse(200, log);
    if (method === "GET" && path === "script") return jsonResponse(200, faults);
    if (method === "GET" && path === "keys") return jsonResponse(200, [...keys.values()].map(toState));
    if (method === "GET" && path.startsWith("keys/")) {
      const record = keys.get(decodeURIComponent(path.slice("keys/".length)));
      return record ? jsonResponse(200, toState(record)) : jsonResponse(404, { error: "no such key" });
    }
    if (method !== "POST") return jsonResponse(404, { error: "no such control route" });
    const body = await readJsonBody(request);
    const value = body.kind === "json" ? body.value : body.kind === "empty" ? {} : undefined;
    if (path === "keys") {
      const input = v.safeParse(StandinKeyInputSchema, value);
      if (!input.success) return controlError(input.issues);
      const { record, secret } = await addKey(input.output);
      return jsonResponse(200, { id: record.id, secret, name: record.name, subject: record.subject });
    }
    if (path === "script") {
      const input = v.safeParse(ClerkFaultScriptSchema, value);
      if (!input.success) return controlError(input.issues);
      faults = Array.isArray(input.output) ? [...input.output] : [...input.output.faults];
      return jsonResponse(200, { ok: true, pending: faults.length });
    }
    if (path === "rate-limit") {
      const input = v.safeParse(v.nullable(RateLimitSchema), value);
      if (!input.success) return controlError(input.issues);
      rateLimit = input.output;
      return jsonResponse(200, { ok: true, rateLimit });
    }
    if (path === "secret-keys") {
      const input = v.safeParse(
        v.strictObject({ secret_keys: v.pipe(v.array(v.pipe(v.string(), v.minLength(1))), v.minLength(1)) }),
        value,
      );
      if (!input.success) return controlError(input.issues);
      secretKeys = input.output.secret_keys;
      return jsonResponse(200, { ok: true, accepted: secretKeys.length });
    }
    if (path === "latency") {
      const input = v.safeParse(v.strictObject({ ms: v.pipe(v.number(), v.minValue(0)) }), value);
      if (!input.success) return controlError(input.issues);
      latencyMs = input.output.ms;
      return jsonResponse(200, { ok: true, ms: latencyMs });
    }
    return jsonResponse(404, { error: "no such control route" });
  }

  async function reset(): Promise<void> {
    epoch.abort();
    epoch = new AbortController();
    keys.clear();
    idBySecretHash.clear();
    log = [];
    seq = 0;
    faults = [];
    latencyMs = opts.latencyMs ?? 0;
    rateLimit = null;
    secretKeys = [opts.secretKey];
    windowCalls = 0;
    ready = seed();
    await ready;
  }

  return {
    async handle(request) {
      await ready;
      const url = new URL(request.url);
      return url.pathname.startsWith(CONTROL_PREFIX) ? control(request, url) : api(request, url);
    },
    async createKey(input = {}) {
      await ready;
      const parsed = v.parse(StandinKeyInputSchema, input);
      const { record, secret } = await addKey(parsed);
      return { id: record.id, secret, name: record.name, subject: record.subject };
    },
    getKey(id) {
      const record = keys.get(id);
      return record ? toState(record) : undefined;
    },
    reset,
    setLatency(ms) {
      latencyMs = ms;
    },
    setRateLimit(limit) {
      rateLimit = limit === null ? null : v.parse(RateLimitSchema, limit);
      windowCalls = 0;
    },
    script(next) {
      faults = next.map((f) => v.parse(ClerkFaultSchema, f));
    },
    pendingFaults: () => faults.map((f) => ({ ...f })),
    calls: () => structuredClone(log),
  };
}

function matchRoute(method: string, pathname: string): Route {
  const parts = pathname.split("/").slice(1);
  if (parts[0] !== "api_keys") return { operation: "unknown" };
  if (parts.length === 1 && method === "POST") return { operation: "create" };
  if (parts.length === 2 && parts[1] === "verify" && method === "POST") return { operation: "verify" };
  if (parts.length === 2 && method === "GET") return { operation: "get", keyId: parts[1] ?? "" };
  if (parts.length === 3 && parts[2] === "revoke" && method === "POST") {
    return { operation: "revoke", keyId: parts[1] ?? "" };
  }
  return { operation: "unknown" };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A `ClerkErrors` response. Messages name parameters, never echo values: a value may be a leaked secret. */
function clerkError(
  status: number,
  code: string,
  message: string,
  longMessage: string,
  meta?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Response {
  const error = meta
    ? { code, message, long_message: longMessage, meta }
    : { code, message, long_message: longMessage };
  return jsonResponse(status, { errors: [error], clerk_trace_id: randomHex(16) }, headers);
}

const SCRIPTED_ERRORS: Record<number, [code: string, message: string]> = {
  400: ["bad_request", "Bad Request"],
  401: ["authentication_invalid", "Unauthorized request"],
  403: ["authorization_invalid", "Forbidden"],
  404: ["resource_not_found", "not found"],
  409: ["conflict", "Conflict"],
  422: ["unprocessable_entity", "Unprocessable entity"],
  429: ["too_many_requests", "Too many requests"],
  500: ["internal_clerk_error", "Something went wrong"],
  502: ["bad_gateway", "Bad gateway"],
  503: ["service_unavailable", "Service unavailable"],
  504: ["gateway_timeout", "Gateway timeout"],
};

function scriptedError(status: number, retryAfterSeconds: number | undefined): Response {
  const [code, message] = SCRIPTED_ERRORS[status] ?? ["unexpected_error", "Unexpected error"];
  const retryAfter = retryAfterSeconds ?? (status === 429 ? DEFAULT_RETRY_AFTER_SECONDS : undefined);
  const headers: Record<string, string> =
    retryAfter === undefined ? {} : { "retry-after": String(retryAfter) };
  return clerkError(status, code, message, `${message} (scripted by the stand-in).`, undefined, headers);
}

function notFound(id: string): Response {
  return clerkError(404, "resource_not_found", "not found", `No API key was found with id ${id}.`);
}

function clientClosed(): Response {
  return clerkError(
    CLIENT_CLOSED_STATUS,
    "client_closed_request",
    "Client closed request",
    "The request was cut short.",
  );
}

type Parsed<T> = { ok: true; value: T } | { ok: false; response: Response };

function parseBody<TSchema extends v.GenericSchema>(
  schema: TSchema,
  body: Awaited<ReturnType<typeof readJsonBody>>,
): Parsed<v.InferOutput<TSchema>> {
  if (body.kind !== "json") {
    return {
      ok: false,
      response: clerkError(
        400,
        "malformed_request",
        "Request body invalid",
        "The request body is not valid JSON.",
      ),
    };
  }
  const result = v.safeParse(schema, body.value);
  if (result.success) return { ok: true, value: result.output };
  const issue = result.issues[0];
  const param = issue?.path?.map((p) => String(p.key)).join(".") || "body";
  const [code, message, longMessage] =
    issue?.type === "strict_object" && issue.expected === "never"
      ? [
          "form_param_unknown",
          `${param} is not a valid parameter`,
          `${param} is not a valid parameter for this request.`,
        ]
      : issue?.type === "strict_object" && issue.received === "undefined"
        ? ["form_param_missing", `${param} is missing`, `${param} must be included.`]
        : [
            "form_param_format_invalid",
            `${param} is invalid`,
            `${param} does not match the expected format.`,
          ];
  return { ok: false, response: clerkError(400, code, message, longMessage, { param_name: param }) };
}

function controlError(issues: readonly v.BaseIssue<unknown>[]): Response {
  // Names the path and the expectation only: the rejected value could be a secret.
  const problems = issues.map(
    (i) => `${i.path?.map((p) => String(p.key)).join(".") || "body"}: expected ${i.expected}`,
  );
  return jsonResponse(400, { error: "invalid control request", issues: problems });
}
