/**
 * Each Clerk instance says whether it is reachable and takes its secret key (issue 21, part 4): `GET /v1/health/clerk`,
 * the console's health page and the cron's `clerk_instance_unhealthy`, in the Workers runtime against the stand-ins.
 * Misconfigurations are made the way an operator makes them: a key Clerk no longer takes, a CLERK_API_URL whose path
 * leads to a plain-text 404 (`not-clerk.test`, dev/outbound.ts) or to a service that is not Clerk, a host nobody
 * serves. No secret key may appear in any answer, page or log line.
 */
import {
  createExecutionContext,
  createScheduledController,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import * as v from "valibot";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CLERK_INSTANCES_HOST, TEST_CLERK_INSTANCES, TEST_CLERK_SECRET_KEY } from "../dev/outbound";
import worker from "../src";
import { HEALTH_PROBE_KEY_ID } from "../src/clerk/health-probe";
import { idleSchedule } from "../src/domain/pace-schedule";
import { type ClerkHealth, ClerkHealthSchema, ErrorSchema } from "../src/http/responses";
import type { ClerkPacer } from "../src/pacing/clerk-pacer";
import { migrate } from "./support/db";
import { consoleRequest, signIn } from "./support/operator-console";
import { resetPacer } from "./support/pacer";
import { watchSecrecy } from "./support/secrecy";
import {
  acceptClerkSecretKeys,
  CLERK,
  clerkCalls,
  resetClerk,
  scriptClerk,
  setClerkModes,
} from "./support/standins";

const ADMIN_TOKEN = "test-admin-token-0123456789abcdef0123";
const BASE = "http://autorevoke.test";
/** The key the stand-in is rotated to when the Worker's key must stop working. A test value, not a credential. */
const ROTATED_KEY = "sk_test_autorevoke_standin_rotated";

/** The two-instance stand-in of this file (prod and staging behind one host, the bearer picks the instance). */
const CLERKS = `https://health.${CLERK_INSTANCES_HOST}`;
const PROD = `${CLERKS}/instances/prod`;
const STAGING = `${CLERKS}/instances/staging`;

const secrecy = watchSecrecy({ clerk: [CLERK, PROD, STAGING] });
secrecy.track(ADMIN_TOKEN, TEST_CLERK_SECRET_KEY, ROTATED_KEY, ...Object.values(TEST_CLERK_INSTANCES));

const envWith = (overrides: Record<string, string>) => ({ ...env, ...overrides }) as Env;
/** Both instances of the two-instance stand-in, staging listed first. */
const twoInstances = () =>
  envWith({
    CLERK_SECRET_KEY: "",
    CLERK_SECRET_KEYS: `staging=${TEST_CLERK_INSTANCES.staging}\nprod=${TEST_CLERK_INSTANCES.prod}`,
    CLERK_API_URL: CLERKS,
  });

let lastIp = 0;
const freshIp = () => `192.0.2.${(++lastIp % 250) + 1}`;

/** `GET path` to the Worker under `workerEnv`, as an operator with the admin token (or `token`); the answer is kept. */
async function get(
  path: string,
  workerEnv: Env = env,
  token: string | null = ADMIN_TOKEN,
): Promise<Response> {
  const headers = new Headers({ "CF-Connecting-IP": freshIp() });
  if (token !== null) headers.set("Authorization", `Bearer ${token}`);
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`${BASE}${path}`, { headers }), workerEnv, ctx);
  await waitOnExecutionContext(ctx);
  secrecy.sawResponse(await res.clone().text());
  return res;
}

/** The health answer under `workerEnv`, checked against the schema the OpenAPI document is built from. */
async function health(workerEnv: Env = env): Promise<ClerkHealth> {
  const res = await get("/v1/health/clerk", workerEnv);
  expect(res.status).toBe(200);
  expect(res.headers.get("Cache-Control")).toBe("no-store");
  return v.parse(ClerkHealthSchema, await res.json());
}

/** The one instance of a single-instance answer. */
async function only(workerEnv: Env = env) {
  const answer = await health(workerEnv);
  expect(answer.instances).toHaveLength(1);
  return { overall: answer.status, ...answer.instances[0] };
}

/** Books the instance's pace a minute ahead, as a big leak's backlog would: no background slot is free soon. */
async function fillPace(instance = "default"): Promise<void> {
  const stub = env.CLERK_PACER.get(env.CLERK_PACER.idFromName(`clerk:${instance}`));
  await runInDurableObject(stub, (pacer: ClerkPacer) => {
    Reflect.set(pacer, "state", { ...idleSchedule(), nextSlotAt: Date.now() + 60_000 });
  });
}

const probes = async () => (await clerkCalls()).filter((c) => c.keyId === HEALTH_PROBE_KEY_ID);

beforeAll(migrate);
beforeEach(async () => {
  await resetClerk();
  await fetch(`${CLERKS}/__standin/reset`, { method: "POST" });
  await resetPacer("prod");
  await resetPacer("staging");
});

describe("GET /v1/health/clerk", () => {
  describe("a healthy deployment", () => {
    it("answers ok for an instance whose key Clerk takes: Clerk's own 404 for an id no key has", async () => {
      const answer = await health();
      expect(answer).toEqual({
        status: "ok",
        instances: [
          {
            name: "default",
            status: "ok",
            http_status: 404,
            detail:
              "Clerk answered its own 404 for a key id that no key has: CLERK_API_URL and the secret key work.",
            checked_at: expect.any(String),
          },
        ],
      });
    });

    it("costs one Clerk call per instance, GET /api_keys/<the probe's id>", async () => {
      await health();
      expect((await probes()).map((c) => `${c.operation} ${c.status}`)).toEqual(["get 404"]);
    });

    it("checks every instance, production first, each with its own key", async () => {
      const answer = await health(twoInstances());
      expect(answer.status).toBe("ok");
      expect(answer.instances.map((i) => [i.name, i.status, i.http_status])).toEqual([
        ["prod", "ok", 404],
        ["staging", "ok", 404],
      ]);
    });
  });

  describe("unauthorised", () => {
    it("says so when Clerk no longer takes the secret key (401), and the deployment is degraded", async () => {
      await acceptClerkSecretKeys([ROTATED_KEY]);
      const instance = await only();
      expect(instance).toMatchObject({
        overall: "degraded",
        name: "default",
        status: "unauthorised",
        http_status: 401,
      });
      expect(instance.detail).toContain("CLERK_SECRET_KEY");
    });

    it("names the one instance at fault among several", async () => {
      await fetch(`${STAGING}/__standin/secret-keys`, {
        method: "POST",
        body: JSON.stringify({ secret_keys: [ROTATED_KEY] }),
        headers: { "content-type": "application/json" },
      });
      const answer = await health(twoInstances());
      expect(answer.status).toBe("degraded");
      expect(answer.instances.map((i) => [i.name, i.status])).toEqual([
        ["prod", "ok"],
        ["staging", "unauthorised"],
      ]);
    });
  });

  describe("misrouted", () => {
    it("says so when CLERK_API_URL's path answers a plain-text 404, not Clerk's", async () => {
      const instance = await only(envWith({ CLERK_API_URL: "https://health.not-clerk.test/wrong/path" }));
      expect(instance).toMatchObject({
        overall: "degraded",
        status: "misrouted",
        http_status: 404,
        detail: "CLERK_API_URL answers 404 without Clerk's error body: check its path.",
      });
    });

    it("says so when a wrong path prefix on Clerk's host meets a bare 404 (the stand-in's unknown_routes=bare)", async () => {
      await setClerkModes({ unknown_routes: "bare" });
      const instance = await only(envWith({ CLERK_API_URL: `${CLERK}/v2` }));
      expect(instance).toMatchObject({ status: "misrouted", http_status: 404 });
    });

    it("says so when CLERK_API_URL answers 200 with something that is not Clerk's", async () => {
      // A key-list stand-in answers every GET with its key list.
      const instance = await only(envWith({ CLERK_API_URL: "https://clerk-health.github.keys.test" }));
      expect(instance).toMatchObject({ status: "misrouted", http_status: 200 });
    });
  });

  describe("unreachable", () => {
    it("says so when nobody serves CLERK_API_URL's host", async () => {
      // The tests' outbound service answers every host it does not know with a plain 502, as a dead proxy would.
      const instance = await only(envWith({ CLERK_API_URL: "https://nobody-serves-this.invalid" }));
      expect(instance).toMatchObject({ overall: "degraded", status: "unreachable", http_status: 502 });
    });

    it("says so when Clerk answers 503", async () => {
      await scriptClerk([{ status: 503, path: "get" }]);
      expect(await only()).toMatchObject({ status: "unreachable", http_status: 503 });
    });
  });

  describe("pacing", () => {
    it("reports an instance whose budget has no slot free soon as paced, without calling Clerk", async () => {
      await fillPace();
      const instance = await only();
      expect(instance).toMatchObject({ overall: "degraded", status: "paced", http_status: null });
      expect(await probes()).toEqual([]);
    });

    it("reports Clerk's 429 as paced, not ok, and the next check waits for its Retry-After instead of calling", async () => {
      await scriptClerk([{ status: 429, retryAfterSeconds: 5, path: "get" }]);
      expect(await only()).toMatchObject({ status: "paced", http_status: 429 });
      expect(await only()).toMatchObject({ status: "paced", http_status: null });
      expect(await probes()).toHaveLength(1);
    });
  });

  describe("who may ask", () => {
    it("refuses a request without a token as the other operators' routes do", async () => {
      const health = await get("/v1/health/clerk", env, null);
      const incidents = await get("/v1/incidents", env, null);
      expect(health.status).toBe(401);
      expect(health.headers.get("WWW-Authenticate")).toBe(incidents.headers.get("WWW-Authenticate"));
      expect(v.parse(ErrorSchema, await health.json())).toEqual(await incidents.json());
      expect(await probes()).toEqual([]);
    });

    it("answers 404 when the operators' API is off", async () => {
      const res = await get("/v1/health/clerk", envWith({ ADMIN_TOKEN: "" }));
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: "Not found." });
    });
  });

  it("never shows a secret key, whatever the answer", async () => {
    await acceptClerkSecretKeys([ROTATED_KEY]);
    for (const workerEnv of [
      env,
      twoInstances(),
      envWith({ CLERK_API_URL: "https://health.not-clerk.test/x" }),
    ]) {
      const res = await get("/v1/health/clerk", workerEnv);
      expect(await res.text()).not.toMatch(/sk_(live|test)_/);
    }
  });
});

describe("the cron", () => {
  async function cron(workerEnv: Env = env): Promise<string[]> {
    const from = secrecy.logs().length;
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now() }), workerEnv, ctx);
    await waitOnExecutionContext(ctx);
    return secrecy
      .logs()
      .slice(from)
      .split("\n")
      .filter((line) => line.includes('"event":"clerk_'));
  }

  it("logs clerk_instance_unhealthy with the instance, its status and the HTTP status, never the key", async () => {
    await acceptClerkSecretKeys([ROTATED_KEY]);
    const lines = await cron();
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({
      level: "error",
      event: "clerk_instance_unhealthy",
      instance: "default",
      status: "unauthorised",
      http_status: 401,
    });
    expect(secrecy.logs()).not.toContain(TEST_CLERK_SECRET_KEY);
  });

  it("logs one line per unhealthy instance, naming it", async () => {
    const lines = await cron(twoInstances());
    expect(lines).toEqual([]);
    await fetch(`${PROD}/__standin/script`, {
      method: "POST",
      body: JSON.stringify([{ status: 503, path: "get" }]),
    });
    const after = await cron(twoInstances());
    expect(after.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ instance: "prod", status: "unreachable" }),
    ]);
  });

  it("logs nothing about Clerk when every instance is healthy", async () => {
    expect(await cron()).toEqual([]);
    expect(await probes()).toHaveLength(1);
  });

  it("logs an instance it could not check for the pace as not checked, not as unhealthy", async () => {
    await fillPace();
    const lines = await cron();
    expect(lines.map((l) => JSON.parse(l).event)).toEqual(["clerk_health_not_checked"]);
    expect(await probes()).toEqual([]);
  });

  it("still sweeps when Clerk is unreachable", async () => {
    const from = secrecy.logs().length;
    await cron(envWith({ CLERK_API_URL: "https://nobody-serves-this.invalid" }));
    expect(secrecy.logs().slice(from)).toContain('"event":"sweep"');
  });
});

describe("the console's health page", () => {
  let cookie: string;
  beforeAll(async () => {
    cookie = await signIn();
  });

  async function open(workerEnv: Env = env) {
    const ctx = createExecutionContext();
    const res = await worker.fetch(consoleRequest("/console/health", { cookie }), workerEnv, ctx);
    await waitOnExecutionContext(ctx);
    const html = await res.text();
    secrecy.sawResponse(html);
    return { status: res.status, html };
  }

  it("is linked from every page's navigation", async () => {
    const ctx = createExecutionContext();
    const res = await worker.fetch(consoleRequest("/console", { cookie }), env, ctx);
    await waitOnExecutionContext(ctx);
    const html = await res.text();
    secrecy.sawResponse(html);
    expect(html).toContain('<a href="/console/health">Clerk health</a>');
  });

  it("shows each instance healthy, checked as the page loads", async () => {
    const { status, html } = await open();
    expect(status).toBe(200);
    expect(html).toContain('<a href="/console/health" aria-current="page">Clerk health</a>');
    expect(html).toContain("Every Clerk instance answers and takes its secret key.");
    expect(html).toMatch(/<th scope="row">default<\/th><td><span class="status health-ok">ok<\/span>/);
    expect(await probes()).toHaveLength(1);
  });

  it("shows what to fix for an instance that is not healthy", async () => {
    const { html } = await open(envWith({ CLERK_API_URL: "https://health.not-clerk.test/wrong/path" }));
    expect(html).toContain("At least one Clerk instance needs attention");
    expect(html).toContain('<span class="status health-misrouted">misrouted</span>');
    expect(html).toContain("CLERK_API_URL answers 404 without Clerk&#39;s error body: check its path.");
  });

  it("shows no secret key", async () => {
    const { html } = await open(twoInstances());
    expect(html).not.toMatch(/sk_(live|test)_/);
  });

  it("sends a visitor without a session to the sign-in page", async () => {
    const ctx = createExecutionContext();
    const res = await worker.fetch(consoleRequest("/console/health"), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/console/sign-in");
  });
});
