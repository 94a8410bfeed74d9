/**
 * A bad optional setting switches off only its own feature: GitHub alerts keep being verified and revoked, the
 * feature's route answers 503 with a generic body, and the log names the variable, never its value. A bad core
 * setting (CLERK_SECRET_KEY) still stops everything.
 */
import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SigningKey } from "../dev/signer";
import worker from "../src";
import type { QueueMessageBody } from "../src/queue/messages";
import { clearTables, migrate } from "./support/db";
import { watchSecrecy } from "./support/secrecy";
import {
  CLERK,
  clerkKey,
  createLiveKey,
  match,
  publishedSigningKey,
  resetClerk,
  signedAlert,
} from "./support/standins";

/** Marks every bad value, so a test can tell whether one reached a log line or an answer. */
const MARK = "BADVALUEMARK";

/** One bad value per optional setting, each refused at config time. */
const BROKEN = [
  // The standardwebhooks library refuses this (base64 padding mid-string); the old pattern let it through.
  ["INBOUND_WEBHOOK_SECRET", `whsec_${MARK}ab=cdefghijklmnopq`],
  ["NOTIFY_SECRET", `whsec_${MARK}ab=cdefghijklmnopq`],
  ["NOTIFY_URL", `${MARK} is not a url`],
  ["ADMIN_TOKEN", `${MARK}-too-short`],
  ["GITLAB_KEYS_URL", `ftp://${MARK}.example/keys`],
  ["DEPSDEV_KEYS_URL", `${MARK} is not a url`],
  ["DEPSDEV_SIGNATURE_HEADER", `${MARK} Not A Header!`],
  ["GITHUB_TOKEN", " "],
] as const;

let key: SigningKey;
/** Secrets are looked for in each test's rows, messages, answers, logs and Clerk calls. */
const secrecy = watchSecrecy({ clerk: CLERK });

beforeAll(async () => {
  await migrate();
  key = await publishedSigningKey();
});

beforeEach(async () => {
  await clearTables();
  await resetClerk();
});

/** The Worker's answer to `request` under the test env with `overrides`. */
async function fetchWith(request: Request, overrides: Record<string, string>): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(request, { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  secrecy.sawResponse(await res.clone().text());
  return res;
}

describe("GitHub alerts while an optional setting is invalid", () => {
  it.each(BROKEN)("are verified and revoked with a bad %s", async (name, value) => {
    const live = await createLiveKey();
    const res = await fetchWith(await signedAlert(key, JSON.stringify([match(live.secret)])), {
      [name]: value,
    });
    expect(res.status).toBe(200);
    expect((await clerkKey(live.id)).revoked).toBe(true);
  });
});

describe("a switched-off feature", () => {
  const post = (path: string) =>
    new Request(`http://autorevoke.test${path}`, {
      method: "POST",
      body: "[]",
      headers: { "content-type": "application/json" },
    });
  const routes = [
    ["/v1/alerts/generic", "INBOUND_WEBHOOK_SECRET", () => post("/v1/alerts/generic")],
    ["/v1/alerts/gitlab", "GITLAB_KEYS_URL", () => post("/v1/alerts/gitlab")],
    ["/v1/alerts/depsdev", "DEPSDEV_SIGNATURE_HEADER", () => post("/v1/alerts/depsdev")],
    [
      "/v1/incidents",
      "ADMIN_TOKEN",
      () =>
        new Request("http://autorevoke.test/v1/incidents", {
          headers: { Authorization: `Bearer ${MARK}-too-short` },
        }),
    ],
  ] as const;
  const bad = (name: string) => BROKEN.find(([n]) => n === name)?.[1] ?? "";

  it.each(routes)("%s answers 503 with a generic body while %s is invalid", async (_path, name, request) => {
    const res = await fetchWith(request(), { [name]: bad(name) });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: "This feature is misconfigured; see the Worker's logs." });
  });

  it.each(routes)("%s logs config_invalid naming %s, never its value", async (_path, name, request) => {
    const before = secrecy.logs().length;
    await fetchWith(request(), { [name]: bad(name) });
    const written = secrecy.logs().slice(before);
    expect(written).toMatch(new RegExp(`"event":"config_invalid".*${name}`));
    expect(written).not.toContain(MARK);
  });

  it("answers /v1/alerts/github with 503 while GITHUB_KEYS_URL is invalid", async () => {
    const res = await fetchWith(await signedAlert(key, "[]"), { GITHUB_KEYS_URL: `gopher://${MARK}/` });
    expect(res.status).toBe(503);
  });
});

describe("the queue consumer and the cron while an optional setting is invalid", () => {
  it.each(BROKEN)("the cron runs with a bad %s", async (name, value) => {
    const run = worker.scheduled(
      createScheduledController(),
      { ...env, [name]: value },
      createExecutionContext(),
    );
    await expect(run).resolves.toBeUndefined();
  });

  it.each(BROKEN)("the queue consumer runs with a bad %s", async (name, value) => {
    const batch = createMessageBatch<QueueMessageBody>("autorevoke-revocations", []);
    const run = worker.queue(batch, { ...env, [name]: value }, createExecutionContext());
    await expect(run).resolves.toBeUndefined();
  });
});

describe("a bad core setting", () => {
  it("still stops the GitHub route", async () => {
    const res = await fetchWith(await signedAlert(key, "[]"), { CLERK_SECRET_KEY: `${MARK}` });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: "autorevoke is misconfigured; see the Worker's logs." });
  });
});
