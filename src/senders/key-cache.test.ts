import { describe, expect, it } from "vitest";
import {
  exportPem,
  fakeFetch,
  generateP256,
  keyListJson,
  signDer,
  utf8,
} from "../../test/support/test-signing";
import { sha256Hex } from "../lib/hash";
import type { Logger } from "../lib/log";
import { verifyEcdsaSignature } from "./ecdsa-signature";
import {
  createKeyCache,
  KEYS_CACHE_TTL_MS,
  KEYS_MAX_RESPONSE_BYTES,
  KEYS_REFETCH_COOLDOWN_MS,
  type KeyCacheDeps,
} from "./key-cache";

const KEYS_URL = "https://keys.test/meta/public_keys/secret_scanning";

/** A sender key pair with its PEM and its GitHub-style id (SHA-256 of the PEM). */
async function senderKey() {
  const pair = await generateP256();
  const pem = await exportPem(pair.publicKey);
  return { ...pair, pem, id: await sha256Hex(pem) };
}

/** A controllable clock. */
function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/** A random 64-character hex id, like a forged header would carry. */
const randomId = () =>
  [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, "0")).join("");

/** A logger that keeps what it is told, for assertions. */
function recordingLogger() {
  const lines: { level: string; event: string; fields: Record<string, unknown> }[] = [];
  const at =
    (level: string) =>
    (event: string, fields: Record<string, unknown> = {}) =>
      lines.push({ level, event, fields });
  const log: Logger = { info: at("info"), warn: at("warn"), error: at("error") };
  return { log, lines };
}

function cacheWith(fetch: KeyCacheDeps["fetch"], extra: Partial<KeyCacheDeps> = {}) {
  const time = clock();
  const logger = recordingLogger();
  const cache = createKeyCache({ url: KEYS_URL, fetch, now: time.now, log: logger.log, ...extra });
  return { cache, time, logs: logger.lines };
}

describe("createKeyCache", () => {
  describe("happy path", () => {
    it("fetches the list once and serves every later lookup from it", async () => {
      const a = await senderKey();
      const b = await senderKey();
      const fake = fakeFetch(() => new Response(keyListJson([a.id, a.pem], [b.id, b.pem])));
      const { cache } = cacheWith(fake.fetch);
      for (let i = 0; i < 5; i++) expect((await cache.get(a.id)).ok).toBe(true);
      expect((await cache.get(b.id)).ok).toBe(true);
      expect(fake.calls()).toBe(1);
    });

    it("returns the key that verifies the sender's signatures", async () => {
      const a = await senderKey();
      const { cache } = cacheWith(fakeFetch(() => new Response(keyListJson([a.id, a.pem]))).fetch);
      const key = await cache.get(a.id);
      if (!key.ok) throw new Error(key.error);
      const body = utf8("[]");
      expect((await verifyEcdsaSignature(key.value, await signDer(a.privateKey, body), body)).ok).toBe(true);
    });

    it("imports each key once and hands out the same CryptoKey", async () => {
      const a = await senderKey();
      const { cache } = cacheWith(fakeFetch(() => new Response(keyListJson([a.id, a.pem]))).fetch);
      const first = await cache.get(a.id);
      const second = await cache.get(a.id);
      expect(first.ok && second.ok && first.value === second.value).toBe(true);
    });

    it("matches key ids case-insensitively", async () => {
      const a = await senderKey();
      const { cache } = cacheWith(fakeFetch(() => new Response(keyListJson([a.id, a.pem]))).fetch);
      expect((await cache.get(a.id.toUpperCase())).ok).toBe(true);
    });

    it("asks for JSON as autorevoke and sends no Authorization without a token", async () => {
      const a = await senderKey();
      const fake = fakeFetch(() => new Response(keyListJson([a.id, a.pem])));
      await cacheWith(fake.fetch).cache.get(a.id);
      expect(fake.requests[0]?.get("accept")).toBe("application/json");
      expect(fake.requests[0]?.get("user-agent")).toBe("autorevoke");
      expect(fake.requests[0]?.has("authorization")).toBe(false);
    });

    it("sends the token as a bearer token when one is given", async () => {
      const a = await senderKey();
      const fake = fakeFetch(() => new Response(keyListJson([a.id, a.pem])));
      await cacheWith(fake.fetch, { token: "ghp_example" }).cache.get(a.id);
      expect(fake.requests[0]?.get("authorization")).toBe("Bearer ghp_example");
    });

    it("lets concurrent first lookups share one fetch", async () => {
      const a = await senderKey();
      const fake = fakeFetch(() => new Response(keyListJson([a.id, a.pem])));
      const { cache } = cacheWith(fake.fetch);
      const results = await Promise.all(Array.from({ length: 10 }, () => cache.get(a.id)));
      expect(results.every((r) => r.ok)).toBe(true);
      expect(fake.calls()).toBe(1);
    });

    it("refetches once on an unknown id and finds a newly rotated-in key", async () => {
      const old = await senderKey();
      const rotated = await senderKey();
      let list = keyListJson([old.id, old.pem]);
      const fake = fakeFetch(() => new Response(list));
      const { cache } = cacheWith(fake.fetch);
      await cache.get(old.id);
      list = keyListJson([rotated.id, rotated.pem], [old.id, old.pem]);
      expect((await cache.get(rotated.id)).ok).toBe(true);
      expect(fake.calls()).toBe(2);
    });
    it("lets a lookup made during a refetch wait for its result", async () => {
      const old = await senderKey();
      const rotated = await senderKey();
      let list = keyListJson([old.id, old.pem]);
      const fake = fakeFetch(() => new Response(list));
      const { cache } = cacheWith(fake.fetch);
      await cache.get(old.id);
      list = keyListJson([rotated.id, rotated.pem]);
      const [first, second] = await Promise.all([cache.get(rotated.id), cache.get(rotated.id)]);
      expect(first.ok && second.ok).toBe(true);
      expect(fake.calls()).toBe(2);
    });
  });

  describe("expiry", () => {
    it("serves the cached list without refetching until the TTL has passed", async () => {
      const a = await senderKey();
      const fake = fakeFetch(() => new Response(keyListJson([a.id, a.pem])));
      const { cache, time } = cacheWith(fake.fetch);
      await cache.get(a.id);
      time.advance(KEYS_CACHE_TTL_MS - 1);
      expect((await cache.get(a.id)).ok).toBe(true);
      expect(fake.calls()).toBe(1);
    });

    it("stops trusting a key withdrawn from the list once the TTL has passed", async () => {
      const withdrawn = await senderKey();
      const current = await senderKey();
      let list = keyListJson([current.id, current.pem], [withdrawn.id, withdrawn.pem]);
      const { cache, time } = cacheWith(fakeFetch(() => new Response(list)).fetch);
      expect((await cache.get(withdrawn.id)).ok).toBe(true);
      list = keyListJson([current.id, current.pem]);
      time.advance(KEYS_CACHE_TTL_MS);
      expect(await cache.get(withdrawn.id)).toEqual({ ok: false, error: "unknown_key" });
    });

    it("serves the last good list when the refetch after the TTL fails", async () => {
      const a = await senderKey();
      let up = true;
      const fake = fakeFetch(() =>
        up ? new Response(keyListJson([a.id, a.pem])) : new Response("", { status: 503 }),
      );
      const { cache, time } = cacheWith(fake.fetch);
      await cache.get(a.id);
      up = false;
      time.advance(KEYS_CACHE_TTL_MS);
      expect((await cache.get(a.id)).ok).toBe(true);
      expect(fake.calls()).toBe(2);
    });

    it("logs that it serves a stale list, with the host and why, never the token", async () => {
      const a = await senderKey();
      let up = true;
      const fake = fakeFetch(() =>
        up ? new Response(keyListJson([a.id, a.pem])) : new Response("", { status: 503 }),
      );
      const { cache, time, logs } = cacheWith(fake.fetch, { token: "ghp_secretvalue0123456789" });
      await cache.get(a.id);
      up = false;
      time.advance(KEYS_CACHE_TTL_MS);
      await cache.get(a.id);
      expect(logs).toEqual([
        {
          level: "warn",
          event: "key_list_stale",
          fields: { host: "keys.test", reason: "status_503", age_ms: KEYS_CACHE_TTL_MS },
        },
      ]);
      expect(JSON.stringify(logs)).not.toContain("ghp_secretvalue0123456789");
    });

    it("retries a failing refetch once per cool-down, not on every lookup", async () => {
      const a = await senderKey();
      let up = true;
      const fake = fakeFetch(() =>
        up ? new Response(keyListJson([a.id, a.pem])) : new Response("", { status: 503 }),
      );
      const { cache, time } = cacheWith(fake.fetch);
      await cache.get(a.id);
      up = false;
      time.advance(KEYS_CACHE_TTL_MS);
      for (let i = 0; i < 20; i++) expect((await cache.get(a.id)).ok).toBe(true);
      expect(fake.calls()).toBe(2);
      time.advance(KEYS_REFETCH_COOLDOWN_MS);
      await cache.get(a.id);
      expect(fake.calls()).toBe(3);
    });

    it("starts the TTL again after a successful refetch", async () => {
      const a = await senderKey();
      const fake = fakeFetch(() => new Response(keyListJson([a.id, a.pem])));
      const { cache, time } = cacheWith(fake.fetch);
      await cache.get(a.id);
      time.advance(KEYS_CACHE_TTL_MS);
      await cache.get(a.id);
      time.advance(KEYS_CACHE_TTL_MS - 1);
      await cache.get(a.id);
      expect(fake.calls()).toBe(2);
    });
  });

  describe("errors", () => {
    it("answers keys_unavailable when the fetch throws", async () => {
      const { cache } = cacheWith(async () => {
        throw new TypeError("network down");
      });
      expect(await cache.get(randomId())).toEqual({ ok: false, error: "keys_unavailable" });
    });

    it("answers keys_unavailable on a non-2xx answer", async () => {
      const { cache } = cacheWith(fakeFetch(() => new Response("rate limited", { status: 403 })).fetch);
      expect(await cache.get(randomId())).toEqual({ ok: false, error: "keys_unavailable" });
    });

    it("answers keys_unavailable when the body is not JSON", async () => {
      const { cache } = cacheWith(fakeFetch(() => new Response("<html>")).fetch);
      expect(await cache.get(randomId())).toEqual({ ok: false, error: "keys_unavailable" });
    });

    it("answers keys_unavailable when the JSON is not a key list", async () => {
      const { cache } = cacheWith(fakeFetch(() => Response.json({ keys: [] })).fetch);
      expect(await cache.get(randomId())).toEqual({ ok: false, error: "keys_unavailable" });
    });

    it("answers keys_unavailable when the key server does not answer in time", async () => {
      const hanging: KeyCacheDeps["fetch"] = (_input, init) =>
        new Promise((_resolve, reject) => {
          init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
        });
      const { cache } = cacheWith(hanging, { fetchTimeoutMs: 20 });
      expect(await cache.get(randomId())).toEqual({ ok: false, error: "keys_unavailable" });
    });

    it("answers unknown_key for an id still missing after the refetch", async () => {
      const a = await senderKey();
      const { cache } = cacheWith(fakeFetch(() => new Response(keyListJson([a.id, a.pem]))).fetch);
      expect(await cache.get(randomId())).toEqual({ ok: false, error: "unknown_key" });
    });

    it("answers unknown_key for a listed key that does not import", async () => {
      const id = randomId();
      const pem = "-----BEGIN PUBLIC KEY-----\naGVsbG8=\n-----END PUBLIC KEY-----\n";
      const { cache } = cacheWith(fakeFetch(() => new Response(keyListJson([id, pem]))).fetch);
      expect(await cache.get(id)).toEqual({ ok: false, error: "unknown_key" });
    });

    it("keeps the cached list when a later fetch fails", async () => {
      const a = await senderKey();
      let up = true;
      const fake = fakeFetch(() =>
        up ? new Response(keyListJson([a.id, a.pem])) : new Response("", { status: 500 }),
      );
      const { cache, time } = cacheWith(fake.fetch);
      await cache.get(a.id);
      up = false;
      time.advance(KEYS_REFETCH_COOLDOWN_MS);
      expect(await cache.get(randomId())).toEqual({ ok: false, error: "keys_unavailable" });
      expect(fake.calls()).toBe(2);
      expect((await cache.get(a.id)).ok).toBe(true);
    });

    it("fetches again after a failed first fetch once the cool-down has passed", async () => {
      const a = await senderKey();
      let up = false;
      const fake = fakeFetch(() =>
        up ? new Response(keyListJson([a.id, a.pem])) : new Response("", { status: 502 }),
      );
      const { cache, time } = cacheWith(fake.fetch);
      expect((await cache.get(a.id)).ok).toBe(false);
      up = true;
      time.advance(KEYS_REFETCH_COOLDOWN_MS);
      expect((await cache.get(a.id)).ok).toBe(true);
    });
  });

  describe("attacks", () => {
    it("lets 20 random key ids cause at most 2 fetches within the cool-down", async () => {
      const a = await senderKey();
      const fake = fakeFetch(() => new Response(keyListJson([a.id, a.pem])));
      const { cache } = cacheWith(fake.fetch);
      for (let i = 0; i < 20; i++) expect((await cache.get(randomId())).ok).toBe(false);
      expect(fake.calls()).toBeLessThanOrEqual(2);
    });

    it("lets 20 concurrent random key ids cause at most 2 fetches", async () => {
      const a = await senderKey();
      const fake = fakeFetch(() => new Response(keyListJson([a.id, a.pem])));
      const { cache } = cacheWith(fake.fetch);
      await cache.get(a.id);
      const results = await Promise.all(Array.from({ length: 20 }, () => cache.get(randomId())));
      expect(results.every((r) => !r.ok && r.error === "unknown_key")).toBe(true);
      expect(fake.calls()).toBeLessThanOrEqual(2);
    });

    it("allows one more refetch once the cool-down has passed", async () => {
      const a = await senderKey();
      const fake = fakeFetch(() => new Response(keyListJson([a.id, a.pem])));
      const { cache, time } = cacheWith(fake.fetch);
      await cache.get(a.id);
      await cache.get(randomId());
      await cache.get(randomId());
      expect(fake.calls()).toBe(2);
      time.advance(KEYS_REFETCH_COOLDOWN_MS - 1);
      await cache.get(randomId());
      expect(fake.calls()).toBe(2);
      time.advance(1);
      await cache.get(randomId());
      await cache.get(randomId());
      expect(fake.calls()).toBe(3);
    });

    it("tries a failing key server at most twice within the cool-down", async () => {
      const fake = fakeFetch(() => new Response("", { status: 503 }));
      const { cache } = cacheWith(fake.fetch);
      for (let i = 0; i < 20; i++)
        expect(await cache.get(randomId())).toEqual({ ok: false, error: "keys_unavailable" });
      expect(fake.calls()).toBe(2);
    });

    it("stops trusting a key the sender has dropped from its list", async () => {
      const retired = await senderKey();
      const current = await senderKey();
      let list = keyListJson([current.id, current.pem], [retired.id, retired.pem]);
      const fake = fakeFetch(() => new Response(list));
      const { cache, time } = cacheWith(fake.fetch);
      expect((await cache.get(retired.id)).ok).toBe(true);
      list = keyListJson([current.id, current.pem]);
      time.advance(KEYS_REFETCH_COOLDOWN_MS);
      await cache.get(randomId());
      expect(await cache.get(retired.id)).toEqual({ ok: false, error: "unknown_key" });
    });

    it("refuses a key list larger than the response limit", async () => {
      const { cache } = cacheWith(
        fakeFetch(() => new Response("x".repeat(KEYS_MAX_RESPONSE_BYTES + 1))).fetch,
      );
      expect(await cache.get(randomId())).toEqual({ ok: false, error: "keys_unavailable" });
    });

    it("refuses an oversized streamed key list that declares no length", async () => {
      const chunk = new Uint8Array(64 * 1024).fill(0x20);
      let sent = 0;
      const stream = () =>
        new ReadableStream<Uint8Array>({
          pull(controller) {
            sent++;
            controller.enqueue(chunk);
          },
        });
      const { cache } = cacheWith(fakeFetch(() => new Response(stream())).fetch);
      expect(await cache.get(randomId())).toEqual({ ok: false, error: "keys_unavailable" });
      expect(sent).toBeLessThanOrEqual(KEYS_MAX_RESPONSE_BYTES / chunk.length + 2);
    });
  });
});
