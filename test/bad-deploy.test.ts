/**
 * A bad deploy (an invalid configuration) must never spend queued work's retries. Take a D1 outage that leaves
 * `record` messages waiting (sealed secrets of possibly live keys), then a deploy with a malformed SEALING_KEYS: a
 * consumer that throws for the whole batch spends one retry per delivery, and after `max_retries` the messages go to
 * the dead-letter queue, whose consumer throws too, and are deleted. Here each batch is handed back as fresh messages,
 * with a delay, and the old ones acked, however long the bad configuration lasts; and the queues' configuration keeps
 * whatever still dead-letters from being deleted.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../src";
import { CONFIG_INVALID_HANDBACK_SECONDS } from "../src/queue/hand-back";
import type { QueueMessageBody } from "../src/queue/messages";
import { watchSecrecy } from "./support/secrecy";

const secrecy = watchSecrecy();

const hashOf = (n: number) => n.toString(16).padStart(64, "0");

/** What the Worker sent to REVOCATIONS: a stand-in queue that records, and can be told to fail. */
function recordingQueue(options: { failing?: boolean } = {}) {
  const sent: { body: unknown; delaySeconds: number | undefined }[] = [];
  const queue = {
    async send(body: unknown, opts?: QueueSendOptions) {
      if (options.failing) throw new Error("queue unavailable");
      sent.push({ body, delaySeconds: opts?.delaySeconds });
    },
    async sendBatch(messages: Iterable<MessageSendRequest<unknown>>) {
      if (options.failing) throw new Error("queue unavailable");
      for (const m of messages) sent.push({ body: m.body, delaySeconds: m.delaySeconds });
    },
  } as unknown as Queue<unknown>;
  return { queue, sent };
}

/** A configuration no deploy should ship, but one can: SEALING_KEYS malformed. */
const badEnv = (queue: Queue<unknown>) =>
  ({ ...env, SEALING_KEYS: "not-a-keyring", REVOCATIONS: queue }) as unknown as Env;

/** Work that waits on the queue after a D1 outage: a record (with a sealed secret), a revoke and a notification. */
const waiting: QueueMessageBody[] = [
  {
    v: 1,
    kind: "record",
    sender: "github",
    at: Date.now(),
    incidents: [{ h: hashOf(1), p: "ak_1a2b", t: "clerk_api_key", s: "pending", x: "v2.sealed.example" }],
    sightings: [
      { i: "s1", h: hashOf(1), u: "https://github.com/o/r/blob/main/.env", s: "content", t: "clerk" },
    ],
  },
  { v: 1, token_hash: hashOf(2) },
  { v: 1, kind: "notify", event: "api_key.revoked", token_hash: hashOf(3) },
];

async function deliver(queueName: string, bodies: unknown[], workerEnv: Env, attempts = 1) {
  const batch = createMessageBatch<unknown>(
    queueName,
    bodies.map((body) => ({ id: crypto.randomUUID(), timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, workerEnv, ctx);
  return getQueueResult(batch, ctx);
}

describe("a deploy with an invalid configuration", () => {
  it("hands every message of the batch back, unchanged and delayed, and acks the old ones", async () => {
    const { queue, sent } = recordingQueue();
    const result = await deliver("autorevoke-revocations", waiting, badEnv(queue));
    expect(result.explicitAcks).toHaveLength(waiting.length);
    expect(result.retryMessages).toEqual([]);
    expect(sent.map((s) => s.body)).toEqual(waiting);
    expect(sent.every((s) => s.delaySeconds === CONFIG_INVALID_HANDBACK_SECONDS)).toBe(true);
  });

  it("says so loudly: config_invalid with its problems, and how many messages were handed back", async () => {
    const { queue } = recordingQueue();
    await deliver("autorevoke-revocations", waiting, badEnv(queue));
    const lines = secrecy.logs().split("\n");
    const invalid = lines.find((l) => l.includes('"event":"config_invalid"'));
    expect(invalid).toContain('"level":"error"');
    expect(invalid).toContain("SEALING_KEYS");
    const handedBack = JSON.parse(lines.find((l) => l.includes('"event":"queue_handed_back"')) ?? "{}");
    expect(handedBack).toMatchObject({
      level: "error",
      reason: "config_invalid",
      queue: "autorevoke-revocations",
      messages: 3,
      delay_seconds: CONFIG_INVALID_HANDBACK_SECONDS,
    });
  });

  it("keeps the work for as long as the bad configuration lasts: far past max_retries and the dead letters' own", async () => {
    // Each round is what the queue does next: the handed-back messages come back as fresh ones. 30 rounds outlast
    // the 20 retries of the main queue plus the 3 a dead-letter consumer without max_retries would get.
    let bodies: unknown[] = waiting;
    for (let round = 0; round < 30; round++) {
      const { queue, sent } = recordingQueue();
      const result = await deliver("autorevoke-revocations", bodies, badEnv(queue));
      expect(result.retryMessages).toEqual([]);
      bodies = sent.map((s) => s.body);
    }
    expect(bodies).toEqual(waiting);
  });

  it("hands dead letters back too, onto the main queue, where a good deploy takes them", async () => {
    const { queue, sent } = recordingQueue();
    const result = await deliver("autorevoke-revocations-dlq", waiting, badEnv(queue), 20);
    expect(result.explicitAcks).toHaveLength(waiting.length);
    expect(sent.map((s) => s.body)).toEqual(waiting);
  });

  it("retries the batch (spending one retry, the safety net) when the queue refuses the hand-back", async () => {
    const { queue } = recordingQueue({ failing: true });
    const result = await deliver("autorevoke-revocations", waiting, badEnv(queue));
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toHaveLength(waiting.length);
    expect(secrecy.logs()).toContain('"event":"queue_hand_back_failed"');
  });

  it("keeps the sealed secret and the malformed setting's value out of the log", async () => {
    const { queue } = recordingQueue();
    await deliver("autorevoke-revocations", waiting, badEnv(queue));
    expect(secrecy.logs()).not.toContain("v2.sealed.example");
    expect(secrecy.logs()).not.toContain("not-a-keyring");
  });
});
