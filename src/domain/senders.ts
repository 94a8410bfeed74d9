/**
 * @module
 * The senders autorevoke takes alerts from: each a route (`/v1/alerts/{sender}`) and a signature scheme
 * (src/senders/).
 */

/** Every sender name, as it appears in `/v1/alerts/{sender}` and in the incident log. */
export const SENDER_NAMES = ["github", "gitlab", "depsdev", "generic"] as const;

/** A sender name. */
export type SenderName = (typeof SENDER_NAMES)[number];

/** Whether a path segment names a sender. */
export const isSenderName = (name: string): name is SenderName =>
  (SENDER_NAMES as readonly string[]).includes(name);
