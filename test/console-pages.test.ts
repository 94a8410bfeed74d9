/**
 * The operators' console's pages and actions in the Workers runtime, over real D1, the real queue and the Clerk
 * stand-in: the overview's counts, charts and time to revoke; the list's filters, search and paging; one incident's
 * sightings, Clerk calls and notification; retry, and revocation by key id and by secret, each behind a confirmation.
 * Every page is scanned: no raw token may appear in any HTML.
 */
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SigningKey } from "../dev/signer";
import { sha256Hex } from "../src/lib/hash";
import { keyIdIncidentHash } from "../src/use-cases/revoke-manually";
import { clearTables, incident, migrate } from "./support/db";
import { consoleRequest, send as sendToWorker, signIn } from "./support/operator-console";
import { watchSecrecy } from "./support/secrecy";
import {
  CLERK,
  clerkKey,
  clerkMachines,
  createLiveKey,
  createMachine,
  match,
  publishedSigningKey,
  resetClerk,
  scriptClerk,
  signedAlert,
} from "./support/standins";
import { waitFor } from "./support/wait";

const secrecy = watchSecrecy({ clerk: CLERK });
let signingKey: SigningKey;
let cookie: string;

beforeAll(async () => {
  await migrate();
  signingKey = await publishedSigningKey();
  cookie = await signIn();
});

beforeEach(async () => {
  await clearTables();
  await resetClerk();
});

/** A console page as the signed-in operator sees it; every answer is kept for the secrecy scan. */
async function open(path: string): Promise<{ status: number; html: string; res: Response }> {
  const res = await sendToWorker(consoleRequest(path, { cookie }));
  const html = await res.text();
  secrecy.sawResponse(html);
  return { status: res.status, html, res };
}

async function post(path: string, form: Record<string, string>) {
  const res = await sendToWorker(consoleRequest(path, { cookie, form }));
  const html = await res.text();
  secrecy.sawResponse(html);
  return { status: res.status, html, headers: res.headers };
}

const randomHash = () =>
  [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, "0")).join("");

interface Seed {
  firstSeenAt: number;
  status?: string;
  revokedAt?: number | null;
  keyId?: string | null;
  keyName?: string | null;
  prefix?: string;
  hash?: string;
  updatedAt?: number;
}

/** An incident written straight into D1, with one GitHub sighting. */
async function seed(s: Seed): Promise<string> {
  const hash = s.hash ?? randomHash();
  await env.DB.prepare(
    `INSERT INTO incidents (token_hash, token_prefix, token_type, status, label, key_id, key_name, attempts,
       first_seen_at, last_seen_at, revoked_at, updated_at, senders)
     VALUES (?1, ?2, 'clerk_api_key', ?3, NULL, ?4, ?5, 1, ?6, ?6, ?7, ?8, '["github"]')`,
  )
    .bind(
      hash,
      s.prefix ?? "ak_seed…",
      s.status ?? "pending",
      s.keyId ?? null,
      s.keyName ?? null,
      s.firstSeenAt,
      s.revokedAt ?? null,
      s.updatedAt ?? s.firstSeenAt,
    )
    .run();
  await env.DB.prepare(
    `INSERT INTO sightings (sighting_id, token_hash, sender, url, source, type, first_seen_at, last_seen_at)
     VALUES (?1, ?2, 'github', 'https://example.test/leak', 'content', 'clerk_api_key', ?3, ?3)`,
  )
    .bind(randomHash(), hash, s.firstSeenAt)
    .run();
  return hash;
}

/** The number on the overview's card for `status`. */
const countOn = (html: string, status: string) =>
  Number(new RegExp(`data-status="${status}"><strong>(\\d+)</strong>`).exec(html)?.[1]);

describe("GET /console: the overview", () => {
  it("counts incidents by status, and lists what is failed or pending, failed first", async () => {
    const now = Date.now();
    const failed = await seed({ firstSeenAt: now - 5_000, status: "failed", prefix: "ak_fail…" });
    const pending = await seed({
      firstSeenAt: now - 4_000,
      status: "pending",
      prefix: "ak_pend…",
      updatedAt: now,
    });
    await seed({ firstSeenAt: now - 3_000, status: "revoked", revokedAt: now - 2_000 });
    await seed({ firstSeenAt: now - 3_000, status: "revoked", revokedAt: now - 1_000 });
    await seed({ firstSeenAt: now - 3_000, status: "ignored" });

    const { status, html } = await open("/console");
    expect(status).toBe(200);
    expect(countOn(html, "failed")).toBe(1);
    expect(countOn(html, "pending")).toBe(1);
    expect(countOn(html, "revoked")).toBe(2);
    expect(countOn(html, "not_found")).toBe(0);
    expect(countOn(html, "ignored")).toBe(1);
    expect(html).toContain("5 incidents in all.");
    const attention = html.slice(html.indexOf("Needs attention"), html.indexOf("The last 30 days"));
    expect(attention.indexOf(failed)).toBeGreaterThan(-1);
    expect(attention.indexOf(failed)).toBeLessThan(attention.indexOf(pending));
  });

  it("draws alerts and revocations per day over 30 days as SVG, with the numbers in a table", async () => {
    const now = Date.now();
    for (let i = 0; i < 3; i++)
      await seed({ firstSeenAt: now - i * 1_000, status: "revoked", revokedAt: now });
    await seed({ firstSeenAt: now - 40 * 86_400_000, status: "revoked", revokedAt: now - 40 * 86_400_000 });

    const { html } = await open("/console");
    expect(html.match(/<svg [^>]*role="img"/g)).toHaveLength(3);
    expect(html).toContain("New incidents per day");
    expect(html).toContain("Revocations per day");
    // The one 40 days ago is outside the window.
    expect(html).toMatch(/3 in 30 days, \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d; most in one day: 3\./);
    const today = new Date(now).toISOString().slice(0, 10);
    expect(html).toContain(`<td>${today}</td><td>3</td>`);
  });

  it("takes p50 and p95 by nearest rank, so a p95 of a few keys is the slowest, not the second slowest", async () => {
    const now = Date.now();
    // Seven revocations taking 1 s ... 7 s: p50 is the 4th (4 s); p95 is the 7th (ceil(0.95 × 7) = 7), 7 s.
    for (let s = 1; s <= 7; s++)
      await seed({ firstSeenAt: now - 60_000 - s * 1_000, status: "revoked", revokedAt: now - 60_000 });
    const { html } = await open("/console");
    expect(html).toContain("<strong>p50 4 s</strong>");
    expect(html).toContain("<strong>p95 7 s</strong>");
  });

  it("gives time to revoke as p50 and p95 over the last 30 days", async () => {
    const now = Date.now();
    // Twenty revocations taking 1 s, 2 s, ... 20 s: p50 is the 10th (10 s), p95 the 19th (19 s).
    for (let s = 1; s <= 20; s++)
      await seed({ firstSeenAt: now - 60_000 - s * 1_000, status: "revoked", revokedAt: now - 60_000 });
    const { html } = await open("/console");
    expect(html).toContain("<strong>p50 10 s</strong>");
    expect(html).toContain("<strong>p95 19 s</strong>");
    expect(html).toContain("20 keys revoked in the last 30 days");
    expect(html).toContain("<td>&lt; 1 s</td><td>0</td>");
    expect(html).toContain("<td>&lt; 10 s</td><td>9</td>");
  });

  it("counts an alert's incident as soon as the alert is answered", async () => {
    const before = countOn((await open("/console")).html, "revoked");
    const live = await createLiveKey();
    const alert = await secrecy.fetch(await signedAlert(signingKey, JSON.stringify([match(live.secret)])));
    expect(alert.status).toBe(200);
    const { html } = await open("/console");
    expect(countOn(html, "revoked")).toBe(before + 1);
    const list = await open("/console/incidents");
    expect(list.html).toContain(await sha256Hex(live.secret));
    expect(list.html).toContain(live.id);
  });
});

describe("GET /console/incidents: the list", () => {
  it("filters by status", async () => {
    const now = Date.now();
    const failed = await seed({ firstSeenAt: now, status: "failed" });
    const revoked = await seed({ firstSeenAt: now, status: "revoked", revokedAt: now });
    const { html } = await open("/console/incidents?status=failed&sender=&label=&since=&q=");
    expect(html).toContain(failed);
    expect(html).not.toContain(revoked);
    expect(html).toMatch(/<option value="failed" selected="">failed<\/option>/);
  });

  it("searches by token prefix, token hash (or its start), key id and part of the key name", async () => {
    const now = Date.now();
    const keyId = `ak_${"ab12".repeat(8)}`;
    const target = await seed({ firstSeenAt: now, prefix: "ak_3bee…", keyId, keyName: "Billing Export" });
    const other = await seed({ firstSeenAt: now, prefix: "ak_9zzz…", keyName: "other" });
    for (const q of ["ak_3bee", target, target.slice(0, 10), keyId, "billing exp"]) {
      const { html } = await open(`/console/incidents?q=${encodeURIComponent(q)}`);
      expect(html, q).toContain(`/console/incidents/${target}`);
      expect(html, q).not.toContain(`/console/incidents/${other}`);
    }
  });

  it("never echoes a whole secret typed into the search: it searches by its hash instead", async () => {
    const live = await createLiveKey();
    await secrecy.fetch(await signedAlert(signingKey, JSON.stringify([match(live.secret)])));
    const { html } = await open(`/console/incidents?q=${encodeURIComponent(live.secret)}`);
    expect(html).toContain("That looked like a whole secret");
    expect(html).toContain(`/console/incidents/${await sha256Hex(live.secret)}`);
    expect(html).toContain('name="q" type="search" value=""');
    expect(html).not.toContain(live.secret);
  });

  it("takes the search form by POST, so a pasted secret never travels in a URL: it answers with the hash's", async () => {
    const live = await createLiveKey();
    await secrecy.fetch(await signedAlert(signingKey, JSON.stringify([match(live.secret)])));
    const res = await post("/console/incidents", {
      q: live.secret,
      status: "",
      sender: "",
      label: "",
      since: "",
    });
    expect(res.status).toBe(303);
    const location = res.headers.get("Location") ?? "";
    expect(location).toBe(`/console/incidents?q=${await sha256Hex(live.secret)}`);
    expect(location).not.toContain(live.secret);
  });

  it("answers a search that could be another secret from the POST itself: not shown, not put in a URL", async () => {
    const other = `sk_live_${"Zq7".repeat(12)}`;
    secrecy.track(other);
    const res = await post("/console/incidents", { q: other });
    expect(res.status).toBe(200);
    expect(res.headers.get("Location")).toBeNull();
    expect(res.html).toContain("could be a secret pasted by mistake");
    expect(res.html).not.toContain(other);
    expect(res.html).not.toContain("Next page");
  });

  it("puts a plain key name in the list's URL, so it pages like any filter", async () => {
    const res = await post("/console/incidents", { q: "payments-prod" });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/console/incidents?q=payments-prod");
  });

  it("starts every page with a doctype, so no browser renders it in quirks mode", async () => {
    const { html } = await open("/console");
    expect(html.startsWith("<!DOCTYPE html><html")).toBe(true);
  });

  it("the search form posts: its action takes a body, never a query string", async () => {
    const { html } = await open("/console/incidents");
    expect(html).toContain('<form class="filters" method="post" action="/console/incidents">');
  });

  it("pages with a cursor, newest first, without duplicates or misses", async () => {
    const base = Date.now() - 100_000;
    const hashes = [];
    for (let i = 0; i < 30; i++) hashes.push(await seed({ firstSeenAt: base + i }));
    const first = await open("/console/incidents");
    const next = /<a href="(\/console\/incidents\?cursor=[^"]+)">Next page<\/a>/.exec(first.html)?.[1];
    expect(next).toBeDefined();
    const second = await open((next ?? "").replaceAll("&amp;", "&"));
    expect(second.html).not.toContain("Next page");
    expect(second.html).toContain("First page");
    const seen = [
      ...`${first.html}${second.html}`.matchAll(/href="\/console\/incidents\/([0-9a-f]{64})"/g),
    ].map((m) => m[1]);
    expect(new Set(seen).size).toBe(30);
    expect(seen).toEqual([...hashes].reverse());
  });

  it("refuses a malformed filter with a page that echoes nothing", async () => {
    const { status, html } = await open("/console/incidents?status=lost&since=yesterday");
    expect(status).toBe(400);
    expect(html).not.toContain("lost");
    expect(html).not.toContain("yesterday");
  });
});

describe("GET /console/incidents/{token_hash}: one incident", () => {
  // The queue's retry of the 503 takes a few seconds: a busy machine needs more than the default 5 s.
  it("shows sightings, Clerk calls with status and trace id, and the notification", async () => {
    const live = await createLiveKey();
    await scriptClerk([{ status: 503, path: "revoke" }]);
    const revoke = await post("/console/revoke", { key_id: live.id, confirm: "yes" });
    expect(revoke.html).toContain("Queued");
    const hash = await keyIdIncidentHash(live.id);
    await waitFor(async () => (await incident(hash))?.status === "revoked", 20_000);
    await waitFor(async () => (await incident(hash))?.notified_at !== null, 20_000);

    const { status, html } = await open(`/console/incidents/${hash}`);
    expect(status).toBe(200);
    expect(html).toContain(live.id);
    expect(html).toMatch(
      /<td>revoke<\/td><td>retryable<\/td><td>503<\/td><td><code>[0-9a-f]{32}<\/code><\/td>/,
    );
    expect(html).toMatch(/<td>revoke<\/td><td>ok<\/td><td>200<\/td>/);
    expect(html).toContain("<strong>manual</strong>");
    expect(html).toMatch(/<dt>Delivered<\/dt><dd><time/);
  }, 30_000);

  it("says when a key was already revoked in Clerk, with Clerk's reason, and that nothing was revoked again", async () => {
    const hash = await seed({ firstSeenAt: Date.now(), status: "revoked", revokedAt: Date.now() });
    await env.DB.prepare(
      "UPDATE incidents SET already_inactive = 'revoked_elsewhere', clerk_revocation_reason = 'Rotated <by owner>' WHERE token_hash = ?1",
    )
      .bind(hash)
      .run();
    const { html } = await open(`/console/incidents/${hash}`);
    expect(html).toContain("Already revoked in Clerk before autorevoke saw it; nothing was revoked again.");
    expect(html).toContain("Rotated &lt;by owner&gt;");
  });

  it("shows what a not_found rests on, and offers to check it again", async () => {
    const hash = await seed({ firstSeenAt: Date.now(), status: "not_found" });
    await env.DB.prepare(
      "UPDATE incidents SET checked_at = ?1, verdict_config = 'v1:prod:0123' WHERE token_hash = ?2",
    )
      .bind(Date.now(), hash)
      .run();
    const { html } = await open(`/console/incidents/${hash}`);
    expect(html).toContain("Clerk does not know this token");
    expect(html).toContain("<code>v1:prod:0123</code>");
    expect(html).toContain("Check again");
    expect(html).toContain(`action="/console/incidents/${hash}/retry"`);
  });

  it("shows erased sighting details as erased", async () => {
    const hash = await seed({ firstSeenAt: Date.now() - 40 * 86_400_000, status: "revoked" });
    await env.DB.prepare(
      "UPDATE sightings SET url = NULL, source = NULL, type = NULL, erased_at = ?1 WHERE token_hash = ?2",
    )
      .bind(Date.now(), hash)
      .run();
    const { html } = await open(`/console/incidents/${hash}`);
    expect(html).toContain("Details erased");
    expect(html).not.toContain("https://example.test/leak");
  });

  it("links a sighting's http(s) URL and never a javascript: one", async () => {
    const hash = await seed({ firstSeenAt: Date.now() });
    await env.DB.prepare("UPDATE sightings SET url = 'javascript:alert(1)' WHERE token_hash = ?1")
      .bind(hash)
      .run();
    const { html } = await open(`/console/incidents/${hash}`);
    expect(html).not.toContain('href="javascript:');
    expect(html).toContain("<code>javascript:alert(1)</code>");
  });

  it("answers 404 for an unknown hash and 400 for a malformed one", async () => {
    expect((await open(`/console/incidents/${randomHash()}`)).status).toBe(404);
    const bad = await open("/console/incidents/not-a-hash-ak_live_looking_value");
    expect(bad.status).toBe(400);
    expect(bad.html).not.toContain("ak_live_looking_value");
  });
});

describe("actions", () => {
  it("retries a failed incident only once confirmed, and says so", async () => {
    const hash = await seed({ firstSeenAt: Date.now(), status: "failed" });
    const page = await open(`/console/incidents/${hash}`);
    expect(page.html).toContain(`action="/console/incidents/${hash}/retry"`);

    const unconfirmed = await post(`/console/incidents/${hash}/retry`, {});
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.html).toContain("the confirmation box was not ticked");
    expect((await incident(hash))?.status).toBe("failed");

    const done = await post(`/console/incidents/${hash}/retry`, { confirm: "yes" });
    expect(done.status).toBe(200);
    expect(done.html).toContain("Retry queued");
    expect((await incident(hash))?.status).not.toBe("failed");
  });

  it("refuses to retry an incident that is neither failed nor not found", async () => {
    const hash = await seed({ firstSeenAt: Date.now(), status: "revoked" });
    const res = await post(`/console/incidents/${hash}/retry`, { confirm: "yes" });
    expect(res.status).toBe(409);
    expect(res.html).toContain(
      "Only a failed incident, or a not-found one whose secret is kept, can be retried.",
    );
  });

  it("revokes by key id once confirmed, in Clerk", async () => {
    const live = await createLiveKey();
    const unconfirmed = await post("/console/revoke", { key_id: live.id });
    expect(unconfirmed.status).toBe(400);
    expect((await clerkKey(live.id)).revoked).toBe(false);

    const done = await post("/console/revoke", { key_id: live.id, reason: "", confirm: "yes" });
    expect(done.status).toBe(200);
    expect(done.html).toContain("Revoked: Clerk confirmed the key is revoked.");
    expect(done.html).toContain(`/console/incidents/${await keyIdIncidentHash(live.id)}`);
    expect(await clerkKey(live.id)).toMatchObject({ revoked: true, revocation_reason: "Key compromised" });
  });

  it("says on an incident's page whether the key's owner was emailed, to whom and when, or why not", async () => {
    const now = Date.now();
    const told = await seed({ firstSeenAt: now - 1_000, status: "revoked", revokedAt: now });
    const machine = await seed({ firstSeenAt: now - 1_000, status: "revoked", revokedAt: now });
    await env.DB.batch([
      env.DB.prepare(
        `INSERT INTO owner_emails (token_hash, state, owner, recipients, due_at, sent_at, updated_at)
         VALUES (?1, 'sent', 'user_x', '["jane@example.test"]', ?2, ?2, ?2)`,
      ).bind(told, Date.UTC(2026, 11, 4, 9, 30)),
      env.DB.prepare(
        `INSERT INTO owner_emails (token_hash, state, owner, reason, due_at, updated_at)
         VALUES (?1, 'not_sent', 'mch_x', 'no_owner_to_email', ?2, ?2)`,
      ).bind(machine, now),
    ]);
    const sentPage = await open(`/console/incidents/${told}`);
    expect(sentPage.html).toContain("Owner email");
    expect(sentPage.html).toMatch(/Sent to (<!-- -->)?<code>jane@example\.test<\/code>/);
    expect(sentPage.html).toContain("2026-12-04 09:30");
    const machinePage = await open(`/console/incidents/${machine}`);
    expect(machinePage.html).toContain("Not sent: the key belongs to a machine or an OAuth client");
  });

  it("says on an incident's page what was done to each kind of credential", async () => {
    const now = Date.now();
    const cases: [string, number | null, string][] = [
      ["clerk_oauth_access_token", null, "Grant revoked by autorevoke"],
      ["clerk_m2m_jwt", now + 3_600_000, "Cannot be revoked: a JWT the instance signed"],
      ["clerk_machine_secret_key", null, "Rotated by autorevoke"],
      ["clerk_m2m_token", null, "Revoked by autorevoke. It cannot be restored."],
    ];
    for (const [tokenType, expiration, words] of cases) {
      const hash = await seed({ firstSeenAt: now - 1_000, status: "revoked", revokedAt: now });
      await env.DB.prepare("UPDATE incidents SET token_type = ?1, key_expiration = ?2 WHERE token_hash = ?3")
        .bind(tokenType, expiration, hash)
        .run();
      const page = await open(`/console/incidents/${hash}`);
      expect(page.html).toContain(words);
      expect(page.html).toContain(`(${tokenType})`);
    }
  });

  it("rotates a machine's secret key by the machine's id, from the same id form", async () => {
    const machine = await createMachine();
    const done = await post("/console/revoke", { key_id: machine.id, confirm: "yes" });
    expect(done.status).toBe(200);
    expect(done.html).toContain("Revoked");
    expect((await clerkMachines()).find((m) => m.id === machine.id)).toMatchObject({
      previous_token_ttls: [0],
    });
    const page = await open(`/console/incidents/${await keyIdIncidentHash(machine.id)}`);
    expect(page.html).toContain("Rotated by autorevoke");
    expect(page.html).toContain("machine secret key");
  });

  it("revokes by secret once confirmed, never showing the secret", async () => {
    const live = await createLiveKey();
    const done = await post("/console/revoke", {
      secret: live.secret,
      reason: "rotated by on-call",
      confirm: "yes",
    });
    expect(done.status).toBe(200);
    expect(done.html).toContain("Revoked");
    expect(done.html).toContain(live.id);
    expect(done.html).not.toContain(live.secret);
    expect(await clerkKey(live.id)).toMatchObject({ revoked: true, revocation_reason: "rotated by on-call" });
  });

  it("refuses a malformed secret with the field empty again, and an unconfirmed one without revoking", async () => {
    const live = await createLiveKey();
    const unconfirmed = await post("/console/revoke", { secret: live.secret });
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.html).not.toContain(live.secret);
    expect((await clerkKey(live.id)).revoked).toBe(false);

    const notASecret = "ak_short";
    const bad = await post("/console/revoke", { secret: notASecret, confirm: "yes" });
    expect(bad.status).toBe(400);
    expect(bad.html).toContain("not shaped like a Clerk credential");
    expect(bad.html).not.toContain(notASecret);
    expect(bad.html).toMatch(
      /<input id="secret" name="secret" type="password" required="" autocomplete="off"/,
    );
  });

  it("says when Clerk does not know the key", async () => {
    const done = await post("/console/revoke", { key_id: `ak_${"f".repeat(32)}`, confirm: "yes" });
    expect(done.html).toContain("Not found: Clerk does not know this key");
  });

  it("never logs the secret", async () => {
    const live = await createLiveKey();
    await post("/console/revoke", { secret: live.secret, confirm: "yes" });
    expect(secrecy.logs()).toContain("manual_revocation");
    expect(secrecy.logs()).not.toContain(live.secret);
  });
});
