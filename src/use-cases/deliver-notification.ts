/**
 * @module
 * Delivers one notification message, at most once per owed event however many copies of the message there are (the
 * first send, the queue's retries, the sweeper's re-queues): it claims the event in the outbox first, and a copy that
 * finds it delivered, superseded or held by another delivery sends nothing. The event is built from the incident log
 * under that claim, so it tells what is true now, and the outbox notes the delivery (or why it failed for good) so
 * the sweeper stops owing it. A retryable failure releases the claim and tells the sweeper to wait past the retry's
 * own delay: a message that is only waiting is never copied. With notifications off, the message is dropped and
 * logged.
 */
import { buildEvent, type NotifyEventType } from "../domain/notify-event";
import type { NotificationOutbox } from "../incidents/outbox";
import type { Logger } from "../lib/log";
import type { Deliver } from "../notify/deliver";

/** What became of a notification message: done with (delivered, dropped or failed for good), or to try again. */
export type DeliveryVerdict = "done" | "retry";

/** Delivers the event `type` about `tokenHash`; a retry will come `retryDelaySeconds` later. */
export type DeliverNotification = (
  tokenHash: string,
  type: NotifyEventType,
  retry: { retryDelaySeconds: number },
) => Promise<DeliveryVerdict>;

/** What delivery works with. */
export interface DeliveryDeps {
  outbox: Pick<NotificationOutbox, "claimNotification" | "noteNotification" | "noteNotificationRetry">;
  /** Absent when notifications are off, or misconfigured. */
  deliver: Deliver | undefined;
  /** Whether NOTIFY_URL is set but a bad setting switched notifications off. */
  misconfigured: boolean;
  log: Logger;
  now: () => number;
  /** How long after a retry is due the sweeper takes its message for lost (the sweeper's own grace period). */
  graceMs: number;
  /** How long a delivery holds its event (`NOTIFY_HOLD_MS`). */
  holdMs: number;
}

/** Builds the delivery use case. */
export function createNotificationDelivery(deps: DeliveryDeps): DeliverNotification {
  return async (tokenHash, type, { retryDelaySeconds }) => {
    if (!deps.deliver) {
      // Misconfigured (a bad NOTIFY_SECRET, say) is not off: the event stays owed and the message comes back, until
      // the fixed setting delivers it or the queue's retries run out and the dead-letter consumer records it.
      if (deps.misconfigured) {
        deps.log.error("notification_failed", {
          token_hash: tokenHash,
          notify_event: type,
          reason: "misconfigured",
        });
        return "retry";
      }
      deps.log.warn("notification_dropped", { token_hash: tokenHash, notify_event: type, reason: "off" });
      return "done";
    }
    const now = deps.now();
    const claim = await deps.outbox.claimNotification(tokenHash, type, now, now + deps.holdMs);
    if (claim.kind !== "claimed") {
      deps.log.info("notification_skipped", {
        token_hash: tokenHash,
        notify_event: type,
        reason: claim.kind,
      });
      return "done";
    }
    const { facts, generation } = claim;
    const delivered = await deps.deliver(buildEvent(type, facts, now), generation);
    if (delivered.ok) {
      await deps.outbox.noteNotification(tokenHash, deps.now(), null, { generation });
      return "done";
    }
    deps.log.warn("notification_failed", { token_hash: tokenHash, notify_event: type, ...delivered.error });
    if (delivered.error.kind === "retryable") {
      await deps.outbox.noteNotificationRetry(
        tokenHash,
        generation,
        deps.now() + retryDelaySeconds * 1000 + deps.graceMs,
      );
      return "retry";
    }
    await deps.outbox.noteNotification(tokenHash, deps.now(), delivered.error.reason, { generation });
    return "done";
  };
}
