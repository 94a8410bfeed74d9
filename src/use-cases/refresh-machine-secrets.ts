/**
 * @module
 * Keeps the machine secret hashes (incidents/machine-secrets.ts) close to Clerk's, run by the cron beside the sweep:
 * per instance, the machines are listed at most once per `MACHINE_LIST_EVERY_MS`, and the secret key hashes older than
 * that are read again, at most `MACHINE_SECRETS_PER_RUN` a run. Every call books a background slot in the instance's
 * pace, like the queue's, so the refresh never crowds out a revocation; a slot refused or a Clerk failure ends the
 * instance's refresh for this run, and the next run goes on. A machine created since the last listing is not known
 * until the next one (an hour at most): until then, a leak of its secret is answered `false_positive`.
 */
import type { ClerkFailure } from "../domain/clerk-failure";
import type { MachineSecrets } from "../incidents/machine-secrets";
import type { Logger } from "../lib/log";
import type { Result } from "../lib/result";
import type { ClerkInstance } from "./clerk-instance";
import { BACKGROUND_MAX_WAIT_MS } from "./resolve-token";
import { waitForSlot } from "./wait-for-slot";

/** How often an instance's machines are listed, and how old a secret hash may grow before it is read again. */
export const MACHINE_LIST_EVERY_MS = 60 * 60_000;
/** Secret key hashes read per instance per run: with the listing, well inside a cron run's 50 subrequests. */
export const MACHINE_SECRETS_PER_RUN = 30;
/** Machines per `GET /machines` page (Clerk's maximum is 500; 100 keeps each answer small). */
export const MACHINE_PAGE_SIZE = 100;
/** Pages listed per run at most: 1,000 machines. A larger instance is listed up to there, and says so. */
export const MACHINE_PAGES_PER_RUN = 10;

/** What the refresh works with. */
export interface RefreshDeps {
  instances: readonly ClerkInstance[];
  machineSecrets: MachineSecrets;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  log: Logger;
}

/** What one run did, per instance. */
export interface RefreshResult {
  instance: string;
  listed: number | null;
  hashed: number;
  stopped?: string;
}

/**
 * One run over every instance; `force` (an operator asks) lists now and reads the hashes never read first, then the
 * oldest, `MACHINE_SECRETS_PER_RUN` of them: a machine just created is known at once.
 */
export async function refreshMachineSecrets(
  deps: RefreshDeps,
  options: { force?: boolean } = {},
): Promise<RefreshResult[]> {
  const results: RefreshResult[] = [];
  for (const instance of deps.instances) {
    const result = await refreshInstance(deps, instance, options.force ?? false);
    results.push(result);
    if (result.listed !== null || result.hashed > 0 || result.stopped)
      deps.log.info("machine_secrets_refreshed", { ...result });
  }
  return results;
}

async function refreshInstance(
  deps: RefreshDeps,
  instance: ClerkInstance,
  force: boolean,
): Promise<RefreshResult> {
  const result: RefreshResult = { instance: instance.name, listed: null, hashed: 0 };
  /** One paced Clerk call; `undefined` once the refresh must stop for this run. */
  const paced = async <T>(call: () => Promise<Result<T, ClerkFailure>>): Promise<T | undefined> => {
    const slot = await waitForSlot(instance.pacer, deps.sleep, "background", BACKGROUND_MAX_WAIT_MS);
    if (!slot.ok) {
      result.stopped = "clerk_paced";
      return undefined;
    }
    const answer = await call();
    if (answer.ok) return answer.value;
    if (answer.error.kind === "retryable" && answer.error.status === 429)
      await instance.pacer.slowDown((answer.error.retryAfterSeconds ?? 1) * 1000);
    const reason = answer.error.kind === "not_found" ? "not_found" : answer.error.reason;
    // Most reasons are Clerk's already (`clerk_http_503`); the prefix is added once.
    result.stopped = reason.startsWith("clerk_") ? reason : `clerk_${reason}`;
    return undefined;
  };

  const now = deps.now();
  const listedAt = await deps.machineSecrets.listedAt(instance.name);
  if (force || listedAt === undefined || now - listedAt >= MACHINE_LIST_EVERY_MS) {
    const machines: { id: string; name: string }[] = [];
    for (let page = 0; page < MACHINE_PAGES_PER_RUN; page++) {
      const answer = await paced(() =>
        instance.clerk.machines.list(page * MACHINE_PAGE_SIZE, MACHINE_PAGE_SIZE),
      );
      if (!answer) return result;
      machines.push(...answer.machines);
      if (answer.machines.length < MACHINE_PAGE_SIZE || machines.length >= answer.totalCount) break;
      if (page === MACHINE_PAGES_PER_RUN - 1) result.stopped = "too_many_machines";
    }
    // A partial listing would drop the machines it did not reach: only a whole one replaces the list.
    if (result.stopped) return result;
    await deps.machineSecrets.replaceList(instance.name, machines, now);
    result.listed = machines.length;
  }
  const due = await deps.machineSecrets.stale(
    instance.name,
    force ? now + 1 : now - MACHINE_LIST_EVERY_MS,
    MACHINE_SECRETS_PER_RUN,
  );
  for (const machineId of due) {
    const hash = await paced(() => instance.clerk.machines.secretHashOf(machineId));
    if (hash === undefined) return result;
    await deps.machineSecrets.setHash(instance.name, machineId, hash, deps.now());
    result.hashed++;
  }
  return result;
}
