/**
 * @module
 * A stand-in for the parts of GitHub's REST API a GitHub App of the customer's uses (reference/
 * github-secret-scanning.openapi.yaml, API version 2026-03-10):
 *
 * - `POST /app/installations/{id}/access_tokens`: the App's RS256 JWT in, `201 {token, expires_at, permissions,
 *   repository_selection}` out; 401 for a JWT that is not the App's, or expired, or valid for more than 10 minutes;
 *   404 for an installation it does not know.
 * - `GET /repos/{owner}/{repo}/secret-scanning/alerts/{alert_number}`: the alert with its `secret`
 *   (`secret-scanning-alert-with-metadata`); 401 for a missing, unknown or expired installation token, 404 for an
 *   alert the token's installation cannot see.
 * - `PATCH` of the same: `{state, resolution?, resolution_comment?}`; 422 when the state does not match the
 *   resolution, 400 when the alert is already resolved with that resolution ("the resolution was not changed"), as
 *   the published API allows.
 *
 * Control routes under `/__standin/`: `POST installations {id, repositories: ["owner/repo"]}`, `POST alerts {owner,
 * repo, secret, secret_type?}` (answers the alert), `GET alerts`, `GET calls` (method, path, status: never a
 * token), `GET tokens` (the installation tokens issued, for a secrecy scan), `POST fail {route, status, times?, for_ms?}` (route `access_token`, `get_alert` or `patch_alert`),
 * `POST delay {route, ms, times?}`, `POST token-ttl {ms}`, `POST expire-tokens`, `POST manifest-code` (a code for `POST /app-manifests/{code}/conversions`), `POST reset`. Web-standard APIs only: it runs in Node (Miniflare's
 * outbound service, `npm start`).
 */
import { importSPKI, jwtVerify } from "jose";
import * as v from "valibot";
import { jsonResponse, randomString } from "./standin-util.ts";

/** What GitHub says with a 401 for bad credentials. */
const BAD_CREDENTIALS = {
  message: "Bad credentials",
  documentation_url: "https://docs.github.com/rest",
  status: "401",
};
const NOT_FOUND = { message: "Not Found", documentation_url: "https://docs.github.com/rest", status: "404" };

/** Installation tokens last an hour on GitHub. */
const DEFAULT_TOKEN_TTL_MS = 3_600_000;
/** An App JWT may be valid for at most 10 minutes (plus a little clock drift). */
const MAX_JWT_LIFETIME_S = 10 * 60 + 60;

/** The routes a fault can be scripted on. */
export const GITHUB_ROUTES = ["access_token", "get_alert", "patch_alert"] as const;
export type GithubRoute = (typeof GITHUB_ROUTES)[number];

/** One alert as the stand-in keeps it. */
export interface StandinAlert {
  owner: string;
  repo: string;
  number: number;
  secret: string;
  secret_type: string;
  omit_secret: boolean;
  state: "open" | "resolved";
  resolution: string | null;
  resolution_comment: string | null;
  resolved_at: string | null;
  /** PATCHes this alert took (accepted ones). */
  patches: number;
}

/** One call, as logged: never the token or the JWT. */
export interface GithubCall {
  at: number;
  method: string;
  route: GithubRoute | "other";
  path: string;
  status: number;
}

const InstallationSchema = v.strictObject({
  id: v.pipe(v.number(), v.integer(), v.minValue(1)),
  repositories: v.array(v.pipe(v.string(), v.regex(/^[^/]+\/[^/]+$/))),
});
const AlertSchema = v.strictObject({
  owner: v.string(),
  repo: v.string(),
  secret: v.pipe(v.string(), v.minLength(1)),
  secret_type: v.optional(v.string(), "clerk_api_key"),
  /** Answer the alert without its `secret`, which the schema allows (GitHub leaves it out with `hide_secret`). */
  omit_secret: v.optional(v.boolean(), false),
});
const FailSchema = v.strictObject({
  route: v.picklist(GITHUB_ROUTES),
  status: v.pipe(v.number(), v.integer(), v.minValue(400), v.maxValue(599)),
  times: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  for_ms: v.optional(v.pipe(v.number(), v.minValue(1))),
  /** Sent as `Retry-After`, as GitHub's secondary rate limit does. */
  retry_after: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
});
const TtlSchema = v.strictObject({ ms: v.pipe(v.number(), v.minValue(1)) });
const DelaySchema = v.strictObject({
  route: v.picklist(GITHUB_ROUTES),
  ms: v.pipe(v.number(), v.minValue(1), v.maxValue(60_000)),
  times: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 1),
});
const PatchSchema = v.object({
  state: v.optional(v.picklist(["open", "resolved"])),
  resolution: v.optional(v.nullable(v.picklist(["false_positive", "wont_fix", "revoked", "used_in_tests"]))),
  resolution_comment: v.optional(v.nullable(v.string())),
  assignee: v.optional(v.nullable(v.string())),
  validity: v.optional(v.nullable(v.picklist(["active", "inactive"]))),
});

/** The stand-in. */
export interface GithubStandin {
  handle(request: Request): Promise<Response>;
  alerts(): StandinAlert[];
  calls(): GithubCall[];
  reset(): void;
}

/** Builds a GitHub stand-in for the App `appId`, whose JWTs verify with `publicKeyPem` (SPKI). */
export function createGithubStandin(options: {
  appId: string;
  publicKeyPem: string;
  origin: string;
  /** The private key the manifest conversion hands out (the App's, in a test of `npm run github-app`). */
  manifestPem?: string;
}): GithubStandin {
  const publicKey = importSPKI(options.publicKeyPem, "RS256");
  let installations = new Map<number, Set<string>>();
  let tokens = new Map<string, { installationId: number; expiresAt: number }>();
  let alerts: StandinAlert[] = [];
  let calls: GithubCall[] = [];
  let faults = new Map<GithubRoute, { status: number; left: number; until: number; retryAfter?: number }>();
  let tokenTtlMs = DEFAULT_TOKEN_TTL_MS;
  let manifestCodes = new Set<string>();
  let delays = new Map<GithubRoute, { ms: number; left: number }>();

  const alertJson = (a: StandinAlert, hideSecret = false) => {
    const api = `${options.origin}/repos/${a.owner}/${a.repo}/secret-scanning/alerts/${a.number}`;
    return {
      number: a.number,
      created_at: "2026-12-01T10:00:00Z",
      updated_at: a.resolved_at ?? "2026-12-01T10:00:00Z",
      url: api,
      html_url: `https://github.com/${a.owner}/${a.repo}/security/secret-scanning/${a.number}`,
      locations_url: `${api}/locations`,
      state: a.state,
      resolution: a.resolution,
      resolved_at: a.resolved_at,
      resolved_by: null,
      resolution_comment: a.resolution_comment,
      secret_type: a.secret_type,
      secret_type_display_name: "Clerk API Key",
      ...(a.omit_secret || hideSecret ? {} : { secret: a.secret }),
      validity: "unknown",
      publicly_leaked: false,
      multi_repo: false,
    };
  };

  /** A scripted fault on `route`, if one is due now (its answer); counts it down. */
  function faultFor(route: GithubRoute): Response | undefined {
    const fault = faults.get(route);
    if (!fault) return undefined;
    if (Date.now() >= fault.until || fault.left <= 0) {
      faults.delete(route);
      return undefined;
    }
    fault.left--;
    return jsonResponse(
      fault.status,
      { message: "scripted failure" },
      fault.retryAfter === undefined ? {} : { "retry-after": String(fault.retryAfter) },
    );
  }

  async function appJwtValid(request: Request): Promise<boolean> {
    const jwt = /^bearer (.+)$/i.exec(request.headers.get("authorization") ?? "")?.[1];
    if (!jwt) return false;
    try {
      const { payload } = await jwtVerify(jwt, await publicKey, {
        algorithms: ["RS256"],
        clockTolerance: 60,
      });
      const lifetime = (payload.exp ?? 0) - (payload.iat ?? 0);
      return String(payload.iss) === options.appId && lifetime > 0 && lifetime <= MAX_JWT_LIFETIME_S;
    } catch {
      return false;
    }
  }

  /** The installation a request's token belongs to, or undefined for none, an unknown one or an expired one. */
  function installationOf(request: Request): number | undefined {
    const token = /^(?:bearer|token) (.+)$/i.exec(request.headers.get("authorization") ?? "")?.[1];
    const known = token ? tokens.get(token) : undefined;
    if (!known || Date.now() >= known.expiresAt) return undefined;
    return known.installationId;
  }

  /** A scripted delay on `route`, if one is due: a GitHub that hangs before answering. */
  async function delayFor(route: GithubRoute): Promise<void> {
    const delay = delays.get(route);
    if (!delay || delay.left <= 0) return;
    delay.left--;
    await new Promise((resolve) => setTimeout(resolve, delay.ms));
  }

  async function api(request: Request, url: URL): Promise<[GithubRoute | "other", Response]> {
    const tokenRoute = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(url.pathname);
    if (tokenRoute && request.method === "POST") {
      await delayFor("access_token");
      const fault = faultFor("access_token");
      if (fault) return ["access_token", fault];
      if (!(await appJwtValid(request))) return ["access_token", jsonResponse(401, BAD_CREDENTIALS)];
      const id = Number(tokenRoute[1]);
      if (!installations.has(id)) return ["access_token", jsonResponse(404, NOT_FOUND)];
      const token = `ghs_${randomString("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", 36)}`;
      const expiresAt = Date.now() + tokenTtlMs;
      tokens.set(token, { installationId: id, expiresAt });
      return [
        "access_token",
        jsonResponse(201, {
          token,
          expires_at: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, "Z"),
          permissions: { secret_scanning_alerts: "write", metadata: "read" },
          repository_selection: "selected",
        }),
      ];
    }
    // The App manifest flow's last step: a code GitHub redirected with, exchanged for the new App's credentials.
    const manifestRoute = /^\/app-manifests\/([^/]+)\/conversions$/.exec(url.pathname);
    if (manifestRoute && request.method === "POST") {
      const code = manifestRoute[1] ?? "";
      if (!manifestCodes.delete(code)) return ["other", jsonResponse(404, NOT_FOUND)];
      return [
        "other",
        jsonResponse(201, {
          id: Number(options.appId),
          slug: "autorevoke",
          name: "autorevoke",
          pem: options.manifestPem ?? "",
          webhook_secret: "manifest-webhook-secret-0123456789abcdef",
          client_id: "Iv1.0123456789abcdef",
          client_secret: "manifest-client-secret-0123456789abcdef",
          html_url: "https://github.com/apps/autorevoke",
        }),
      ];
    }
    const alertRoute = /^\/repos\/([^/]+)\/([^/]+)\/secret-scanning\/alerts\/(\d+)$/.exec(url.pathname);
    if (alertRoute && (request.method === "GET" || request.method === "PATCH")) {
      const route: GithubRoute = request.method === "GET" ? "get_alert" : "patch_alert";
      await delayFor(route);
      const fault = faultFor(route);
      if (fault) return [route, fault];
      const installation = installationOf(request);
      if (installation === undefined) return [route, jsonResponse(401, BAD_CREDENTIALS)];
      const [, owner, repo, number] = alertRoute;
      const visible = installations.get(installation)?.has(`${owner}/${repo}`);
      const alert = alerts.find((a) => a.owner === owner && a.repo === repo && a.number === Number(number));
      if (!visible || !alert) return [route, jsonResponse(404, NOT_FOUND)];
      if (route === "get_alert") {
        return [route, jsonResponse(200, alertJson(alert, url.searchParams.get("hide_secret") === "true"))];
      }
      return [route, patch(alert, await request.json().catch(() => undefined))];
    }
    return ["other", jsonResponse(404, NOT_FOUND)];
  }

  function patch(alert: StandinAlert, body: unknown): Response {
    const parsed = v.safeParse(PatchSchema, body);
    if (!parsed.success) return jsonResponse(422, { message: "Invalid request", status: "422" });
    const { state, resolution, resolution_comment } = parsed.output;
    if (state === undefined && parsed.output.assignee === undefined && parsed.output.validity === undefined) {
      return jsonResponse(422, { message: "state, assignee or validity is required", status: "422" });
    }
    if (state === "resolved" && !resolution) {
      return jsonResponse(422, { message: "State does not match the resolution", status: "422" });
    }
    if (state === "resolved" && alert.state === "resolved" && alert.resolution === resolution) {
      return jsonResponse(400, { message: "The resolution was not changed", status: "400" });
    }
    if (state === "resolved") {
      alert.state = "resolved";
      alert.resolution = resolution ?? null;
      alert.resolution_comment = resolution_comment ?? null;
      alert.resolved_at = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    } else if (state === "open") {
      alert.state = "open";
      alert.resolution = null;
      alert.resolved_at = null;
      alert.resolution_comment = resolution_comment ?? null;
    }
    alert.patches++;
    return jsonResponse(200, alertJson(alert));
  }

  async function control(request: Request, path: string): Promise<Response> {
    const body = request.method === "POST" ? await request.json().catch(() => undefined) : undefined;
    if (request.method === "GET" && path === "alerts") return jsonResponse(200, alerts);
    if (request.method === "GET" && path === "calls") return jsonResponse(200, calls);
    // For the tests' secrecy scan, which must know every token it looks for.
    if (request.method === "GET" && path === "tokens") return jsonResponse(200, [...tokens.keys()]);
    if (request.method !== "POST") return jsonResponse(404, { error: "no such control route" });
    switch (path) {
      case "reset":
        reset();
        return jsonResponse(200, { ok: true });
      case "installations": {
        const input = v.safeParse(InstallationSchema, body);
        if (!input.success) return jsonResponse(400, { error: "invalid installation" });
        installations.set(input.output.id, new Set(input.output.repositories));
        return jsonResponse(200, { ok: true });
      }
      case "alerts": {
        const input = v.safeParse(AlertSchema, body);
        if (!input.success) return jsonResponse(400, { error: "invalid alert" });
        const { owner, repo } = input.output;
        const number = alerts.filter((a) => a.owner === owner && a.repo === repo).length + 1;
        const alert: StandinAlert = {
          ...input.output,
          number,
          state: "open",
          resolution: null,
          resolution_comment: null,
          resolved_at: null,
          patches: 0,
        };
        alerts.push(alert);
        return jsonResponse(201, alert);
      }
      case "fail": {
        const input = v.safeParse(FailSchema, body);
        if (!input.success) return jsonResponse(400, { error: "invalid failure" });
        const { route, status, times, for_ms, retry_after } = input.output;
        faults.set(route, {
          status,
          left: times ?? Number.POSITIVE_INFINITY,
          until: for_ms === undefined ? Number.POSITIVE_INFINITY : Date.now() + for_ms,
          ...(retry_after === undefined ? {} : { retryAfter: retry_after }),
        });
        return jsonResponse(200, { ok: true });
      }
      case "delay": {
        const input = v.safeParse(DelaySchema, body);
        if (!input.success) return jsonResponse(400, { error: "invalid delay" });
        delays.set(input.output.route, { ms: input.output.ms, left: input.output.times });
        return jsonResponse(200, { ok: true });
      }
      case "token-ttl": {
        const input = v.safeParse(TtlSchema, body);
        if (!input.success) return jsonResponse(400, { error: "invalid ttl" });
        tokenTtlMs = input.output.ms;
        return jsonResponse(200, { ok: true });
      }
      case "manifest-code": {
        const code = `code_${randomString("0123456789abcdef", 20)}`;
        manifestCodes.add(code);
        return jsonResponse(200, { code });
      }
      case "expire-tokens":
        for (const token of tokens.values()) token.expiresAt = 0;
        return jsonResponse(200, { ok: true });
      default:
        return jsonResponse(404, { error: "no such control route" });
    }
  }

  function reset() {
    installations = new Map();
    tokens = new Map();
    alerts = [];
    calls = [];
    faults = new Map();
    tokenTtlMs = DEFAULT_TOKEN_TTL_MS;
    manifestCodes = new Set();
    delays = new Map();
  }

  return {
    async handle(request) {
      const url = new URL(request.url);
      if (url.pathname.startsWith("/__standin/"))
        return control(request, url.pathname.slice("/__standin/".length));
      const [route, response] = await api(request, url);
      calls.push({
        at: Date.now(),
        method: request.method,
        route,
        path: url.pathname,
        status: response.status,
      });
      return response;
    },
    alerts: () => alerts.map((a) => ({ ...a })),
    calls: () => [...calls],
    reset,
  };
}
