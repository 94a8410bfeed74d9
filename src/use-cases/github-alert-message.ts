/**
 * @module
 * A `github_alert` queue message, handled: the alert's step (handle-github-alert.ts), then, when it must come back,
 * a fresh message with a growing delay (so waiting on GitHub or on the key's revocation never spends the queue's
 * retries), up to `GITHUB_ALERT_MAX_ROUNDS`. The message is acked by the caller either way.
 */
import { alertName } from "../domain/github-app-delivery";
import type { AlertRef } from "../github/github-app-client";
import type { Logger } from "../lib/log";
import type { GithubAlertMessage, QueueMessageBody } from "../queue/messages";
import type { GithubAlertStep } from "./handle-github-alert";

export type { GithubAlertStep };

/**
 * Rounds before giving up: with the delay doubling from the step's to an hour, about 30 hours in all, past
 * GIVE_UP_AFTER_HOURS (24 h) for the key's own revocation.
 */
export const GITHUB_ALERT_MAX_ROUNDS = 40;
/** The longest wait between rounds. */
const MAX_ROUND_DELAY_SECONDS = 3_600;

/** What handling the message needs. */
export interface GithubAlertMessageDeps {
  githubAlert?: (ref: AlertRef) => Promise<GithubAlertStep>;
  queue: Queue<QueueMessageBody>;
  log: Logger;
}

/** Handles the message; D1's failures throw, for the queue's own retry. */
export async function githubAlertFromMessage(
  body: GithubAlertMessage,
  deps: GithubAlertMessageDeps,
): Promise<void> {
  const ref: AlertRef = {
    installationId: body.installation_id,
    repositoryId: body.repository_id,
    owner: body.owner,
    repo: body.repo,
    number: body.number,
  };
  const alert = alertName(ref);
  if (!deps.githubAlert) {
    // The App's settings were removed (or are invalid) after the delivery was queued: kept, for when they are back,
    // as a round like any other, so a setting never fixed does not keep it forever.
    deps.log.error("github_app_not_configured", { alert });
    await comeBack(body, MAX_ROUND_DELAY_SECONDS, deps);
    return;
  }
  const step = await deps.githubAlert(ref);
  if (step.kind === "done") return;
  const grown = step.delaySeconds * 2 ** Math.min(body.round, 12);
  await comeBack(body, Math.min(MAX_ROUND_DELAY_SECONDS, Math.max(grown, step.atLeastSeconds ?? 0)), deps);
}

/** The message again in `delaySeconds`, one round later; given up (and said so) past the last round. */
export async function comeBack(
  body: GithubAlertMessage,
  delaySeconds: number,
  deps: Pick<GithubAlertMessageDeps, "queue" | "log">,
): Promise<void> {
  const round = body.round + 1;
  if (round > GITHUB_ALERT_MAX_ROUNDS) {
    deps.log.error("github_alert_abandoned", {
      alert: alertName(body),
      rounds: body.round,
    });
    return;
  }
  await deps.queue.send({ ...body, round }, { contentType: "json", delaySeconds });
}
