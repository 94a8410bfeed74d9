/**
 * End to end: `npm start` (scripts/start.ts) survives a hard stop. A leak of live keys at a low CLERK_RATE_LIMIT, the
 * whole process group of `npm start` killed with SIGKILL half-way through, and `npm start` again on the same state
 * and dev directory, as a new user would do it: every key ends revoked and no incident is left `pending`.
 *
 * Exactly one revoke a key is not a promise anyone can keep across SIGKILL: a revoke that reached Clerk just before
 * the kill, whose outcome never reached D1, is made again after the restart (at least once, as every queue is). What
 * the test holds the Worker to is the bound: a second call only for a key whose first was in flight at the kill, so
 * at most one consumer's lanes (CONSUMER_CONCURRENCY) of keys, never a third call, and that second, refused or not,
 * still ends the incident.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import * as v from "valibot";
import { afterAll, describe, expect, it } from "vitest";
import {
  freePort,
  LOCAL_ADMIN_TOKEN,
  readSigningKey,
  repoRoot,
  SIGNING_KEY_FILE,
} from "../dev/local-stack.ts";
import { createAlertRequest } from "../dev/signer.ts";
import { control, processesMentioning, type Running, startScript, waitFor } from "./support.ts";

/** Keys in the leak, and Clerk calls per 10 s: 2 calls a key, so about 20 s of Clerk's pace in all. */
const LEAKED_KEYS = 100;
const CLERK_RATE_LIMIT = 100;
/** Revoked keys at the moment of the kill: well inside the run, after the alert's inline part has answered. */
const KILL_AT_REVOKED = 45;
const START_TIMEOUT_MS = 60_000;
/**
 * Revokes one queue consumer makes at once (`CONSUMER_CONCURRENCY` in src/use-cases/consume-revocations.ts, which
 * this Node-side test cannot import: it is workerd code): the most that can be in flight when the kill lands.
 */
const CONSUMER_CONCURRENCY = 6;
/** From the second start until the last key is revoked. */
const HEAL_TIMEOUT_MS = 60_000;

const CreatedSchema = v.object({ id: v.string(), secret: v.string() });
const KeysSchema = v.array(v.object({ id: v.string(), revoked: v.boolean(), revoke_count: v.number() }));
const PageSchema = v.object({ items: v.array(v.unknown()), next_cursor: v.nullable(v.string()) });

let scratch: string | undefined;
const running: Running[] = [];

afterAll(async () => {
  // SIGTERM, not SIGKILL: start.ts must live to stop its detached wrangler.
  for (const start of running) {
    if (start.child.exitCode === null && start.child.signalCode === null) {
      start.child.kill("SIGTERM");
      await start.finished;
    }
  }
  if (scratch) {
    // Whatever a failed run left behind of what this test started (their command lines name its directory).
    for (const left of await processesMentioning(scratch)) {
      try {
        process.kill(Number(left.split(" ")[0]), "SIGKILL");
      } catch {
        // Gone already.
      }
    }
    await rm(scratch, { recursive: true, force: true });
  }
});

describe("npm start after a hard stop (SIGKILL of its whole process group)", () => {
  it("revokes every key of the leak after the restart, a second time only those in flight at the kill, and leaves nothing pending", async () => {
    const root = await repoRoot();
    scratch = await mkdtemp(join(tmpdir(), "autorevoke-hard-stop-"));
    const env: Record<string, string> = {
      PERSIST_TO: join(scratch, "state"),
      AUTOREVOKE_DEV_DIR: join(scratch, "dev"),
      CLERK_RATE_LIMIT: String(CLERK_RATE_LIMIT),
    };
    for (const name of [
      "PORT",
      "CLERK_PORT",
      "GITHUB_KEYS_PORT",
      "GITLAB_KEYS_PORT",
      "DEPSDEV_KEYS_PORT",
      "NOTIFY_PORT",
    ]) {
      env[name] = String(await freePort());
    }
    const worker = `http://127.0.0.1:${env.PORT}`;
    const prod = `http://127.0.0.1:${env.CLERK_PORT}/instances/prod`;
    const npmStart = async () => {
      // A group of its own, as a shell runs a command: the kill below is the terminal's kill of that group.
      const start = await startScript(root, "scripts/start.ts", [], env, true);
      running.push(start);
      const up = await waitFor(
        async () => start.stdout().includes("Ctrl-C stops everything") || start.child.exitCode !== null,
        START_TIMEOUT_MS,
      );
      expect(
        up && start.child.exitCode === null,
        `npm start did not come up:\n${start.stdout()}\n${start.stderr()}`,
      ).toBe(true);
      return start;
    };
    const prodKeys = async () => v.parse(KeysSchema, await control(prod, "keys"));

    const first = await npmStart();
    const leaked: { id: string; secret: string }[] = [];
    for (let i = 0; i < LEAKED_KEYS; i++)
      leaked.push(v.parse(CreatedSchema, await control(prod, "keys", {})));
    const ids = new Set(leaked.map((k) => k.id));
    const revokedNow = async () => (await prodKeys()).filter((k) => ids.has(k.id) && k.revoked).length;

    const alert = await createAlertRequest({
      url: `${worker}/v1/alerts/github`,
      body: JSON.stringify(
        leaked.map((k) => ({
          token: k.secret,
          type: "clerk_api_key",
          url: "https://github.com/octo/app/blob/main/.env",
        })),
      ),
      key: await readSigningKey(join(env.AUTOREVOKE_DEV_DIR ?? "", SIGNING_KEY_FILE)),
      sender: "github",
    });
    const body = typeof alert.body === "string" ? alert.body : new Uint8Array(alert.body);
    // Not awaited: the kill may come before the answer.
    const answered = fetch(alert.url, { ...alert, body }).then(
      (res) => res.status,
      () => "no answer",
    );

    const reachedKill = await waitFor(async () => (await revokedNow()) >= KILL_AT_REVOKED, 60_000, 200);
    expect(reachedKill, "the leak never got half-way").toBe(true);
    const atKill = await revokedNow();
    process.kill(-(first.child.pid ?? 0), "SIGKILL");
    await first.finished;
    console.log(
      `hard stop: ${LEAKED_KEYS} keys, killed with ${atKill} revoked; the alert: ${await answered}`,
    );

    const second = await npmStart();
    const restartedAt = Date.now();
    const healed = await waitFor(
      async () => (await revokedNow().catch(() => 0)) === LEAKED_KEYS,
      HEAL_TIMEOUT_MS,
      250,
    );
    const healMs = Date.now() - restartedAt;
    const keys = (await prodKeys()).filter((k) => ids.has(k.id));
    const revokeCounts: Record<string, number> = {};
    for (const k of keys) revokeCounts[k.revoke_count] = (revokeCounts[k.revoke_count] ?? 0) + 1;
    const pending = await countPending(worker);
    console.log(
      `after the restart: ${keys.filter((k) => k.revoked).length}/${LEAKED_KEYS} revoked, ` +
        `${healed ? `the last ${(healMs / 1000).toFixed(1)} s after the restart` : "not all in time"}; ` +
        `keys by revoke calls: ${JSON.stringify(revokeCounts)}; pending incidents: ${pending}`,
    );

    expect(keys.length, "the Clerk stand-in forgot the leaked keys across the restart").toBe(LEAKED_KEYS);
    expect(healed, second.stdout().slice(-3_000)).toBe(true);
    const twice = revokeCounts[2] ?? 0;
    expect((revokeCounts[1] ?? 0) + twice, "a key was revoked more than twice, or never").toBe(LEAKED_KEYS);
    expect(twice, "more second revokes than revokes that can be in flight at once").toBeLessThanOrEqual(
      CONSUMER_CONCURRENCY,
    );
    expect(pending).toBe(0);

    second.child.kill("SIGINT");
    expect((await second.finished).code).toBe(0);
    expect(await processesMentioning(scratch)).toEqual([]);
  }, 180_000);
});

/** Incidents `pending` in the Worker's log, through the operators' API. */
async function countPending(worker: string): Promise<number> {
  let count = 0;
  let cursor: string | null = null;
  do {
    const query: string = `status=pending&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const res = await fetch(`${worker}/v1/incidents?${query}`, {
      headers: { Authorization: `Bearer ${LOCAL_ADMIN_TOKEN}` },
    });
    if (!res.ok) throw new Error(`GET /v1/incidents answered ${res.status}`);
    const page = v.parse(PageSchema, await res.json());
    count += page.items.length;
    cursor = page.next_cursor;
  } while (cursor !== null);
  return count;
}
