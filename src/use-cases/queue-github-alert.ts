/**
 * @module
 * A verified GitHub App delivery, put on the queue: GitHub wants an answer within 10 s and its delivery holds no
 * secret, so the alert is read and acted on from there (github-alert-message.ts), never inline. A queue that refuses
 * the message is the one way a delivery can be lost (GitHub does not redeliver on its own), so it is said loudly
 * and answered 503: the delivery shows as failed in the App's settings, where it can be redelivered.
 */
import { alertName } from "../domain/github-app-delivery";
import type { AlertRef } from "../github/github-app-client";
import { consoleLogger } from "../lib/log";
import { errorName } from "../lib/settle";
import type { QueueMessageBody } from "../queue/messages";

/** Queues the alert; false when the queue refused it. */
export async function queueGithubAlert(queue: Queue<QueueMessageBody>, ref: AlertRef): Promise<boolean> {
  try {
    await queue.send(
      {
        v: 1,
        kind: "github_alert",
        installation_id: ref.installationId,
        repository_id: ref.repositoryId,
        owner: ref.owner,
        repo: ref.repo,
        number: ref.number,
      },
      { contentType: "json" },
    );
    return true;
  } catch (error) {
    consoleLogger.error("github_alert_enqueue_failed", {
      alert: alertName(ref),
      error: errorName(error),
    });
    return false;
  }
}
