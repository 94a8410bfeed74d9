/**
 * Bindings that fail or crawl, for the fault tests: a D1 that is down or slow, a queue whose sends throw or hang.
 * They wrap the real bindings, so what does get through lands in the same D1 and queue the rest of the test reads.
 */

import { wrapD1 } from "./wrap-d1";

/** A D1 that is down: every call fails as D1 does when it cannot be reached. */
export const unavailableD1 = (db: D1Database) =>
  wrapD1(db, () => Promise.reject(new Error("D1_ERROR: Network connection lost.")));

/** A D1 where every call takes `delayMs` longer. */
export const slowD1 = (db: D1Database, delayMs: number) =>
  wrapD1(db, async (call) => {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    return call();
  });

/** A queue whose sends fail (the binding is down); `sent` counts the attempts. */
export function unavailableQueue<T>(): Queue<T> & { attempts: number } {
  const queue = {
    attempts: 0,
    send: async () => {
      queue.attempts++;
      throw new Error("Queue send failed: service unavailable");
    },
    sendBatch: async () => {
      queue.attempts++;
      throw new Error("Queue send failed: service unavailable");
    },
  };
  return queue as unknown as Queue<T> & { attempts: number };
}

/** `queue` with every send taking `delayMs` longer. */
export function slowQueue<T>(queue: Queue<T>, delayMs: number): Queue<T> {
  const wait = () => new Promise((resolve) => setTimeout(resolve, delayMs));
  return {
    send: async (...args: Parameters<Queue<T>["send"]>) => {
      await wait();
      return queue.send(...args);
    },
    sendBatch: async (...args: Parameters<Queue<T>["sendBatch"]>) => {
      await wait();
      return queue.sendBatch(...args);
    },
  } as Queue<T>;
}
