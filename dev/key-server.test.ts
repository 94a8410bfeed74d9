import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { createKeyServer } from "./key-server.ts";

// Runs in workerd; `*.github.keys.test` reaches a key server in Node through Miniflare's outboundService.
// Each test claims its own host name, hence its own key server.
const KeyListSchema = v.strictObject({
  public_keys: v.array(
    v.strictObject({ key_identifier: v.string(), key: v.string(), is_current: v.boolean() }),
  ),
});

function isolatedBase(): string {
  return `http://t${crypto.randomUUID().slice(0, 12)}.github.keys.test`;
}

const LIST_PATH = "/meta/public_keys/secret_scanning";
const PEM = "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n";

function control(base: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${base}/__standin/${path}`, {
    method: body === undefined ? "GET" : "POST",
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function list(base: string) {
  const res = await fetch(`${base}${LIST_PATH}`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/json");
  return v.parse(KeyListSchema, await res.json()).public_keys;
}

describe("key server", () => {
  it("serves an empty GitHub-shaped key list at first", async () => {
    expect(await list(isolatedBase())).toEqual([]);
  });

  it("serves added keys, is_current defaulting to true, replacing a key with the same identifier", async () => {
    const base = isolatedBase();
    await control(base, "keys", { key_identifier: "aa", key: PEM });
    await control(base, "keys", { key_identifier: "bb", key: PEM, is_current: false });
    await control(base, "keys", { key_identifier: "aa", key: `${PEM}x`, is_current: false });
    expect(await list(base)).toEqual([
      { key_identifier: "bb", key: PEM, is_current: false },
      { key_identifier: "aa", key: `${PEM}x`, is_current: false },
    ]);
  });

  it("serves the list at any GET path outside /__standin/", async () => {
    const base = isolatedBase();
    await control(base, "keys", { key_identifier: "aa", key: PEM });
    const res = await fetch(`${base}/some/other/path`);
    expect(v.parse(KeyListSchema, await res.json()).public_keys).toHaveLength(1);
  });

  it("counts list fetches, not control calls, and whether they carried Authorization", async () => {
    const base = isolatedBase();
    await fetch(`${base}${LIST_PATH}`);
    await fetch(`${base}${LIST_PATH}`, { headers: { authorization: "Bearer ghp_x" } });
    const stats = await (await control(base, "stats")).json();
    expect(stats).toEqual({ fetches: 2, authorizedFetches: 1 });
  });

  it("fails scripted fetches with the given status, `times` times", async () => {
    const base = isolatedBase();
    await control(base, "fail", { status: 503, times: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${base}${LIST_PATH}`)).status);
    expect(statuses).toEqual([503, 503, 200]);
  });

  it("serves a raw malformed body until cleared with status 0", async () => {
    const base = isolatedBase();
    await control(base, "fail", { body: "not json" });
    const res = await fetch(`${base}${LIST_PATH}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("not json");
    expect(await (await fetch(`${base}${LIST_PATH}`)).text()).toBe("not json");
    await control(base, "fail", { status: 0 });
    expect(await list(base)).toEqual([]);
  });

  it("forgets keys, counters and failures on reset", async () => {
    const base = isolatedBase();
    await control(base, "keys", { key_identifier: "aa", key: PEM });
    await control(base, "fail", { status: 500 });
    await fetch(`${base}${LIST_PATH}`);
    await control(base, "reset", {});
    expect(await list(base)).toEqual([]);
    expect(await (await control(base, "stats")).json()).toEqual({ fetches: 1, authorizedFetches: 0 });
  });

  it("rejects a malformed key entry and a non-GET list request", async () => {
    const base = isolatedBase();
    expect((await control(base, "keys", { key_identifier: "aa" })).status).toBe(400);
    expect((await fetch(`${base}${LIST_PATH}`, { method: "POST", body: "{}" })).status).toBe(405);
  });

  it("offers the same through its direct API", async () => {
    const server = createKeyServer();
    server.addKey({ key_identifier: "cc", key: PEM });
    const res = await server.handle(new Request(`http://anywhere${LIST_PATH}`));
    expect(await res.json()).toEqual({ public_keys: [{ key_identifier: "cc", key: PEM, is_current: true }] });
    expect(server.fetchCount()).toBe(1);
    server.reset();
    expect(server.fetchCount()).toBe(0);
  });
});

describe("outbound routing", () => {
  it("blocks every host that is not a stand-in", async () => {
    const res = await fetch("http://example.com/");
    expect(res.status).toBe(502);
    expect(await res.text()).toBe("blocked outbound host");
  });
});
