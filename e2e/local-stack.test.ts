/**
 * End to end: the real Worker under `wrangler dev` (local D1 and queues, fresh state per run), driven from Node over
 * HTTP, with Clerk, the key lists and the NOTIFY_URL receiver played by the dev stand-ins on 127.0.0.1.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_KEYS } from "../dev/clerk-standin.ts";
import {
  freePort,
  LOCAL_ADMIN_TOKEN,
  type LocalStack,
  repoRoot,
  startLocalStack,
} from "../dev/local-stack.ts";
import { createAlertRequest, exportSigningKey, generateSigningKey, type SigningKey } from "../dev/signer.ts";
import { sha256Hex } from "../dev/standin-util.ts";
import { createLeakScanner } from "../test/support/leak-scan";
import { control, processesMentioning, runScript, startScript, waitFor } from "./support.ts";

const KeySchema = v.object({ id: v.string(), secret: v.string() });
const KeyStateSchema = v.object({
  revoked: v.boolean(),
  revocation_reason: v.nullable(v.string()),
  revoke_count: v.number(),
});
const CallsSchema = v.array(v.object({ operation: v.string(), status: v.number() }));
const FeedbackSchema = v.array(
  v.object({ token_hash: v.string(), token_type: v.string(), label: v.string() }),
);

let stack: LocalStack;
let root: string;
let scratch: string;
/** Every raw secret a test sent: none may appear in the Worker's output. */
const secretsSent: string[] = [];

beforeAll(async () => {
  root = await repoRoot();
  scratch = await mkdtemp(join(tmpdir(), "autorevoke-e2e-"));
  stack = await startLocalStack({ quiet: true });
});

afterAll(async () => {
  await stack?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

async function liveKey() {
  const key = v.parse(KeySchema, await control(stack.clerk.url, "keys", {}));
  secretsSent.push(key.secret);
  return key;
}

async function keyState(id: string) {
  return v.parse(KeyStateSchema, await control(stack.clerk.url, `keys/${id}`));
}

async function clerkCalls() {
  return v.parse(CallsSchema, await control(stack.clerk.url, "calls"));
}

const match = (token: string) => ({
  token,
  type: "clerk_api_key",
  url: "https://github.com/octo/app/blob/main/.env",
  source: "content",
});

async function sendAlert(tokens: string[], key: SigningKey = stack.signingKey): Promise<Response> {
  const alert = await createAlertRequest({
    url: stack.alertUrl("github"),
    body: JSON.stringify(tokens.map(match)),
    key,
    sender: "github",
  });
  // A copy over a plain ArrayBuffer: Node's fetch takes no Uint8Array over a shared buffer.
  const body = typeof alert.body === "string" ? alert.body : new Uint8Array(alert.body);
  return fetch(alert.url, { ...alert, body });
}

async function keyFile(name: string, key: SigningKey): Promise<string> {
  const file = join(scratch, name);
  await writeFile(file, JSON.stringify(await exportSigningKey(key)));
  return file;
}

describe("a signed alert", () => {
  it("revokes a live key inline, labels it true_positive and notifies", async () => {
    const key = await liveKey();
    const res = await sendAlert([key.secret]);
    expect(res.status).toBe(200);
    expect(v.parse(FeedbackSchema, await res.json())).toEqual([
      { token_hash: await sha256Hex(key.secret), token_type: "clerk_api_key", label: "true_positive" },
    ]);
    expect(await keyState(key.id)).toMatchObject({ revoked: true, revocation_reason: "Key compromised" });

    const notified = await waitFor(
      async () =>
        stack.notify.receiver
          .deliveries()
          .some((d) => d.body.includes("api_key.revoked") && d.body.includes(key.id)),
      15_000,
    );
    expect(notified).toBe(true);
  });

  it("queues what Clerk cannot take now, then revokes it from the queue", async () => {
    const key = await liveKey();
    await control(stack.clerk.url, "script", [{ status: 503, times: 2 }]);
    const res = await sendAlert([key.secret]);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([]);
    expect((await keyState(key.id)).revoked).toBe(false);

    // Inline verify: 503. The queue consumer's first retry: 503. Its second: verify 200, revoke 200.
    expect(await waitFor(async () => (await keyState(key.id)).revoked, 30_000)).toBe(true);
    expect((await keyState(key.id)).revocation_reason).toBe("Key compromised");
    const statuses = (await clerkCalls()).filter((c) => c.operation === "verify").map((c) => c.status);
    expect(statuses.slice(-3)).toEqual([503, 503, 200]);
  });

  it("answers a later alert for a revoked key from the incident log", async () => {
    const key = await liveKey();
    await sendAlert([key.secret]);
    const calls = (await clerkCalls()).length;
    const again = await sendAlert([key.secret]);
    expect(v.parse(FeedbackSchema, await again.json())[0]?.label).toBe("true_positive");
    expect((await clerkCalls()).length).toBe(calls);
    expect((await keyState(key.id)).revoke_count).toBe(1);
  });
});

describe("a forged alert", () => {
  it("gets 401 and never reaches Clerk", async () => {
    const key = await liveKey();
    const calls = (await clerkCalls()).length;
    const res = await sendAlert([key.secret], await generateSigningKey());
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: "Invalid or missing signature." });
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await clerkCalls()).length).toBe(calls);
    expect((await keyState(key.id)).revoked).toBe(false);
  });

  it("gets 401 when the body was changed after signing", async () => {
    const key = await liveKey();
    const alert = await createAlertRequest({
      url: stack.alertUrl("github"),
      body: JSON.stringify([match(key.secret)]),
      key: stack.signingKey,
      sender: "github",
    });
    const res = await fetch(alert.url, { ...alert, body: JSON.stringify([match(`${key.secret}x`)]) });
    expect(res.status).toBe(401);
  });
});

describe("npm run alert (scripts/alert.ts)", () => {
  it("sends a live demo key by default, prints it revoked and exits 0", async () => {
    const file = await keyFile("dev-key.json", stack.signingKey);
    const run = await runScript(root, "scripts/alert.ts", [
      "--target",
      stack.url,
      "--key-file",
      file,
      "--clerk-standin",
      stack.clerk.url,
    ]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/HTTP 200/);
    expect(run.stdout).toMatch(/ak_jooy…\s+true_positive\s+revoked\s+DEMO_BILLING_SERVICE: revoked/);
    expect(run.stdout).toContain("1 token: 1 revoked, 0 not a live Clerk key, 0 queued for retry.");
    for (const demo of DEMO_KEYS) expect(run.stdout).not.toContain(demo.secret);
  });

  it("summarises a large batch and labels unknown secrets false_positive", async () => {
    const file = await keyFile("dev-key.json", stack.signingKey);
    const run = await runScript(root, "scripts/alert.ts", [
      "--target",
      stack.url,
      "--key-file",
      file,
      "--count",
      "200",
      "--clerk-standin",
      "",
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("… and 183 more");
    expect(run.stdout).toMatch(/203 tokens: 3 revoked, 200 not a live Clerk key, 0 queued for retry\./);
    expect(run.stderr).toContain("signing 203 matches");
  });

  it("exits non-zero and says why when the target answers 401", async () => {
    const file = await keyFile("unpublished-key.json", await generateSigningKey());
    const run = await runScript(root, "scripts/alert.ts", ["--target", stack.url, "--key-file", file]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("HTTP 401");
    expect(run.stdout).toContain("does not trust this signing key");
  });

  it("signs Standard Webhooks for the generic sender", async () => {
    const key = await liveKey();
    const run = await runScript(root, "scripts/alert.ts", [
      "--target",
      stack.url,
      "--sender",
      "generic",
      "--token",
      key.secret,
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/true_positive\s+revoked/);
  });

  it("sends a Gitleaks report with --from: revokes its live key and records the finding's file, commit and line", async () => {
    const key = await liveKey();
    const commit = "0123456789abcdef0123456789abcdef01234567";
    const report = join(scratch, "gitleaks-report.json");
    // Gitleaks' own JSON report (report/finding.go's field names), one Clerk finding and one that is not Clerk's.
    await writeFile(
      report,
      JSON.stringify([
        { RuleID: "clerk-api-key", Secret: key.secret, File: "app/.env", Commit: commit, StartLine: 3 },
        {
          RuleID: "github-pat",
          Secret: "ghp_notClerk0123456789abcdefABCDEF012345",
          File: "a.sh",
          StartLine: 1,
        },
      ]),
    );
    const run = await runScript(root, "scripts/alert.ts", [
      "--target",
      stack.url,
      "--from",
      "gitleaks",
      report,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("2 findings, 1 left out");
    expect(run.stdout).toMatch(/true_positive\s+revoked/);
    expect((await keyState(key.id)).revoked).toBe(true);
    const res = await fetch(`${stack.url}/v1/incidents/${await sha256Hex(key.secret)}`, {
      headers: { Authorization: `Bearer ${LOCAL_ADMIN_TOKEN}` },
    });
    expect(JSON.stringify(await res.json())).toContain(`file:app/.env@${commit}#L3`);
  });

  it("delivers a GitHub App alert with --sender github-app: the key revoked, the alert resolved on GitHub", async () => {
    const key = await liveKey();
    const run = await runScript(root, "scripts/alert.ts", [
      "--target",
      stack.url,
      "--sender",
      "github-app",
      "--github-standin",
      stack.github.url,
      "--token",
      key.secret,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/delivered → HTTP 202 \{"status":"queued"\}/);
    expect(run.stdout).toMatch(/resolved as revoked \d+ ms after the delivery/);
    expect((await keyState(key.id)).revoked).toBe(true);
    expect(stack.github.standin.alerts().at(-1)).toMatchObject({
      state: "resolved",
      resolution: "revoked",
      patches: 1,
    });
  });

  it("sends the committed TruffleHog fixture with --from, and the Worker labels its unknown secret", async () => {
    const fixture = join(root, "scripts/fixtures/trufflehog-report.jsonl");
    const run = await runScript(root, "scripts/alert.ts", [
      "--target",
      stack.url,
      "--from",
      "trufflehog",
      fixture,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("generic alert with 1 match");
    expect(run.stdout).toMatch(/false_positive/);
  });
});

describe("the API description, served as static assets", () => {
  it("serves /openapi.json as the committed OpenAPI 3.1 document", async () => {
    const res = await fetch(`${stack.url}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const doc = v.parse(
      v.object({ openapi: v.string(), paths: v.record(v.string(), v.unknown()) }),
      await res.json(),
    );
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(Object.keys(doc.paths)).toContain("/v1/alerts/github");
  });

  it("serves /docs as an HTML page under a strict Content-Security-Policy", async () => {
    const res = await fetch(`${stack.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(await res.text()).toContain("POST /v1/alerts/github");
  });
});

/** Every file under `dir`, however deep. */
async function filesUnder(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [dir];
  }
  return (await Promise.all(names.map((name) => filesUnder(join(dir, name))))).flat();
}

describe("the Worker's output", () => {
  it("leaves no raw secret in the local state: D1's SQLite files and WAL, the queues, the Durable Objects", async () => {
    const files = await filesUnder(stack.persistTo);
    expect(files.some((f) => f.endsWith(".sqlite"))).toBe(true);
    const haystacks: Record<string, string> = {};
    // Read as text: SQLite stores TEXT values as they are, so a token would show through the binary around it.
    for (const file of files) haystacks[file] = await readFile(file, "utf8");
    expect(secretsSent.length).toBeGreaterThan(0);
    const leak = createLeakScanner(secretsSent).find(haystacks);
    expect(
      leak,
      leak && `secret ${leak.secretPrefix}… found in ${leak.where} (${leak.form})`,
    ).toBeUndefined();
  });

  it("never contains a raw secret", () => {
    expect(secretsSent.length).toBeGreaterThan(0);
    const output = stack.output();
    expect(output).toContain('"event":"alert"');
    for (const secret of secretsSent) expect(output).not.toContain(secret);
  });
});

describe("npm start (scripts/start.ts)", () => {
  it("serves the stack, answers npm run alert, and leaves nothing running after SIGINT", async () => {
    const dir = await mkdtemp(join(scratch, "start-"));
    const ports: Record<string, string> = {};
    for (const name of [
      "PORT",
      "CLERK_PORT",
      "GITHUB_KEYS_PORT",
      "GITLAB_KEYS_PORT",
      "DEPSDEV_KEYS_PORT",
      "NOTIFY_PORT",
    ]) {
      ports[name] = String(await freePort());
    }
    const env = {
      ...ports,
      PERSIST_TO: join(dir, "state"),
      AUTOREVOKE_DEV_DIR: join(dir, "dev"),
    };
    const start = await startScript(root, "scripts/start.ts", [], env);
    try {
      const up = await waitFor(async () => start.stdout().includes("Ctrl-C stops everything"), 60_000);
      expect(up, start.stdout() + start.stderr()).toBe(true);
      expect(start.stdout()).toContain(`autorevoke is running at http://127.0.0.1:${ports.PORT}`);

      // The user's second terminal: no options, found through AUTOREVOKE_DEV_DIR/stack.json.
      const alert = await runScript(root, "scripts/alert.ts", [], {
        AUTOREVOKE_DEV_DIR: env.AUTOREVOKE_DEV_DIR,
      });
      expect(alert.code, alert.stdout + alert.stderr).toBe(0);
      expect(alert.stdout).toMatch(/true_positive\s+revoked\s+DEMO_BILLING_SERVICE: revoked/);

      start.child.kill("SIGINT");
      const finished = await start.finished;
      expect(finished.code).toBe(0);
      expect(finished.stdout).toContain("Nothing is left running.");
      expect(await processesMentioning(dir)).toEqual([]);
      const health = await fetch(`http://127.0.0.1:${ports.PORT}/health`).then(
        () => "answered",
        () => "refused",
      );
      expect(health).toBe("refused");
    } finally {
      // SIGTERM, not SIGKILL: start.ts must live to stop its detached wrangler.
      if (start.child.exitCode === null) {
        start.child.kill("SIGTERM");
        await start.finished;
      }
    }
  });
});
