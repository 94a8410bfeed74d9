/**
 * An alert as large as the route accepts (ALERT_BODY_LIMIT_BYTES), of matches whose URLs are as long as
 * the schema keeps (MAX_URL_CHARS) and full of characters that JSON escaping and UTF-8 blow up: quotes,
 * backslashes, control characters (six bytes each as `\u00XX`) and non-ASCII. Recorded through the real
 * route, signed, into real D1 in the Workers runtime. Rows travel to D1 as JSON parameters, and D1 refuses
 * a string over 2,000,000 bytes: this alert must still be recorded in full, or every resend fails the
 * same way. Local D1 lets far bigger strings through, so the Worker runs here over the same D1 with
 * production's string limit added (./support/d1-limits.ts). No token here is Clerk-shaped, so no Clerk
 * call or queue message leaves this file.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { SigningKey } from "../dev/signer";
import worker from "../src";
import { MAX_URL_CHARS } from "../src/domain/alert-body";
import { ALERT_BODY_LIMIT_BYTES } from "../src/http/routes/alerts";
import { sha256Hex } from "../src/lib/hash";
import { report } from "./support/console";
import { TOO_BIG_MESSAGE, withProductionStringLimit } from "./support/d1-limits";
import { clearTables, dumpTables, migrate } from "./support/db";
import { watchSecrecy } from "./support/secrecy";
import { publishedSigningKey, resetClerk, signedAlert } from "./support/standins";

/**
 * Characters that each cost far more bytes in a JSON parameter than in a URL's character count: `"` and
 * `\` take two, C0 controls six (`\u0001`), `é` two, `€` three, the emoji four for two UTF-16 units,
 * U+2028 three. Tab and newline sit inside, never at the ends, so trimming keeps the URL whole.
 */
const HOSTILE = '"\\\u0001\u0007\t\u001b\n\u001f\u007féé€😀\u2028"\\\u0002\u0003\u0004\u0005\u0006';

/** A URL of exactly MAX_URL_CHARS UTF-16 units, unique by `i`, that starts and ends with a letter. */
function hostileUrl(i: number): string {
  const head = `https://github.com/octo/repo/blob/main/${i}/`;
  let body = "";
  while (head.length + body.length < MAX_URL_CHARS - 1) body += HOSTILE;
  // Cut on a code point: never leave half of the emoji behind.
  let url = head + body.slice(0, MAX_URL_CHARS - 1 - head.length);
  if (/[\uD800-\uDBFF]$/.test(url)) url = `${url.slice(0, -1)}x`;
  return `${url}z`;
}

const randomToken = () => `ghp_${crypto.randomUUID().replaceAll("-", "")}`;

/** The signed body, and what it holds: the distinct tokens and every match's URL. */
interface LargeAlert {
  body: string;
  tokens: Set<string>;
  urls: string[];
}

/**
 * As many matches as fit in ALERT_BODY_LIMIT_BYTES. Odd matches each bring a new token; even ones are
 * more places one token was seen, so both many incidents and many sightings of one incident are written.
 */
function buildLargeAlert(): LargeAlert {
  const repeated = randomToken();
  const tokens = new Set<string>();
  const urls: string[] = [];
  const parts: string[] = [];
  let bytes = 2; // the brackets
  const encoder = new TextEncoder();
  for (let i = 0; ; i++) {
    const token = i % 2 === 0 ? repeated : randomToken();
    const url = hostileUrl(i);
    const part = JSON.stringify({ token, type: "github_token", url, source: "content" });
    const partBytes = encoder.encode(part).length + (parts.length > 0 ? 1 : 0);
    if (bytes + partBytes > ALERT_BODY_LIMIT_BYTES) break;
    bytes += partBytes;
    parts.push(part);
    tokens.add(token);
    urls.push(url);
  }
  return { body: `[${parts.join(",")}]`, tokens, urls };
}

/** The alert's tokens are looked for in every row, message, answer and log line, after each test. */
const secrecy = watchSecrecy();
let key: SigningKey;
let alert: LargeAlert;
let response: Response;
let answer: string;

beforeAll(async () => {
  await migrate();
  await clearTables();
  await resetClerk();
  key = await publishedSigningKey();
  alert = buildLargeAlert();
  secrecy.track(...alert.tokens);
  const request = await signedAlert(key, alert.body);
  const ctx = createExecutionContext();
  const started = Date.now();
  response = await worker.fetch(request, { ...env, DB: withProductionStringLimit(env.DB) }, ctx);
  answer = await response.text();
  secrecy.sawResponse(answer);
  const answerMs = Date.now() - started;
  await waitOnExecutionContext(ctx);
  report({
    event: "large_alert",
    body_bytes: new TextEncoder().encode(alert.body).length,
    matches: alert.urls.length,
    tokens: alert.tokens.size,
    status: response.status,
    answer_ms: answerMs,
  });
}, 120_000);

const count = async (table: "incidents" | "sightings") =>
  (await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<{ n: number }>())?.n;

describe("the test's D1 with production's string limit", () => {
  const limited = () => withProductionStringLimit(env.DB);

  it("accepts a bound string of 2,000,000 bytes", async () => {
    const row = await limited().prepare("SELECT length(?1) AS n").bind("é".repeat(1_000_000)).first();
    expect(row).toEqual({ n: 1_000_000 });
  });

  it("refuses a bound string of 2,000,001 bytes, alone or in a batch", async () => {
    const db = limited();
    const big = db.prepare("SELECT length(?1) AS n").bind(`x${"é".repeat(1_000_000)}`);
    await expect(big.first()).rejects.toThrow(TOO_BIG_MESSAGE);
    await expect(db.batch([db.prepare("SELECT 1"), big])).rejects.toThrow(TOO_BIG_MESSAGE);
  });
});

describe("a 5 MiB alert of long URLs full of escapes and non-ASCII", () => {
  it("is as large as the route accepts", () => {
    const bodyBytes = new TextEncoder().encode(alert.body).length;
    expect(bodyBytes).toBeLessThanOrEqual(ALERT_BODY_LIMIT_BYTES);
    // Within one match of the limit: the next match would not have fitted.
    expect(bodyBytes).toBeGreaterThan(ALERT_BODY_LIMIT_BYTES - 16 * 1024);
  });

  it("is answered 200", () => {
    expect(response.status).toBe(200);
  });

  it("records an incident for every distinct token", async () => {
    expect(await count("incidents")).toBe(alert.tokens.size);
  });

  it("records a sighting for every match", async () => {
    expect(await count("sightings")).toBe(alert.urls.length);
  });

  it("stores every URL exactly as sent", async () => {
    const { results } = await env.DB.prepare("SELECT url FROM sightings").all<{ url: string }>();
    const stored = new Set(results.map((r) => r.url));
    // Counted rather than compared whole, so a failure prints a number instead of 5 MiB of URLs.
    expect(alert.urls.filter((url) => !stored.has(url)).length).toBe(0);
    expect(results).toHaveLength(alert.urls.length);
  });

  it("labels every token in the answer", () => {
    const labels = JSON.parse(answer) as { label: string }[];
    expect(labels).toHaveLength(alert.tokens.size);
  });

  it("leaves a table the secrecy check can read: every token's hash, none of the tokens", async () => {
    // The check itself runs after every test (./support/secrecy.ts); this makes sure it had rows to read.
    const tables = await dumpTables();
    for (const token of alert.tokens) expect(tables).toContain(await sha256Hex(token));
  });
});
