/**
 * @module
 * A GitHub App delivery's alert, from the queue: read it from GitHub (the delivery carries no secret), revoke its
 * secret when it is a live Clerk key, and resolve the alert as `revoked` with a comment. Every step is idempotent, so
 * the message is simply tried again until the alert is resolved or there is nothing to do:
 *
 * - GitHub unavailable (a 5xx, a timeout): try again later; the webhook was answered long before.
 * - The alert already resolved, its secret hidden, or not a Clerk secret: nothing to do, and the alert is left as
 *   it is (a wrong `revoked` on someone else's secret would be worse than none).
 * - The token through `processAlert`, as a signed alert's match (sender `github_app`, the alert's page as the
 *   sighting): a live key is revoked inline or queued; a key already revoked costs no Clerk call.
 * - Revoked: PATCH the alert once, under a claim (src/incidents/github-alerts.ts). Not yet revoked (queued, or Clerk
 *   down): try again later, when the incident's outcome is known. Labelled false_positive: left open.
 */

import { clerkCredentialTypeOf, isClerkSecretShape, jwtExpired } from "../domain/clerk-ids";
import { isUnrevocable } from "../domain/credential-kind";
import {
  alertName,
  GITHUB_APP_SENDER,
  GITHUB_APP_SOURCE,
  resolutionComment,
} from "../domain/github-app-delivery";
import type { AlertRef, GithubApp, GithubFailure } from "../github/github-app-client";
import type { GithubAlertStore } from "../incidents/github-alerts";
import { sha256Hex } from "../lib/hash";
import type { Logger } from "../lib/log";
import type { AlertInput, AlertSummary } from "./process-alert";

/** Delay before trying an alert again while GitHub is unavailable or its key's revocation is still under way. */
export const GITHUB_RETRY_DELAY_SECONDS = 15;

/** What handling an alert needs. */
export interface GithubAlertDeps {
  github: GithubApp;
  alerts: GithubAlertStore;
  processAlert: (input: AlertInput) => Promise<AlertSummary>;
  log: Logger;
  now: () => number;
  /** The first delay before the alert comes back (`RETRY_BASE_DELAY_SECONDS`); default `GITHUB_RETRY_DELAY_SECONDS`. */
  retryDelaySeconds?: number;
}

/** Done (ack the message), or try again in `delaySeconds`. */
export type GithubAlertStep =
  | { kind: "done" }
  /** `atLeastSeconds`: GitHub's own Retry-After (or rate-limit reset), a floor under the growing delay. */
  | { kind: "retry"; delaySeconds: number; atLeastSeconds?: number };

const DONE: GithubAlertStep = { kind: "done" };

/**
 * Its key in `github_alerts`: the repository's id (a name can be reused by a new repository, whose alert numbers
 * start again) and the number.
 */
export const alertKey = (ref: AlertRef) => `${ref.repositoryId}#${ref.number}`;

/** Handles one alert; never throws for GitHub's or Clerk's failures (D1's may, for the queue to retry). */
export async function handleGithubAlert(ref: AlertRef, deps: GithubAlertDeps): Promise<GithubAlertStep> {
  const { log } = deps;
  const RETRY: GithubAlertStep = {
    kind: "retry",
    delaySeconds: deps.retryDelaySeconds ?? GITHUB_RETRY_DELAY_SECONDS,
  };
  const key = alertKey(ref);
  const fields = { alert: alertName(ref), installation_id: ref.installationId };
  const got = await deps.github.getAlert(ref);
  if (!got.ok) return afterFailure(got.error, { ...fields, call: "get" }, log, RETRY);
  const alert = got.value;
  if (alert.state !== "open") {
    log.info("github_alert_skipped", { ...fields, reason: "not_open", resolution: alert.resolution });
    return DONE;
  }
  if (alert.secret === null || !isClerkSecretShape(alert.secret)) {
    log.info("github_alert_skipped", {
      ...fields,
      reason: alert.secret === null ? "secret_hidden" : "not_clerk",
    });
    return DONE;
  }
  const tokenHash = await sha256Hex(alert.secret);
  const summary = await deps.processAlert({
    sender: GITHUB_APP_SENDER,
    matches: [
      {
        token: alert.secret,
        type: alert.secretType || "github_secret",
        url: alert.htmlUrl,
        source: GITHUB_APP_SOURCE,
      },
    ],
    invalid: 0,
    receivedAt: deps.now(),
    requestId: `github-app:${key}`,
  });
  const label = summary.feedback.find((f) => f.token_hash === tokenHash)?.label;
  if (label === "false_positive") {
    log.info("github_alert_skipped", { ...fields, token_hash: tokenHash, reason: "not_a_live_key" });
    return DONE;
  }
  if (label !== "true_positive") {
    // Queued, or Clerk failing: the incident's own retries revoke it; this message comes back to resolve the alert.
    log.info("github_alert_waiting", { ...fields, token_hash: tokenHash });
    return RETRY;
  }
  // A live JWT is real, and nothing revoked it: closing the alert as revoked would tell the repository's owners it
  // is dead. It stays open for them (the team's event says until when it works).
  if (
    isUnrevocable(clerkCredentialTypeOf(alert.secret) ?? "other") &&
    !jwtExpired(alert.secret, deps.now())
  ) {
    log.info("github_alert_skipped", { ...fields, token_hash: tokenHash, reason: "cannot_be_revoked" });
    return DONE;
  }
  const claim = await deps.alerts.claimPatch(key, ref.installationId, tokenHash, deps.now());
  if (claim === "patched") return DONE;
  if (claim === "held") return RETRY;
  const patched = await deps.github.resolveAsRevoked(ref, resolutionComment(tokenHash));
  if (patched.ok) {
    await deps.alerts.notePatched(key, deps.now());
    log.info("github_alert_resolved", { ...fields, token_hash: tokenHash });
    return DONE;
  }
  if (patched.error.kind === "refused" && patched.error.status === 400) {
    // GitHub's 400 is "the resolution was not changed" (resolved as revoked already, by a PATCH whose answer never
    // came back) or "the resolution comment is invalid". The alert itself says which; the claim is still held.
    const again = await deps.github.getAlert(ref);
    if (again.ok && again.value.state === "resolved") {
      await deps.alerts.notePatched(key, deps.now());
      log.info("github_alert_resolved", { ...fields, token_hash: tokenHash, already: true });
      return DONE;
    }
  }
  await deps.alerts.releaseClaim(key);
  return afterFailure(patched.error, { ...fields, call: "patch", token_hash: tokenHash }, log, RETRY);
}

/**
 * GitHub's failure. A 4xx about the request itself (`refused`: 400, 422) cannot change by retrying: logged, given up.
 * Everything else comes back later, bounded by the message's rounds: GitHub unavailable or rate limiting (its limits
 * answer 403 or 429), a 401 for a token GitHub has not propagated yet, a 404 for an alert not readable yet, an
 * installation whose permission an admin may still fix.
 */
function afterFailure(
  failure: GithubFailure,
  fields: Record<string, unknown>,
  log: Logger,
  retry: GithubAlertStep,
): GithubAlertStep {
  const line = {
    ...fields,
    kind: failure.kind,
    status: failure.status,
    ...("error" in failure ? { error: failure.error } : {}),
  };
  if (failure.kind !== "refused") {
    log.warn("github_unavailable", {
      ...line,
      ...(failure.retryAfterSeconds === undefined ? {} : { retry_after_s: failure.retryAfterSeconds }),
    });
    return failure.retryAfterSeconds === undefined || retry.kind !== "retry"
      ? retry
      : { ...retry, atLeastSeconds: failure.retryAfterSeconds };
  }
  log.error("github_alert_failed", line);
  return DONE;
}
