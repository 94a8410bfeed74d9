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
}
