/**
 * @module
 * The GitHub adapter for a GitHub App of the customer's: read a secret-scanning alert (with its secret) and resolve it
 * as revoked, as the App's installation. Octokit's own packages do the work: `@octokit/auth-app` signs the App's RS256
 * JWT and mints and caches installation tokens (an hour each), `@octokit/request` makes the calls against
 * `GITHUB_API_URL`.
 *
 * An installation token GitHub no longer takes (expired early, revoked, or the cache outlived it) is answered 401:
 * the call is made once more with a freshly minted token before it counts as a failure. No token, JWT or key ever
 * reaches a log line or an error: failures carry a status and a kind only.
 */
import { createAppAuth } from "@octokit/auth-app";
import { request as octokitRequest } from "@octokit/request";
import * as v from "valibot";
import { err, ok, type Result } from "../lib/result";
import { errorName } from "../lib/settle";
import { toPkcs8Pem } from "./private-key";

/** GitHub answers within this or the call counts as unavailable (a queued retry tries again). */
export const GITHUB_CALL_TIMEOUT_MS = 5_000;
/** The REST API version the calls are written to (reference/github-secret-scanning.openapi.yaml). */
const GITHUB_API_VERSION = "2026-03-10";

/** Which alert: the installation that can see it, its repository and its number. */
export interface AlertRef {
  installationId: number;
  /** GitHub's id of the repository: unlike its name, never reused by another repository. */
  repositoryId: number;
  owner: string;
  repo: string;
  number: number;
}

/** What autorevoke needs of an alert. `secret` is null when GitHub hid it. */
export interface GithubAlert {
  number: number;
  state: "open" | "resolved";
  resolution: string | null;
  secret: string | null;
  secretType: string;
  htmlUrl: string;
}

/**
 * Why a call did not succeed: `not_found` (GitHub's 404: no such alert, or the App cannot see it), `unauthorized`
 * (the App's credentials, a 401 or 403 even with a fresh token), `refused` (a 4xx about the request itself, such as
 * 400 "the resolution was not changed" or 422), `unavailable` (5xx, 429, a timeout or no connection: try later).
 */
export type GithubFailure = (
  | { kind: "not_found"; status: 404 }
  | { kind: "unauthorized"; status: number }
  | { kind: "refused"; status: number }
  | { kind: "unavailable"; status: number | null; error?: string }
) & {
  /** How long GitHub asked to wait: `Retry-After`, or until `x-ratelimit-reset` when none is left. */
  retryAfterSeconds?: number;
};

/** The calls the use case makes. */
export interface GithubApp {
  getAlert(ref: AlertRef): Promise<Result<GithubAlert, GithubFailure>>;
  resolveAsRevoked(ref: AlertRef, comment: string): Promise<Result<void, GithubFailure>>;
}

/** What the adapter is built from: the App's settings, and the fetch to call GitHub with. */
export interface GithubAppOptions {
  appId: string;
  privateKey: string;
  apiUrl: string;
  fetch: typeof fetch;
  timeoutMs?: number;
}

const AlertSchema = v.object({
  number: v.number(),
  state: v.picklist(["open", "resolved"]),
  resolution: v.optional(v.nullable(v.string()), null),
  secret: v.optional(v.nullable(v.string()), null),
  secret_type: v.optional(v.string(), ""),
  html_url: v.optional(v.string(), ""),
});

/** The status of a failed Octokit call; null when there was no answer (a timeout, a refused connection). */
const statusOf = (error: unknown): number | null =>
  typeof error === "object" && error !== null && "status" in error && typeof error.status === "number"
    ? error.status
    : null;

/** The wait GitHub's rate-limit headers ask for (its docs: Retry-After first, else the reset when none remain). */
function retryAfterOf(error: unknown, now: number): number | undefined {
  const headers =
    typeof error === "object" && error !== null && "response" in error
      ? (error.response as { headers?: Record<string, string | number | undefined> } | undefined)?.headers
      : undefined;
  if (!headers) return undefined;
  const retryAfter = Number(headers["retry-after"]);
  if (Number.isFinite(retryAfter) && retryAfter > 0) return Math.ceil(retryAfter);
  const reset = Number(headers["x-ratelimit-reset"]);
  if (String(headers["x-ratelimit-remaining"]) === "0" && Number.isFinite(reset)) {
    return Math.max(1, Math.ceil(reset - now / 1000));
  }
  return undefined;
}

function failure(status: number | null): GithubFailure {
  if (status === 404) return { kind: "not_found", status };
  if (status === 401 || status === 403) return { kind: "unauthorized", status };
  if (status !== null && status >= 400 && status < 500 && status !== 429) return { kind: "refused", status };
  return { kind: "unavailable", status };
}

/** Builds the adapter. One per isolate: installation tokens are cached in it until shortly before they expire. */
export function createGithubApp(options: GithubAppOptions): GithubApp {
  const timeoutMs = options.timeoutMs ?? GITHUB_CALL_TIMEOUT_MS;
  const request = octokitRequest.defaults({
    baseUrl: options.apiUrl.replace(/\/+$/, ""),
    headers: { "x-github-api-version": GITHUB_API_VERSION, "user-agent": "autorevoke" },
    // Every call has a deadline, the installation token's mint included (auth-app makes that one itself).
    request: {
      fetch: (input: RequestInfo, init?: RequestInit) =>
        options.fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(timeoutMs) }),
    },
  });
  const auth = createAppAuth({ appId: options.appId, privateKey: toPkcs8Pem(options.privateKey), request });

  /** One call as the installation, again with a fresh token if GitHub refuses the cached one. */
  async function asInstallation<T>(
    installationId: number,
    call: (token: string, signal: AbortSignal) => Promise<T>,
  ): Promise<Result<T, GithubFailure>> {
    for (const refresh of [false, true]) {
      try {
        const { token } = await auth({ type: "installation", installationId, refresh });
        return ok(await call(token, AbortSignal.timeout(timeoutMs)));
      } catch (error) {
        const status = statusOf(error);
        if (status === 401 && !refresh) continue;
        // No answer at all: a timeout, no connection, or a key the JWT cannot be signed with. The name says which.
        const failed: GithubFailure =
          status === null ? { kind: "unavailable", status, error: errorName(error) } : failure(status);
        const retryAfterSeconds = retryAfterOf(error, Date.now());
        return err(retryAfterSeconds === undefined ? failed : { ...failed, retryAfterSeconds });
      }
    }
    return err({ kind: "unauthorized", status: 401 });
  }

  return {
    async getAlert(ref) {
      const got = await asInstallation(ref.installationId, (token, signal) =>
        request("GET /repos/{owner}/{repo}/secret-scanning/alerts/{alert_number}", {
          owner: ref.owner,
          repo: ref.repo,
          alert_number: ref.number,
          headers: { authorization: `token ${token}` },
          request: { signal },
        }),
      );
      if (!got.ok) return got;
      const parsed = v.safeParse(AlertSchema, got.value.data);
      // An answer that is not an alert is GitHub (or a proxy) misbehaving: try again later, like a 5xx.
      if (!parsed.success) return err({ kind: "unavailable", status: got.value.status });
      const a = parsed.output;
      return ok({
        number: a.number,
        state: a.state,
        resolution: a.resolution,
        secret: a.secret,
        secretType: a.secret_type,
        htmlUrl: a.html_url,
      });
    },
    async resolveAsRevoked(ref, comment) {
      const patched = await asInstallation(ref.installationId, (token, signal) =>
        request("PATCH /repos/{owner}/{repo}/secret-scanning/alerts/{alert_number}", {
          owner: ref.owner,
          repo: ref.repo,
          alert_number: ref.number,
          state: "resolved",
          resolution: "revoked",
          resolution_comment: comment,
          headers: { authorization: `token ${token}` },
          request: { signal },
        }),
      );
      return patched.ok ? ok(undefined) : patched;
    },
  };
}
