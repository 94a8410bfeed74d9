/**
 * @module
 * Is each configured Clerk instance reachable, and does it take its secret key? Every instance is checked side by
 * side: a background slot from the instance's pace, one probe (src/clerk/health-probe.ts), and its answer classified
 * (src/domain/clerk-health.ts). The cron's watch runs the same check and logs each instance that is not ok.
 *
 * Pacing: the probe is a Clerk call like any other, so it draws from the instance's budget, at background priority
 * and with a short wait. When no slot is free within `HEALTH_SLOT_MAX_WAIT_MS` the instance is reported `paced` (not
 * checked this time) rather than calling Clerk over the budget: revocations come first, and the next check (the next
 * cron run, or the next reload) asks again. A 429 from Clerk is reported to the pacer, as every call's is.
 */
import type { ClerkHealthProbe } from "../clerk/health-probe";
import {
  type ClerkInstanceHealth,
  classifyClerkHealth,
  HEALTH_SLOT_MAX_WAIT_MS,
  notCheckedForPace,
} from "../domain/clerk-health";
import type { Logger } from "../lib/log";
import { errorName } from "../lib/settle";
import type { Pacer } from "../pacing/pacer";
import { waitForSlot } from "./wait-for-slot";

/** One instance as the check sees it: its name (never its key), its probe and its pacer. */
export interface HealthCheckedInstance {
  name: string;
  probe: ClerkHealthProbe;
  pacer: Pacer;
}

/** What the check works with. */
export interface CheckClerkHealthDeps {
  instances: readonly HealthCheckedInstance[];
  sleep: (ms: number) => Promise<void>;
  now: () => number;
}

async function checkOne(
  deps: CheckClerkHealthDeps,
  instance: HealthCheckedInstance,
): Promise<ClerkInstanceHealth> {
  const { name, pacer, probe } = instance;
  const slot = await waitForSlot(pacer, deps.sleep, "background", HEALTH_SLOT_MAX_WAIT_MS);
  if (!slot.ok) return { name, ...notCheckedForPace(slot.retryAfterMs), checkedAt: deps.now() };
  const facts = await probe.probe();
  if (facts.kind === "answered" && facts.status === 429)
    await pacer.slowDown((facts.retryAfterSeconds ?? 1) * 1000);
  return { name, ...classifyClerkHealth(facts), checkedAt: deps.now() };
}

/** Every instance's health, checked now, in the configured order. */
export function checkClerkHealth(deps: CheckClerkHealthDeps): Promise<ClerkInstanceHealth[]> {
  return Promise.all(deps.instances.map((instance) => checkOne(deps, instance)));
}

/**
 * The cron's check: `clerk_instance_unhealthy` (an error) for each instance that is unauthorised, misrouted or
 * unreachable, naming the instance, its status, the HTTP status and what to check; `clerk_health_not_checked` (info)
 * for one that was paced. Nothing for a healthy one. Never throws: the cron's other work must not depend on it.
 */
export async function watchClerkHealth(deps: CheckClerkHealthDeps & { log: Logger }): Promise<void> {
  let checked: ClerkInstanceHealth[];
  try {
    checked = await checkClerkHealth(deps);
  } catch (error) {
    // A bug, not an answer: said once, by name only (a message from deep in the SDK could quote anything).
    deps.log.error("clerk_health_check_failed", { error: errorName(error) });
    return;
  }
  for (const { name, status, httpStatus, detail } of checked) {
    if (status === "ok") continue;
    const fields = { instance: name, status, http_status: httpStatus ?? null, detail };
    if (status === "paced") deps.log.info("clerk_health_not_checked", fields);
    else deps.log.error("clerk_instance_unhealthy", fields);
  }
}
