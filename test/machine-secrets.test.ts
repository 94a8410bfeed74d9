/**
 * Machine secret keys (issue 25): they start `ak_` like API key secrets, and `apiKeys.verify` does not know them. The
 * cron keeps the SHA-256 of each machine's secret key (`GET /machines`, `GET /machines/{id}/secret_key`), never the
 * secret; an `ak_` that no instance's verify knows is looked for there before it is called `false_positive`, and a
 * match is rotated with `previous_token_ttl: 0` (`POST /machines/{id}/secret_key/rotate`), which ends the leaked
 * value at once. Every secret is looked for everywhere a secret could leak.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TEST_CLERK_SECRET_KEY } from "../dev/outbound";
import type { SigningKey } from "../dev/signer";
import worker from "../src";
import { sha256Hex } from "../src/lib/hash";
import { MACHINE_LIST_EVERY_MS } from "../src/use-cases/refresh-machine-secrets";
import { clearTables, incident, migrate } from "./support/db";
import { eventFor } from "./support/owed-event";
import { watchSecrecy } from "./support/secrecy";
import { noteSecret } from "./support/secrets-registry";
import {
  CLERK,
  clerkCalls,
  clerkMachines,
  createMachine,
  match,
  publishedSigningKey,
  resetClerk,
} from "./support/standins";
import { type AlertLabel, alertWorker } from "./support/worker-calls";

const ADMIN_TOKEN = "test-admin-token-machines-0123456789abcd";
const secrecy = watchSecrecy({ clerk: CLERK });
let signing: SigningKey;

beforeAll(async () => {
  await migrate();
  signing = await publishedSigningKey();
});

beforeEach(async () => {
  await clearTables();
  await env.DB.batch([
    env.DB.prepare("DELETE FROM machine_secrets"),
    env.DB.prepare("DELETE FROM machine_lists"),
  ]);
  await resetClerk();
});

async function alert(tokens: string[], workerEnv: Env = env): Promise<AlertLabel[]> {
  return alertWorker(
    signing,
    tokens.map((t) => match(t)),
    workerEnv,
    secrecy,
  );
}

/** Runs the cron at `at`, the way Cloudflare would (the refresh runs beside the sweep). */
async function cronAt(at: number, workerEnv: Env = env): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: at }), workerEnv, ctx);
  await waitOnExecutionContext(ctx);
}

/** The test env's one key, moved from CLERK_SECRET_KEY (`default`) to CLERK_SECRET_KEYS under another name. */
const renamedEnv = () =>
  ({ ...env, CLERK_SECRET_KEY: "", CLERK_SECRET_KEYS: `prod=${TEST_CLERK_SECRET_KEY}` }) as Env;

const calls = async (operation: string) => (await clerkCalls()).filter((c) => c.operation === operation);

describe("a leaked machine secret key", () => {
  it("is rotated with previous_token_ttl 0, labelled true_positive, and its machine named", async () => {
    const machine = await createMachine({ name: "billing-worker" });
    await cronAt(Date.now());

    const [answer] = await alert([machine.secret]);

    expect(answer).toMatchObject({ label: "true_positive" });
    expect((await clerkMachines()).find((m) => m.id === machine.id)).toMatchObject({
      rotate_count: 1,
      previous_token_ttls: [0],
    });
    const tokenHash = await sha256Hex(machine.secret);
    expect(await incident(tokenHash)).toMatchObject({
      status: "revoked",
      label: "true_positive",
      token_type: "clerk_machine_secret_key",
      key_id: machine.id,
      key_subject: machine.id,
      key_name: "billing-worker",
      sealed_secret: null,
    });
    expect(await eventFor(tokenHash)).toBe("api_key.revoked");
    // The table now holds the new secret's hash, not the leaked one's.
    const row = await env.DB.prepare("SELECT secret_sha256 FROM machine_secrets WHERE machine_id = ?1")
      .bind(machine.id)
      .first<{ secret_sha256: string }>();
    expect(row?.secret_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.secret_sha256).not.toBe(tokenHash);
  });

  it("is rotated once when two alerts carry it at the same time", async () => {
    const machine = await createMachine();
    await cronAt(Date.now());

    const answers = await Promise.all([alert([machine.secret]), alert([machine.secret])]);

    expect(answers.flat().map((a) => a.label)).not.toContain("false_positive");
    expect((await calls("machine_rotate")).length).toBe(1);
  });

  it("is found by the refresh an operator asks for, before the hourly one", async () => {
    await cronAt(Date.now());
    const machine = await createMachine();
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request("http://autorevoke.test/v1/machines/refresh", {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      }),
      { ...env, ADMIN_TOKEN } as Env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    const text = await res.text();
    secrecy.sawResponse(text);
    expect(res.status).toBe(200);
    expect(JSON.parse(text)).toMatchObject({ instances: [{ name: "default", machines: 1, hashed: 1 }] });

    const [answer] = await alert([machine.secret]);
    expect(answer).toMatchObject({ label: "true_positive" });
  });
});

describe("an ak_ that is neither an API key nor a machine secret key", () => {
  it("is false_positive after both checks: one API key verify, and no machine call at alert time", async () => {
    await createMachine();
    await cronAt(Date.now());
    const before = (await clerkCalls()).length;
    const junk = `ak_${crypto.randomUUID().replaceAll("-", "")}notAMachine`;
    noteSecret(junk);

    const [answer] = await alert([junk]);

    expect(answer).toMatchObject({ label: "false_positive" });
    expect((await clerkCalls()).slice(before).map((c) => c.operation)).toEqual(["verify"]);
  });
});

describe("the refresh", () => {
  it("lists the machines and reads their secret hashes once an hour, not every cron run", async () => {
    await createMachine();
    await createMachine();
    const t0 = Date.now();
    await cronAt(t0);
    await cronAt(t0 + 5 * 60_000);
    expect(await calls("machines_list")).toHaveLength(1);
    expect(await calls("machine_secret")).toHaveLength(2);
    await cronAt(t0 + MACHINE_LIST_EVERY_MS + 60_000);
    expect(await calls("machines_list")).toHaveLength(2);
  });

  it("drops a machine Clerk no longer lists, with its hash", async () => {
    const machine = await createMachine();
    const t0 = Date.now();
    await cronAt(t0);
    await resetClerk();
    await cronAt(t0 + MACHINE_LIST_EVERY_MS + 60_000);
    const left = await env.DB.prepare("SELECT COUNT(*) AS n FROM machine_secrets WHERE machine_id = ?1")
      .bind(machine.id)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
  });
});

describe("renaming an instance", () => {
  it("still has a leaked machine secret rotated and labelled true_positive under the new name", async () => {
    const machine = await createMachine({ name: "billing-worker" });
    const t0 = Date.now();
    await cronAt(t0);
    await cronAt(t0 + 60_000, renamedEnv());

    const [answer] = await alert([machine.secret], renamedEnv());

    expect(answer).toMatchObject({ label: "true_positive" });
    expect((await clerkMachines()).find((m) => m.id === machine.id)).toMatchObject({ rotate_count: 1 });
    expect(await incident(await sha256Hex(machine.secret))).toMatchObject({
      status: "revoked",
      clerk_instance: "prod",
      key_id: machine.id,
    });
  });

  it("rotates a machine the new name has not hashed yet, by the old name's hash, on the instance configured now", async () => {
    // More machines than one run hashes (30): after the rename's first cron, some have no hash under `prod` yet.
    const machines = await Promise.all(
      Array.from({ length: 32 }, (_, n) => createMachine({ name: `fleet-${n}` })),
    );
    const t0 = Date.now();
    await cronAt(t0);
    await cronAt(t0 + 60_000);
    await cronAt(t0 + 120_000, renamedEnv());
    const unhashed = await env.DB.prepare(
      "SELECT machine_id FROM machine_secrets WHERE instance = 'prod' AND secret_sha256 IS NULL LIMIT 1",
    ).first<{ machine_id: string }>();
    const leaked = machines.find((m) => m.id === unhashed?.machine_id);
    if (!leaked) throw new Error("every machine was hashed under prod already");

    const [answer] = await alert([leaked.secret], renamedEnv());

    expect(answer).toMatchObject({ label: "true_positive" });
    expect((await clerkMachines()).find((m) => m.id === leaked.id)).toMatchObject({ rotate_count: 1 });
  });
});
