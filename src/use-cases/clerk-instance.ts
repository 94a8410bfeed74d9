/**
 * @module
 * A Clerk instance as the resolver sees it: its name, its gateway and its pacer (its own budget).
 */

import type { ClerkGateway } from "../clerk/client";
import type { Pacer } from "../pacing/pacer";

/** One Clerk instance, ready to call. */
export interface ClerkInstance {
  name: string;
  clerk: ClerkGateway;
  pacer: Pacer;
  /**
   * This instance's own configuration fingerprint (config/verdict-config.ts over it alone: its name, its key's hash,
   * the API URL), stored when it confirms a key: a later 404 for that key counts only under the same one.
   */
  fingerprint?: Promise<string>;
}
