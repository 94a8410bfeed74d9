/**
 * @module
 * Collects the notifications one invocation owes and queues them in one go at its end, so sending them
 * never sits between two revocations; the queue then delivers each with retries.
 */

import type { NotifyEventType } from "../domain/notify-event";
import { SEND_BATCH_MAX_MESSAGES } from "./enqueue";
import { notifyMessage, type QueueMessageBody } from "./messages";

/** Notifications owed by one invocation. */
export interface NotificationCollector {
  add(tokenHash: string, type: NotifyEventType): void;
  /** Queues everything added so far; never throws (a lost notification must not fail a revocation). */
  flush(): Promise<void>;
}

/** A collector that drops everything: notifications are off. */
export const noNotifications: NotificationCollector = { add: () => {}, flush: async () => {} };

/** What the collector tells its owner. */
export interface CollectorHooks {
  /** A send failed: those notifications stay owed in the incident log. */
  onError: (error: unknown) => void;
  /** These incidents' notifications are on the queue, so the sweeper need not queue them again. */
  onQueued?: (tokenHashes: string[]) => Promise<void>;
}

/** Builds a collector over the queue. */
export function createNotificationCollector(
  queue: Queue<QueueMessageBody>,
  hooks: CollectorHooks,
): NotificationCollector {
  let owed: { tokenHash: string; request: MessageSendRequest<QueueMessageBody> }[] = [];
  return {
    add(tokenHash, type) {
      owed.push({ tokenHash, request: { body: notifyMessage(tokenHash, type), contentType: "json" } });
    },
    async flush() {
      const batch = owed;
      owed = [];
      if (batch.length === 0) return;
      try {
        for (let i = 0; i < batch.length; i += SEND_BATCH_MAX_MESSAGES) {
          await queue.sendBatch(batch.slice(i, i + SEND_BATCH_MAX_MESSAGES).map((o) => o.request));
        }
        await hooks.onQueued?.(batch.map((o) => o.tokenHash));
      } catch (error) {
        hooks.onError(error);
      }
    },
  };
}
