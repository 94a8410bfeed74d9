/**
 * Erasure that erases. GitHub's agreement asks for a sighting's url, source and type to be deleted within 30 days;
 * after the sweeper's erasure nothing in D1 may still tie a token to a known URL: no column holds the details, and no
 * sighting id is a hash anyone can recompute from them. A sighting's identity includes its sender, and a sighting
 * younger than 30 days keeps its details.
 *
 * Indexes hold copies of their table's columns (SQLite's b-trees store the indexed values and the row key), so rows
 * that match nothing leave no index entry that matches either: dumping every table covers them.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { AlertSender, SigningKey } from "../dev/signer";
import worker from "../src";
import { sha256Hex } from "../src/lib/hash";
import { SIGHTING_RETENTION_MS } from "../src/use-cases/sweep";
import { clearTables, dumpTables, migrate } from "./support/db";
import { watchSecrecy } from "./support/secrecy";
import {
  createLiveKey,
  DEPSDEV_KEYS,
  publishedSigningKey,
  resetClerk,
  signedAlert,
} from "./support/standins";

/** Details distinctive enough that finding them anywhere in a dump can only mean they were kept. */
const URL = "https://github.com/erasure-test-owner/erasure-test-repo/blob/main/config/.env.production";
const SOURCE = "erasure_test_source";
const TYPE = "erasure_test_partner_type";
const details = { url: URL, source: SOURCE, type: TYPE };

let githubKey: SigningKey;
let depsdevKey: SigningKey;
/** Every token alerted is looked for in each test's rows, messages, answers and log lines. */
const secrecy = watchSecrecy();

beforeAll(async () => {
  await migrate();
  githubKey = await publishedSigningKey();
  depsdevKey = await publishedSigningKey(DEPSDEV_KEYS);
});

beforeEach(async () => {
  await clearTables();
  await resetClerk();
});

/** Alerts `tokens` with the test's details from `sender`. */
async function alert(tokens: string[], sender: AlertSender = "github"): Promise<void> {
  secrecy.track(...tokens);
  const key = sender === "depsdev" ? depsdevKey : githubKey;
  const body = JSON.stringify(tokens.map((token) => ({ token, ...details })));
  const res = await secrecy.fetch(await signedAlert(key, body, sender));
  expect(res.status).toBe(200);
}

/** A live Clerk key (revoked inline) and a token that cannot be a Clerk secret (ignored): both kinds of incident. */
async function twoTokens(): Promise<string[]> {
  const live = await createLiveKey();
  return [live.secret, `ghp_erasure${crypto.randomUUID().replaceAll("-", "")}`];
}

/** Runs the cron at `at`, the way Cloudflare would. */
async function sweepAt(at: number): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: at }), env, ctx);
  await waitOnExecutionContext(ctx);
}

const afterRetention = () => Date.now() + SIGHTING_RETENTION_MS + 60_000;

async function sightings() {
  const { results } = await env.DB.prepare(
    "SELECT sighting_id, token_hash, sender, url, source, type, times_seen, erased_at FROM sightings",
  ).all<{
    sighting_id: string;
    token_hash: string;
    sender: string;
    url: string | null;
    source: string | null;
    type: string | null;
    times_seen: number;
    erased_at: number | null;
  }>();
  return results;
}

describe("after erasure", () => {
  it("no row in any table holds the url, source or type", async () => {
    await alert(await twoTokens());
    await sweepAt(afterRetention());
    const dump = await dumpTables();
    expect(dump).not.toContain(URL);
    expect(dump).not.toContain(SOURCE);
    expect(dump).not.toContain(TYPE);
  });

  it("no sighting id is a hash of the erased details, with or without the token or sender", async () => {
    const tokens = await twoTokens();
    await alert(tokens);
    await sweepAt(afterRetention());
    const dump = await dumpTables();
    const candidates: string[][] = [[URL], [URL, SOURCE], [URL, SOURCE, TYPE]];
    for (const token of tokens) {
      const h = await sha256Hex(token);
      // The recipe before erasure erased (sha256 of [hash, url, source, type]), and the obvious variants.
      candidates.push(
        [h, URL, SOURCE, TYPE],
        [h, "github", URL, SOURCE, TYPE],
        [h, URL, SOURCE, TYPE, "github"],
      );
      candidates.push([h, URL], [h, "github", URL]);
    }
    for (const parts of candidates) {
      for (const text of [JSON.stringify(parts), parts.join(""), parts.join("\n"), parts.join("|")]) {
        expect(dump).not.toContain(await sha256Hex(text));
      }
    }
  });

  it("a new sighting of the same details starts a row of its own, matching nothing erased", async () => {
    const [live] = await twoTokens();
    if (!live) throw new Error("no token");
    await alert([live]);
    await sweepAt(afterRetention());
    await alert([live]);
    const rows = await sightings();
    expect(rows).toHaveLength(2);
    const [erased, fresh] = [rows.find((r) => r.erased_at !== null), rows.find((r) => r.erased_at === null)];
    expect(erased).toMatchObject({ url: null, times_seen: 1 });
    expect(fresh).toMatchObject({ url: URL, times_seen: 1 });
    expect(erased?.sighting_id).not.toBe(fresh?.sighting_id);
  });
});

describe("a backlog of GitHub App alert claims", () => {
  it("is worked through in full batches like the sightings', not one batch a sweep", async () => {
    // 5,000 claim rows past the sightings' retention and no sighting due: the claims alone must keep erasure going.
    const old = Date.now() - SIGHTING_RETENTION_MS - 86_400_000;
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 4999)
       INSERT INTO github_alerts (alert_key, installation_id, token_hash, created_at)
       SELECT '1#' || i, 1, lower(hex(randomblob(32))), ?1 + i FROM n`,
    )
      .bind(old)
      .run();
    await sweepAt(Date.now());
    const left = await env.DB.prepare("SELECT COUNT(*) AS n FROM github_alerts").first<{ n: number }>();
    expect(left?.n).toBe(0);
  });
});

describe("before erasure", () => {
  it("a sighting younger than 30 days keeps its url, source and type", async () => {
    const [live] = await twoTokens();
    if (!live) throw new Error("no token");
    await alert([live]);
    await sweepAt(Date.now() + SIGHTING_RETENTION_MS - 60_000);
    expect(await sightings()).toEqual([
      expect.objectContaining({ url: URL, source: SOURCE, type: TYPE, erased_at: null }),
    ]);
  });

  it("the same match twice from one sender counts on one sighting", async () => {
    const [live] = await twoTokens();
    if (!live) throw new Error("no token");
    await alert([live]);
    await alert([live]);
    expect(await sightings()).toEqual([expect.objectContaining({ sender: "github", times_seen: 2 })]);
  });

  it("the same match from two senders is two sightings, each with its sender", async () => {
    const [live] = await twoTokens();
    if (!live) throw new Error("no token");
    await alert([live], "github");
    await alert([live], "depsdev");
    const senders = (await sightings()).map((r) => `${r.sender} ${r.url}`).sort();
    expect(senders).toEqual([`depsdev ${URL}`, `github ${URL}`]);
  });

  it("the incident lists each sender that saw the token once, in the order they first did", async () => {
    const [live] = await twoTokens();
    if (!live) throw new Error("no token");
    await alert([live], "github");
    await alert([live], "depsdev");
    await alert([live], "github");
    const row = await env.DB.prepare("SELECT senders FROM incidents").first<{ senders: string }>();
    expect(JSON.parse(row?.senders ?? "null")).toEqual(["github", "depsdev"]);
  });
});

describe("the incident", () => {
  it("records autorevoke's own classification of the token, never the type the sender gave", async () => {
    await alert(await twoTokens());
    const { results } = await env.DB.prepare("SELECT token_type FROM incidents ORDER BY token_type").all();
    expect(results.map((r) => r.token_type)).toEqual(["clerk_api_key", "other"]);
  });
});

describe("upgrading a log written before erasure erased (migration 0006)", () => {
  /** Runs the statements of migration 0006 again, over rows written the way earlier versions wrote them. */
  async function migrate0006(): Promise<void> {
    const migration = env.TEST_MIGRATIONS.find((m) => m.name.startsWith("0006_"));
    if (!migration) throw new Error("no migration 0006");
    await env.DB.batch(migration.queries.map((q) => env.DB.prepare(q)));
  }

  /** An incident and its sighting as versions before 0006 wrote them: the sender's type, a sha256 sighting id. */
  async function oldRows(token: string, status: string, type: string): Promise<string> {
    const h = await sha256Hex(token);
    const id = await sha256Hex(JSON.stringify([h, URL, SOURCE, type]));
    await env.DB.batch([
      env.DB.prepare(
        `INSERT INTO incidents (token_hash, token_prefix, token_type, status, first_seen_at, last_seen_at, updated_at)
         VALUES (?1, 'x…', ?2, ?3, 1, 1, 1)`,
      ).bind(h, type, status),
      env.DB.prepare(
        `INSERT INTO sightings (sighting_id, token_hash, sender, url, source, type, first_seen_at, last_seen_at)
         VALUES (?1, ?2, 'github', ?3, ?4, ?5, 1, 1)`,
      ).bind(id, h, URL, SOURCE, type),
    ]);
    return id;
  }

  it("replaces every sighting id that was a hash of the details", async () => {
    const ids = [await oldRows("ak_old_one_0000000000000000", "revoked", TYPE)];
    ids.push(await oldRows("ghp_old_two", "ignored", "github_personal_access_token"));
    await migrate0006();
    const now = (await sightings()).map((r) => r.sighting_id);
    expect(now).toHaveLength(2);
    for (const id of ids) expect(now).not.toContain(id);
  });

  it("replaces the sender's type on every incident with autorevoke's classification", async () => {
    await oldRows("ak_old_one_0000000000000000", "revoked", TYPE);
    await oldRows("ghp_old_two", "ignored", "github_personal_access_token");
    await oldRows("key_id:ak_0123", "not_found", "clerk_api_key_id");
    await migrate0006();
    const { results } = await env.DB.prepare("SELECT token_type FROM incidents ORDER BY token_type").all();
    expect(results.map((r) => r.token_type)).toEqual(["clerk_api_key", "clerk_api_key_id", "other"]);
  });
});
