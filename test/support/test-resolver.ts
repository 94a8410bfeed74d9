/**
 * @module
 * The resolver over the test D1 with a Clerk gateway the test chooses: unpaced, no sleeping, no jitter, a one-hour
 * give-up window, and the test env's sealing keys, so that one test file's resolver is every other's.
 */
import { env } from "cloudflare:workers";
import type { ClerkGateway } from "../../src/clerk/client";
import { readConfig } from "../../src/config/config";
import { createSealer } from "../../src/lib/seal";
import type { Pacer } from "../../src/pacing/pacer";
import { createResolver, type ResolverDeps } from "../../src/use-cases/resolve-token";
import type { incidentLog } from "./incident-log";

/** A pace that grants every slot at once. */
export const UNPACED: Pacer = {
  reserve: async () => ({ granted: true, waitMs: 0 }),
  slowDown: async () => {},
};

/** A resolver over `leases` and `clerk`; `extra` overrides any other dependency (a pacer, a log, `onFinal`). */
export function testResolver(
  leases: ReturnType<typeof incidentLog>,
  clerk: ClerkGateway,
  extra: Partial<ResolverDeps> = {},
) {
  const config = readConfig(env);
  if (!config.ok) throw new Error(config.error);
  return createResolver({
    leases,
    clerk,
    sealer: createSealer({ keys: config.value.SEALING_KEYS }),
    pacer: UNPACED,
    now: Date.now,
    sleep: async () => {},
    random: () => 0,
    giveUpAfterMs: 3_600_000,
    ...extra,
  });
}
