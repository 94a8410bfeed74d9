import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Webhook } from "standardwebhooks";
import * as v from "valibot";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEMO_KEYS } from "../dev/clerk-standin.ts";
import { exportSigningKey, generateSigningKey, type SigningKey } from "../dev/signer.ts";
import { sha256Hex } from "../dev/standin-util.ts";
import { main } from "./alert.ts";
import { GITLEAKS_FIXTURE_MATCHES, TRUFFLEHOG_FIXTURE_MATCHES } from "./fixtures/fixture-matches.ts";
import { verifiesEcdsa } from "./verify-alert-signature.ts";

/** What the fake Worker received. */
interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How the fake Worker answers an alert; by default with every token's hash labelled false_positive. */
type Answer = (tokens: { token: string; hash: string }[]) => { status: number; body: string };

function feedback(labels: Record<string, "true_positive" | "false_positive">): Answer {
  return (tokens) => ({
    status: 200,
    body: JSON.stringify(
      tokens.flatMap(({ token, hash }) => {
        const label = labels[token];
        return label ? [{ token_hash: hash, token_type: "clerk_api_key", label }] : [];
      }),
    ),
  });
}

let server: Server;
let base: string;
let answer: Answer = feedback({});
let standin: Record<string, unknown> = {};
const received: Received[] = [];

let dir: string;
let key: SigningKey;
let keyFile: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "autorevoke-alert-test-"));
  key = await generateSigningKey();
  keyFile = path.join(dir, "signing-key.json");
  await writeFile(keyFile, JSON.stringify(await exportSigningKey(key)));

  server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const url = req.url ?? "/";
    if (url.startsWith("/__standin/")) {
      const what = url.slice("/__standin/".length);
      res.writeHead(what in standin ? 200 : 404, { "content-type": "application/json" });
      res.end(JSON.stringify(standin[what] ?? {}));
      return;
    }
    received.push({ path: url, headers: req.headers, body });
    const matches = v.parse(v.array(v.object({ token: v.string() })), JSON.parse(body));
    const tokens = await Promise.all(
      matches.map(async (m) => ({ token: m.token, hash: await sha256Hex(m.token) })),
    );
    const out = answer(tokens);
    res.writeHead(out.status, { "content-type": "application/json" });
    res.end(out.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  received.length = 0;
  answer = feedback({});
  standin = {};
});

/** Runs `main` with `argv`, AUTOREVOKE_DEV_DIR in the test's own directory (so no running `npm start` is found). */
async function run(argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text), isTTY: false },
    env: { AUTOREVOKE_DEV_DIR: dir },
  });
  return { code, stdout, stderr };
}

/** The options of a run against the fake Worker with the test's key and no stand-in. */
const toFake = (...argv: string[]) => [
  "--target",
  base,
  "--key-file",
  keyFile,
  "--clerk-standin",
  "",
  ...argv,
];

function onlyRequest(): Received {
  expect(received).toHaveLength(1);
  return received[0] as Received;
}

describe("npm run alert", () => {
  describe("its command line", () => {
    it("prints the help on stdout and exits 0 for --help", async () => {
      const out = await run(["--help"]);
      expect(out.code).toBe(0);
      expect(out.stdout).toContain("Usage: npm run alert -- [options]");
      expect(out.stderr).toBe("");
    });

    it("exits 2 with the problem on stderr for a bad option, and sends nothing", async () => {
      const out = await run(toFake("--count", "lots"));
      expect(out.code).toBe(2);
      expect(out.stderr).toBe("npm run alert: --count must be a whole number\n");
      expect(out.stdout).toBe("");
      expect(received).toHaveLength(0);
    });
  });

  describe("sending", () => {
    it("posts to the sender's route an alert signed by the key in --key-file", async () => {
      await run(toFake("--token", "ak_sentAndSignedSecret0123456789"));
      const request = onlyRequest();
      expect(request.path).toBe("/v1/alerts/github");
      expect(request.headers["github-public-key-identifier"]).toBe(key.keyIdentifier);
      const signature = String(request.headers["github-public-key-signature"]);
      expect(await verifiesEcdsa(key.publicKey, signature, request.body)).toBe(true);
      expect(JSON.parse(request.body)).toEqual([
        expect.objectContaining({ token: "ak_sentAndSignedSecret0123456789", type: "clerk_api_key" }),
      ]);
    });

    it("signs Standard Webhooks with --webhook-secret for the generic sender", async () => {
      const secret = "whsec_dGVzdC1vbmx5LWdlbmVyaWMtc2VuZGVyLXNlY3JldC0wMQ==";
      await run(toFake("--sender", "generic", "--webhook-secret", secret, "--token", "ak_generic0123456789"));
      const request = onlyRequest();
      expect(request.path).toBe("/v1/alerts/generic");
      const headers = Object.fromEntries(
        Object.entries(request.headers).filter((e): e is [string, string] => typeof e[1] === "string"),
      );
      expect(() => new Webhook(secret).verify(request.body, headers)).not.toThrow();
    });

    it("sends the first staging demo key when no token is given and no stand-in is asked", async () => {
      await run(toFake());
      expect(JSON.parse(onlyRequest().body)).toEqual([
        expect.objectContaining({ token: DEMO_KEYS[0]?.secret }),
      ]);
    });

    it("exits 1 with the key file's path when there is no signing key, and sends nothing", async () => {
      const missing = path.join(dir, "no-such-key.json");
      const out = await run(["--target", base, "--key-file", missing, "--clerk-standin", ""]);
      expect(out.code).toBe(1);
      expect(out.stderr).toContain(`no signing key at ${missing}`);
      expect(received).toHaveLength(0);
    });
  });

  describe("--from a scanner's report", () => {
    const secret = "whsec_dGVzdC1vbmx5LWdlbmVyaWMtc2VuZGVyLXNlY3JldC0wMQ==";
    const fixture = (name: string) => path.join(import.meta.dirname, "fixtures", name);
    const verified = (request: Received) => {
      const headers = Object.fromEntries(
        Object.entries(request.headers).filter((e): e is [string, string] => typeof e[1] === "string"),
      );
      return new Webhook(secret).verify(request.body, headers);
    };

    it("sends a Gitleaks report's Clerk-shaped findings as one signed generic alert, each with its sighting", async () => {
      const out = await run(
        toFake("--from", "gitleaks", fixture("gitleaks-report.json"), "--webhook-secret", secret),
      );
      expect(out.code).toBe(0);
      const request = onlyRequest();
      expect(request.path).toBe("/v1/alerts/generic");
      expect(verified(request)).toEqual(GITLEAKS_FIXTURE_MATCHES);
      expect(out.stdout).toContain("3 findings, 1 left out: they cannot be Clerk secrets.");
    });

    it("sends a TruffleHog report's Clerk-shaped findings located by file, commit and line", async () => {
      const out = await run(
        toFake("--from", "trufflehog", fixture("trufflehog-report.jsonl"), "--webhook-secret", secret),
      );
      expect(out.code).toBe(0);
      expect(verified(onlyRequest())).toEqual(TRUFFLEHOG_FIXTURE_MATCHES);
    });

    it("prints no secret of the report, whatever the Worker answers", async () => {
      answer = feedback({ ak_fa4e0c1d9b2a7e6f5c3d8b1a0e9f7c6d5b4a3e2f: "true_positive" });
      const out = await run(
        toFake("--from", "gitleaks", fixture("gitleaks-report.json"), "--webhook-secret", secret),
      );
      expect(out.code).toBe(0);
      for (const token of JSON.parse(onlyRequest().body).map((m: { token: string }) => m.token)) {
        expect(out.stdout + out.stderr).not.toContain(token);
        expect(out.stdout + out.stderr).not.toContain(token.slice(6, 18));
      }
      expect(out.stdout).toContain("true_positive");
    });

    it("sends nothing, and exits 0, for a report with no Clerk-shaped finding", async () => {
      const report = path.join(dir, "no-clerk.json");
      await writeFile(
        report,
        JSON.stringify([
          {
            RuleID: "github-pat",
            Secret: "ghp_notClerk0123456789abcdef0123456789",
            File: "a.env",
            StartLine: 1,
          },
        ]),
      );
      const out = await run(toFake("--from", "gitleaks", report, "--webhook-secret", secret));
      expect(out.code).toBe(0);
      expect(out.stdout).toContain("Nothing to send.");
      expect(received).toHaveLength(0);
    });

    it("exits 1 for a report not in the scanner's format, says where, and echoes none of it", async () => {
      const report = path.join(dir, "wrong-format.jsonl");
      await writeFile(report, `{"Raw":"ak_reportSecretNotEchoed0123456789"}\n`);
      const out = await run(toFake("--from", "trufflehog", report, "--webhook-secret", secret));
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(/The trufflehog report is not in trufflehog's format at line 1/);
      expect(out.stdout + out.stderr).not.toContain("ak_reportSecret");
      expect(received).toHaveLength(0);
    });

    it("exits 1 naming the file when there is no report there, and sends nothing", async () => {
      const missing = path.join(dir, "no-such-report.json");
      const out = await run(toFake("--from", "gitleaks", missing));
      expect(out.code).toBe(1);
      expect(out.stderr).toContain(`no report at ${missing}`);
      expect(received).toHaveLength(0);
    });
  });

  describe("the report", () => {
    it("exits 0 and labels each token by the Worker's answer", async () => {
      answer = feedback({
        ak_revokedRevokedRevoked0123: "true_positive",
        ak_unknownUnknownUnknown0123: "false_positive",
      });
      const out = await run(
        toFake(
          "--token",
          "ak_revokedRevokedRevoked0123",
          "--token",
          "ak_unknownUnknownUnknown0123",
          "--token",
          "ak_queuedQueuedQueuedQueued0123",
        ),
      );
      expect(out.code).toBe(0);
      expect(out.stdout).toContain(`github alert with 3 matches → ${base}/v1/alerts/github: HTTP 200`);
      expect(out.stdout).toMatch(/ak_revo…\s+true_positive\s+revoked/);
      expect(out.stdout).toMatch(/ak_unkn…\s+false_positive\s+not a live Clerk key/);
      expect(out.stdout).toMatch(/ak_queu…\s+\(none\)\s+queued for retry/);
      expect(out.stdout).toContain("Queued tokens stay open");
    });

    it("never prints a token in full", async () => {
      const token = "ak_neverPrintedInFull0123456789abcdef";
      answer = feedback({ [token]: "true_positive" });
      const out = await run(toFake("--token", token));
      expect(out.code).toBe(0);
      expect(out.stdout + out.stderr).not.toContain(token);
    });

    it("adds what the Clerk stand-in says about each token", async () => {
      const demo = DEMO_KEYS[0];
      if (!demo) throw new Error("no demo key");
      answer = feedback({ [demo.secret]: "true_positive" });
      standin = {
        keys: [{ id: demo.id, name: demo.name, revoked: true, revocation_reason: "leaked", revoke_count: 1 }],
        calls: [{ operation: "verify", status: 200, secretSha256: await sha256Hex(demo.secret) }],
      };
      const out = await run(toFake("--clerk-standin", base, "--token", demo.secret));
      expect(out.code).toBe(0);
      expect(out.stdout).toMatch(/CLERK STAND-IN SAYS/);
      expect(out.stdout).toContain(`${demo.name}: revoked ("leaked", revoke calls: 1)`);
    });

    it("sends a credential of --kind freshly minted by the Clerk stand-in, and reports its verify", async () => {
      const token = "oat_FreshlyMintedForThisAlert0123";
      standin = {
        oauth_access_tokens: { id: `oat_${"a".repeat(32)}`, token },
        calls: [{ operation: "oauth_verify", status: 200, secretSha256: await sha256Hex(token) }],
        keys: [],
      };
      answer = feedback({ [token]: "true_positive" });
      const out = await run(toFake("--clerk-standin", base, "--kind", "oauth"));
      expect(out.code).toBe(0);
      const sent = v.parse(v.array(v.object({ token: v.string() })), JSON.parse(onlyRequest().body));
      expect(sent.map((m) => m.token)).toEqual([token]);
      expect(out.stdout).toContain("verify answered 200");
    });

    it("refuses a --kind the stand-in must mint when there is no stand-in, sending nothing", async () => {
      const out = await run(toFake("--kind", "m2m-jwt"));
      expect(out.code).toBe(1);
      expect(out.stderr).toContain("--kind m2m-jwt mints a fresh credential from the local Clerk stand-in");
      expect(received).toHaveLength(0);
    });

    it("exits 1 with the answer and a hint when the Worker refuses the signature", async () => {
      answer = () => ({ status: 401, body: '{"error":"Invalid or missing signature."}' });
      const out = await run(toFake("--token", "ak_refused0123456789"));
      expect(out.code).toBe(1);
      expect(out.stdout).toContain("HTTP 401");
      expect(out.stdout).toContain("Invalid or missing signature.");
      expect(out.stdout).toContain("does not trust this signing key");
    });

    it("exits 1 when a 2xx answer is not autorevoke's feedback", async () => {
      answer = () => ({ status: 200, body: "<html>a proxy page</html>" });
      const out = await run(toFake("--token", "ak_proxied0123456789"));
      expect(out.code).toBe(1);
      expect(out.stdout).toContain("The answer is not autorevoke's feedback array");
    });
  });

  describe("with nothing to answer", () => {
    it("exits 1 and asks whether npm start is running", async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      const target = `http://127.0.0.1:${port}`;
      const out = await run(["--target", target, "--key-file", keyFile, "--clerk-standin", ""]);
      expect(out.code).toBe(1);
      expect(out.stderr).toBe(
        `npm run alert: nothing answers at ${target}. Is \`npm start\` running? (Or pass --target.)\n`,
      );
    });
  });
});
