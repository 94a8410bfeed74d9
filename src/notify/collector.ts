/**
 * @module
 * Collects the notifications one invocation owes and queues them in one go at its end, so sending them
 * never sits between two revocations; the queue then delivers each with retries.
 */
import { SEND_BATCH_MAX_MESSAGES } from "../revocation/enqueue";
import { type NotifyEventType, notifyMessage, type RevocationMessage } from "../revocation/queue-message";

/** Notifications owed by one invocation. */
export interface NotificationCollector {
  add(tokenHash: string, type: NotifyEventType): void;
  /** Queues everything added so far; never throws (a lost notification must not fail a revocation). */
  flush(): Promise<void>;
}

/** A collector that drops everything: notifications are off. */
export const noNotifications: NotificationCollector = { add: () => {}, flush: async () => {} };

/** Builds a collector over the queue; `onError` hears about a failed send. */
export function createNotificationCollector(
  queue: Queue<RevocationMessage>,
  onError: (error: unknown) => void,
): NotificationCollector {
  let owed: MessageSendRequest<RevocationMessage>[] = [];
  return {
    add(tokenHash, type) {
      owed.push({ body: notifyMessage(tokenHash, type), contentType: "json" });
    },
    async flush() {
      const batch = owed;
      owed = [];
      try {
        for (let i = 0; i < batch.length; i += SEND_BATCH_MAX_MESSAGES) {
          await queue.sendBatch(batch.slice(i, i + SEND_BATCH_MAX_MESSAGES));
        }
      } catch (error) {
        onError(error);
      }
    },
  };
}
