/**
 * More senders through one registry: GitLab and deps.dev (ECDSA, their own headers and key lists) and
 * in-house scanners (Standard Webhooks HMAC).
 */
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TEST_INBOUND_WEBHOOK_SECRET } from "../dev/outbound";
import { generateSigningKey, type SigningKey } from "../dev/signer";
import worker from "../src";
import { clearTables, migrate } from "./support/db";
import { watchSecrecy } from "./support/secrecy";
import {
  CLERK,
  callsOf,
  clerkCalls,
  clerkKey,
  createLiveKey,
  DEPSDEV_KEYS,
  GITLAB_KEYS,
  match,
  publishedSigningKey,
  resetClerk,
  signedAlert,
} from "./support/standins";

/** Secrets are looked for in each test's rows, messages, answers, logs and Clerk calls. */
const secrecy = watchSecrecy({ clerk: CLERK });
let gitlabKey: SigningKey;
let depsdevKey: SigningKey;

beforeAll(async () => {
  await migrate();
  gitlabKey = await publishedSigningKey(GITLAB_KEYS);
  depsdevKey = await publishedSigningKey(DEPSDEV_KEYS);
});

beforeEach(async () => {
  await clearTables();
  await resetClerk();
});

const labelsOf = async (res: Response) => ((await res.json()) as { label: string }[]).map((l) => l.label);

describe.each([
  ["gitlab", () => gitlabKey],
  ["depsdev", () => depsdevKey],
] as const)("POST /v1/alerts/%s", (sender, signer) => {
  it("revokes the key of a good alert", async () => {
    const live = await createLiveKey();
    const res = await secrecy.fetch(
      await signedAlert(signer(), JSON.stringify([match(live.secret)]), sender),
    );
    expect(res.status).toBe(200);
    expect(await labelsOf(res)).toEqual(["true_positive"]);
    expect((await clerkKey(live.id)).revoked).toBe(true);
  });

  it("answers 401 to a forged alert and calls no Clerk API", async () => {
    const live = await createLiveKey();
    const forged = await signedAlert(
      await generateSigningKey(),
      JSON.stringify([match(live.secret)]),
      sender,
    );
    forged.headers.set(
      sender === "gitlab" ? "Gitlab-Public-Key-Identifier" : "DepsDev-Public-Key-Identifier",
      signer().keyIdentifier,
    );
    expect((await secrecy.fetch(forged)).status).toBe(401);
    expect(await clerkCalls()).toEqual([]);
  });

  it("answers 401 to an alert signed with GitHub's header names", async () => {
    const live = await createLiveKey();
    const wrong = await signedAlert(signer(), JSON.stringify([match(live.secret)]), "github");
    const res = await secrecy.fetch(
      new Request(`http://autorevoke.test/v1/alerts/${sender}`, {
        method: "POST",
        headers: wrong.headers,
        body: await wrong.text(),
      }),
    );
    expect(res.status).toBe(401);
    expect(await clerkCalls()).toEqual([]);
  });
});

describe("deps.dev header names", () => {
  it("follow DEPSDEV_IDENTIFIER_HEADER and DEPSDEV_SIGNATURE_HEADER", async () => {
    const live = await createLiveKey();
    const request = await signedAlert(depsdevKey, JSON.stringify([match(live.secret)]), "depsdev", "GOSST");
    const custom = {
      ...env,
      DEPSDEV_IDENTIFIER_HEADER: "GOSST-Public-Key-Identifier",
      DEPSDEV_SIGNATURE_HEADER: "GOSST-Public-Key-Signature",
    };
    const res = await worker.fetch(request, custom, createExecutionContext());
    expect(res.status).toBe(200);
    expect((await clerkKey(live.id)).revoked).toBe(true);
  });
});

describe("POST /v1/alerts/generic (Standard Webhooks)", () => {
  const webhook = new Webhook(TEST_INBOUND_WEBHOOK_SECRET);

  function genericAlert(body: string, options: { id?: string; at?: Date; signature?: string } = {}): Request {
    const id = options.id ?? `msg_${crypto.randomUUID()}`;
    const at = options.at ?? new Date();
    return new Request("http://autorevoke.test/v1/alerts/generic", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "webhook-id": id,
        "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
        "webhook-signature": options.signature ?? webhook.sign(id, at, body),
      },
      body,
    });
  }

  it("revokes the key of a good alert", async () => {
    const live = await createLiveKey();
    const res = await secrecy.fetch(
      genericAlert(JSON.stringify([match(live.secret, { source: "trufflehog" })])),
    );
    expect(res.status).toBe(200);
    expect(await labelsOf(res)).toEqual(["true_positive"]);
    expect((await clerkKey(live.id)).revoked).toBe(true);
  });

  it("answers 401 to a bad HMAC", async () => {
    const live = await createLiveKey();
    const body = JSON.stringify([match(live.secret)]);
    const other = new Webhook("whsec_b3RoZXItc2VjcmV0LW5vdC1vdXJzLTAxMjM0NQ==");
    const id = "msg_forged";
    const res = await secrecy.fetch(genericAlert(body, { id, signature: other.sign(id, new Date(), body) }));
    expect(res.status).toBe(401);
    expect(await clerkCalls()).toEqual([]);
  });

  it("answers 401 to a timestamp older than five minutes", async () => {
    const live = await createLiveKey();
    const res = await secrecy.fetch(
      genericAlert(JSON.stringify([match(live.secret)]), { at: new Date(Date.now() - 6 * 60_000) }),
    );
    expect(res.status).toBe(401);
    expect(await clerkCalls()).toEqual([]);
  });

  it("answers 401 without the webhook headers", async () => {
    const request = genericAlert(JSON.stringify([match("ak_whatever_000000000000000000")]));
    request.headers.delete("webhook-signature");
    expect((await secrecy.fetch(request)).status).toBe(401);
  });

  it("treats a replay of the same webhook-id as harmless", async () => {
    const live = await createLiveKey();
    const body = JSON.stringify([match(live.secret)]);
    const at = new Date();
    const first = await secrecy.fetch(genericAlert(body, { id: "msg_replayed", at }));
    const replay = await secrecy.fetch(genericAlert(body, { id: "msg_replayed", at }));
    expect(await labelsOf(first)).toEqual(["true_positive"]);
    expect(await labelsOf(replay)).toEqual(["true_positive"]);
    expect(await callsOf("revoke")).toHaveLength(1);
  });
});

describe("a request without signature headers", () => {
  /** A 1 MiB body that counts what the Worker pulls from it: a stream the runtime does not pre-read. */
  function countingBody() {
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    let chunks = 16;
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (chunks-- === 0) return controller.close();
          pulled += chunk.byteLength;
          controller.enqueue(chunk);
        },
      },
      { highWaterMark: 0 },
    );
    return { stream, pulled: () => pulled };
  }

  const senders = ["github", "gitlab", "depsdev", "generic"];
  // Without Content-Length the body limit counts the stream as it reads; with one it trusts the header.
  it.each(senders.flatMap((sender) => [[sender, "chunked"] as const, [sender, "Content-Length"] as const]))(
    "gets 401 from /v1/alerts/%s (%s) before its body is read",
    async (sender, framing) => {
      const body = countingBody();
      const headers = new Headers({ "content-type": "application/json" });
      if (framing === "Content-Length") headers.set("content-length", String(16 * 64 * 1024));
      const request = new Request(`http://autorevoke.test/v1/alerts/${sender}`, {
        method: "POST",
        headers,
        body: body.stream,
      });
      const res = await worker.fetch(request, env, createExecutionContext());
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: "Invalid or missing signature." });
      expect(body.pulled()).toBe(0);
    },
  );
});

describe("senders that are off or unknown", () => {
  it("answers 404 for a sender whose configuration is absent", async () => {
    const request = await signedAlert(
      gitlabKey,
      JSON.stringify([match("ak_whatever_000000000000000000")]),
      "gitlab",
    );
    const res = await worker.fetch(request, { ...env, GITLAB_KEYS_URL: "" }, createExecutionContext());
    expect(res.status).toBe(404);
  });

  it("answers 404 for an unknown sender", async () => {
    const res = await secrecy.fetch(
      new Request("http://autorevoke.test/v1/alerts/bitbucket", { method: "POST", body: "[]" }),
    );
    expect(res.status).toBe(404);
    expect(await clerkCalls()).toEqual([]);
  });
});
