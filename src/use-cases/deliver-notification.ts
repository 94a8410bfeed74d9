/**
 * @module
 * Delivers one notification message: the event is built from the incident log at delivery time, so it tells what is
 * true now, and the outbox notes the delivery (or why it failed for good) so the sweeper stops owing it. A retryable
 * failure goes back to the queue on the message's own backoff; with notifications off, the message is dropped and
 * logged.
 */
import { buildEvent, type NotifyEventType } from "../domain/notify-event";
import type { NotificationOutbox } from "../incidents/outbox";
import type { Logger } from "../lib/log";
import type { Deliver } from "../notify/deliver";

/** What became of a notification message: done with (delivered, dropped or failed for good), or to try again. */
export type DeliveryVerdict = "done" | "retry";

/** Delivers the event `type` about `tokenHash`. */
export type DeliverNotification = (tokenHash: string, type: NotifyEventType) => Promise<DeliveryVerdict>;

/** What delivery works with. */
export interface DeliveryDeps {
  outbox: Pick<NotificationOutbox, "eventFacts" | "noteNotification">;
  /** Absent when notifications are off. */
  deliver: Deliver | undefined;
  log: Logger;
  now: () => number;
}

/** Builds the delivery use case. */
export function createNotificationDelivery(deps: DeliveryDeps): DeliverNotification {
  return async (tokenHash, type) => {
    const facts = await deps.outbox.eventFacts(tokenHash);
    if (!deps.deliver || !facts) {
      deps.log.warn("notification_dropped", {
        token_hash: tokenHash,
        event: type,
        reason: facts ? "off" : "no_incident",
      });
      return "done";
    }
    const delivered = await deps.deliver(buildEvent(type, facts, deps.now()));
    if (delivered.ok) {
      await deps.outbox.noteNotification(tokenHash, deps.now(), null);
      return "done";
    }
    deps.log.warn("notification_failed", { token_hash: tokenHash, event: type, ...delivered.error });
    if (delivered.error.kind === "retryable") return "retry";
    await deps.outbox.noteNotification(tokenHash, deps.now(), delivered.error.reason);
    return "done";
  };
}
