/**
 * @module
 * The pacer adapter: books a slot for one Clerk call from the instance's `ClerkPacer` object, and reports Clerk's
 * 429s to it. Should the object be unreachable, calls go ahead unpaced (and are logged): a leaked key must still be
 * revoked, and Clerk's own 429s still hold the line.
 */

import type { PaceDecision, PacePriority } from "../domain/pace-schedule";
import type { Logger } from "../lib/log";
import { errorName } from "../lib/settle";
import type { ClerkPacer } from "./clerk-pacer";

/** Books Clerk calls against the instance's budget. */
export interface Pacer {
  /** A slot within `maxWaitMs`, or when to come back. */
  reserve(priority: PacePriority, maxWaitMs: number): Promise<PaceDecision>;
  /** Clerk answered 429 with this `Retry-After`. */
  slowDown(retryAfterMs: number): Promise<void>;
}

/** What the pacer is built from. */
export interface PacerOptions {
  namespace: DurableObjectNamespace<ClerkPacer>;
  /** The Clerk instance's name: one pacing object per instance. */
  instance: string;
  /** Requests per 10 s (`CLERK_RATE_LIMIT`). */
  limitPerWindow: number;
  log: Logger;
}

/** Builds the pacer for one Clerk instance. */
export function createPacer(options: PacerOptions): Pacer {
  // The id is a hash of the name: worked out once, not on every call.
  const id = options.namespace.idFromName(`clerk:${options.instance}`);
  const stub = () => options.namespace.get(id);
  return {
    async reserve(priority, maxWaitMs) {
      try {
        return await stub().reserve({ priority, maxWaitMs, limitPerWindow: options.limitPerWindow });
      } catch (error) {
        options.log.warn("pacer_unavailable", { error: errorName(error) });
        return { granted: true, waitMs: 0 };
      }
    },
    async slowDown(retryAfterMs) {
      try {
        await stub().slowDown(retryAfterMs);
      } catch (error) {
        options.log.warn("pacer_unavailable", { error: errorName(error) });
      }
    },
  };
}
