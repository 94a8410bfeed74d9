/**
 * Contract: the real Worker under `wrangler dev`, its `CLERK_API_URL` pointed at Prism mocking Clerk's whole published
 * Backend API (dev/clerk-openapi/clerk-bapi-2026-05-12.yml) instead of our stand-in. The stand-in follows the spec as
 * we read it; Prism follows the spec as written, and logs every request of the Worker's (through `@clerk/backend`)
 * that breaks it. Each test asserts that Prism saw the Clerk calls it expects and logged no violation for them.
 *
 * Paths: the spec's `servers` is `https://api.clerk.com/v1` and its paths are `/api_keys/...`, while `@clerk/backend`
 * calls `${apiUrl}/api_keys/...` with no `/v1` (its machine-auth clients skip the version). Prism serves the paths
 * as written, at the root, and checks a request against `servers` only when it names one (`?__server=`), which the
 * SDK never does; so `CLERK_API_URL` is Prism's bare origin, and the SDK's `/api_keys/verify` is the spec's
 * `/api_keys/verify`. A call to `/v1/api_keys/...` would be logged as "no path matched" and fail the test.
 *
 * Prism answers with the spec's examples: verify and revoke both answer the key `ak_3beecc9c60adb5f9b850e91a8ee1e992`
 * with `revoked: false`, so a live key, whatever the secret; M2M verify answers the token
 * `mt_f7f0ba8c3b4843ce7d85fcdd5e71853e`, live, likewise.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClerkClient } from "@clerk/backend";
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  freePort,
  LOCAL_ADMIN_TOKEN,
  type LocalStack,
  repoRoot,
  startLocalStack,
} from "../dev/local-stack.ts";
import { createAlertRequest } from "../dev/signer.ts";
import { BASE62_ALPHABET, randomString, sha256Hex } from "../dev/standin-util.ts";
import { createMachineCalls } from "../src/clerk/machines.ts";
import { createOAuthTokenCalls } from "../src/clerk/oauth-tokens.ts";
import { type Prism, startPrismMock } from "./prism.ts";
import { withVersionedPaths } from "./prism-spec.ts";

/** The key id of the spec's APIKey example, which Prism answers to every verify. */
const EXAMPLE_KEY_ID = "ak_3beecc9c60adb5f9b850e91a8ee1e992";
/** The id of the spec's M2M token example, which Prism answers to every M2M verify. */
const EXAMPLE_M2M_TOKEN_ID = "mt_f7f0ba8c3b4843ce7d85fcdd5e71853e";
const SPEC = "dev/clerk-openapi/clerk-bapi-2026-05-12.yml";
/** The id of the spec's Machine example, which Prism lists. */
const EXAMPLE_MACHINE_ID = "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk";

const FeedbackSchema = v.array(
  v.object({ token_hash: v.string(), token_type: v.string(), label: v.string() }),
);
const RevocationSchema = v.object({
  key_id: v.nullable(v.string()),
  label: v.nullable(v.string()),
  outcome: v.string(),
});

let prism: Prism;
let stack: LocalStack;
let specDir: string;

beforeAll(async () => {
  const root = await repoRoot();
  // The spec with the paths the SDK calls under /v1 served there too (e2e/prism-spec.ts).
  specDir = await mkdtemp(join(tmpdir(), "autorevoke-prism-"));
  const spec = join(specDir, "clerk-bapi.yml");
  await writeFile(spec, withVersionedPaths(await readFile(join(root, SPEC), "utf8")));
  // Prism first, on a port it holds, then the Worker pointed at it. A port picked free can be taken by another test
  // file's stack before Prism binds it (Prism then exits at once): a fresh port, up to three times.
  let mock: Prism | undefined;
  for (let attempt = 1; mock === undefined; attempt++) {
    try {
      mock = await startPrismMock(root, spec, await freePort());
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
  prism = mock;
  try {
    stack = await startLocalStack({ quiet: true, seedDemo: false, vars: { CLERK_API_URL: mock.url } });
  } catch (error) {
    await mock.stop();
    throw error;
  }
});

afterAll(async () => {
  await stack?.stop();
  await prism?.stop();
  if (specDir) await rm(specDir, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes, in case Prism's output has them.
const ANSI = /\u001b\[[0-9;]*m/g;

/** What Prism logged while `run` ran: the requests it received and every line that says one broke the spec. */
async function prismSaw(run: () => Promise<void>) {
  const from = prism.output().length;
  await run();
  // Prism logs a request's violations after its answer is sent: give the log a moment to catch up.
  await new Promise((r) => setTimeout(r, 300));
  const lines = prism.output().slice(from).replace(ANSI, "").split("\n");
  return {
    requests: lines.flatMap((line) => {
      const m = /\[HTTP SERVER\] (\w+) (\S+) .*Request received/.exec(line);
      return m ? [`${m[1]?.toUpperCase()} ${m[2]}`] : [];
    }),
    // `Violation: request...` is logged for a request Prism still answers; a request it refuses outright (no path
    // matched, no bearer) is logged as "did not pass the validation rules" or "terminated with error" instead.
    violations: lines.filter((line) =>
      /Violation: request|did not pass the validation rules|Request terminated with error/.test(line),
    ),
  };
}

const clerkSecret = () => `ak_${randomString(BASE62_ALPHABET, 40)}`;

async function sendAlert(token: string): Promise<Response> {
  const alert = await createAlertRequest({
    url: stack.alertUrl("github"),
    body: JSON.stringify([
      { token, type: "clerk_api_key", url: "https://github.com/octo/app/blob/main/.env", source: "content" },
    ]),
    key: stack.signingKey,
    sender: "github",
  });
  // A copy over a plain ArrayBuffer: Node's fetch takes no Uint8Array over a shared buffer.
  const body = typeof alert.body === "string" ? alert.body : new Uint8Array(alert.body);
  return fetch(alert.url, { ...alert, body });
}

function revokeManually(body: Record<string, string>): Promise<Response> {
  return fetch(`${stack.url}/v1/revocations`, {
    method: "POST",
    headers: { authorization: `Bearer ${LOCAL_ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

describe("the Worker against Prism mocking Clerk's published Backend API", () => {
  it("revokes an alert's ak_ token with spec-conformant verify and revoke calls, and labels it true_positive", async () => {
    const token = clerkSecret();
    let res: Response | undefined;
    const saw = await prismSaw(async () => {
      res = await sendAlert(token);
    });
    expect(saw.violations).toEqual([]);
    expect(saw.requests).toEqual(["POST /api_keys/verify", `POST /api_keys/${EXAMPLE_KEY_ID}/revoke`]);
    expect(res?.status).toBe(200);
    expect(v.parse(FeedbackSchema, await res?.json())).toEqual([
      { token_hash: await sha256Hex(token), token_type: "clerk_api_key", label: "true_positive" },
    ]);
  });

  it("revokes an alert's opaque M2M token with spec-conformant M2M verify and revoke calls, true_positive", async () => {
    const token = `mt_${randomString(BASE62_ALPHABET, 32)}`;
    let res: Response | undefined;
    const saw = await prismSaw(async () => {
      res = await sendAlert(token);
    });
    expect(saw.violations).toEqual([]);
    expect(saw.requests).toEqual([
      "POST /m2m_tokens/verify",
      `POST /m2m_tokens/${EXAMPLE_M2M_TOKEN_ID}/revoke`,
    ]);
    expect(res?.status).toBe(200);
    expect(v.parse(FeedbackSchema, await res?.json())).toEqual([
      // The feedback names the type the sender gave, as GitHub's format has it.
      { token_hash: await sha256Hex(token), token_type: "clerk_api_key", label: "true_positive" },
    ]);
  });

  it("revokes by secret through POST /v1/revocations with spec-conformant calls", async () => {
    let res: Response | undefined;
    const saw = await prismSaw(async () => {
      res = await revokeManually({ secret: clerkSecret() });
    });
    expect(saw.violations).toEqual([]);
    expect(saw.requests).toEqual(["POST /api_keys/verify", `POST /api_keys/${EXAMPLE_KEY_ID}/revoke`]);
    expect(res?.status).toBe(200);
    expect(v.parse(RevocationSchema, await res?.json())).toMatchObject({
      key_id: EXAMPLE_KEY_ID,
      label: "true_positive",
      outcome: "revoked",
    });
  });

  it("revokes by key id through POST /v1/revocations with a spec-conformant revoke and no verify", async () => {
    let res: Response | undefined;
    const saw = await prismSaw(async () => {
      res = await revokeManually({ key_id: EXAMPLE_KEY_ID });
    });
    expect(saw.violations).toEqual([]);
    expect(saw.requests).toEqual([`POST /api_keys/${EXAMPLE_KEY_ID}/revoke`]);
    expect(res?.status).toBe(200);
    expect(v.parse(RevocationSchema, await res?.json())).toMatchObject({
      key_id: EXAMPLE_KEY_ID,
      outcome: "revoked",
    });
  });

  it("checks Clerk's health with a spec-conformant GET /api_keys/{apiKeyID}, the lookup's call too", async () => {
    let res: Response | undefined;
    const saw = await prismSaw(async () => {
      res = await fetch(`${stack.url}/v1/health/clerk`, {
        headers: { authorization: `Bearer ${LOCAL_ADMIN_TOKEN}` },
      });
    });
    expect(saw.violations).toEqual([]);
    expect(saw.requests).toEqual([`GET /api_keys/ak_${"0".repeat(32)}`]);
    expect(res?.status).toBe(200);
    // Prism answers the spec's example key, a 200 in Clerk's shape: the route is Clerk's.
    expect(await res?.json()).toMatchObject({ status: "ok", instances: [{ name: "default", status: "ok" }] });
  });

  it("asks for an opaque OAuth token with a spec-conformant verify, then its client's application, and waits for it", async () => {
    const token = `oat_${randomString(BASE62_ALPHABET, 32)}`;
    let res: Response | undefined;
    const saw = await prismSaw(async () => {
      res = await sendAlert(token);
    });
    expect(saw.violations).toEqual([]);
    expect(saw.requests).toEqual([
      "POST /oauth_applications/access_tokens/verify",
      "GET /v1/oauth_applications",
    ]);
    // Prism's application has no example client id, so none is the token's: it waits for its application (the
    // lookup is retried), and is never recorded deleted, so the answer has no label for it yet.
    expect(res?.status).toBe(200);
    expect(v.parse(FeedbackSchema, await res?.json())).toEqual([]);
  });

  it("revokes an OAuth token's grant with a spec-conformant revoke_token through its application", async () => {
    // Straight through the adapter: Prism's application list answers a client id of "string", so one is made here.
    const oauth = createOAuthTokenCalls(
      createClerkClient({ secretKey: "sk_test_contract", apiUrl: prism.url }),
      5000,
    );
    let revoked: Awaited<ReturnType<typeof oauth.revoke>> | undefined;
    const saw = await prismSaw(async () => {
      revoked = await oauth.revoke("oat_0ef5a7a33d87ed87ee7954c845d80450", "Key compromised", {
        secret: `oat_${randomString(BASE62_ALPHABET, 32)}`,
        subject: "string",
      });
    });
    expect(saw.violations).toEqual([]);
    expect(saw.requests).toEqual([
      "GET /v1/oauth_applications",
      "POST /v1/oauth_applications/string/revoke_token",
    ]);
    expect(revoked).toMatchObject({ ok: true, value: { revoked: true } });
  });

  it("fetches the instance's key set with a spec-conformant GET /jwks for a JWT-format M2M token", async () => {
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const jwt = `${part({ alg: "RS256", typ: "JWT", kid: "ins_contract", cat: "cl_B7d4PD333AAA" })}.${part({
      sub: "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk",
      jti: "mt_0ef5a7a33d87ed87ee7954c845d80450",
      exp: Math.floor(Date.now() / 1000) + 3600,
    })}.${Buffer.from(randomString(BASE62_ALPHABET, 256)).toString("base64url")}`;
    let res: Response | undefined;
    const saw = await prismSaw(async () => {
      res = await sendAlert(jwt);
    });
    expect(saw.violations).toEqual([]);
    expect(saw.requests).toEqual(["GET /v1/jwks"]);
    // No key of Prism's set signed it: not the instance's.
    expect(v.parse(FeedbackSchema, await res?.json())).toMatchObject([{ label: "false_positive" }]);
  });

  it("lists machines and reads a secret key hash with spec-conformant calls", async () => {
    let res: Response | undefined;
    const saw = await prismSaw(async () => {
      res = await fetch(`${stack.url}/v1/machines/refresh`, {
        method: "POST",
        headers: { authorization: `Bearer ${LOCAL_ADMIN_TOKEN}` },
      });
    });
    expect(saw.violations).toEqual([]);
    // Prism's machine example has the id "string", no `mch_…`: a list of it is unreadable, so no secret is read.
    expect(saw.requests).toEqual(["GET /v1/machines"]);
    expect(res?.status).toBe(200);
    // So the secret key read goes straight through the adapter, for a machine id of Clerk's shape.
    const machines = createMachineCalls(
      createClerkClient({ secretKey: "sk_test_contract", apiUrl: prism.url }),
      5000,
    );
    let hash: Awaited<ReturnType<typeof machines.secretHashOf>> | undefined;
    const read = await prismSaw(async () => {
      hash = await machines.secretHashOf(EXAMPLE_MACHINE_ID);
    });
    expect(read.violations).toEqual([]);
    expect(read.requests).toEqual([`GET /v1/machines/${EXAMPLE_MACHINE_ID}/secret_key`]);
    expect(hash).toMatchObject({ ok: true, value: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it("rotates a machine's secret key with a spec-conformant rotate, previous_token_ttl 0", async () => {
    let res: Response | undefined;
    const saw = await prismSaw(async () => {
      res = await revokeManually({ machine_id: EXAMPLE_MACHINE_ID });
    });
    expect(saw.violations).toEqual([]);
    expect(saw.requests).toEqual([`POST /v1/machines/${EXAMPLE_MACHINE_ID}/secret_key/rotate`]);
    expect(res?.status).toBe(200);
  });

  it("would see a violation: a verify without its secret, sent straight to Prism", async () => {
    // The check the tests above rely on, shown able to fail.
    const saw = await prismSaw(async () => {
      await fetch(`${prism.url}/api_keys/verify`, {
        method: "POST",
        headers: { authorization: "Bearer sk_test_contract", "content-type": "application/json" },
        body: "{}",
      });
    });
    expect(saw.requests).toEqual(["POST /api_keys/verify"]);
    expect(saw.violations).not.toEqual([]);
  });

  it("sends nothing to the Clerk stand-in: Prism was the Worker's Clerk", () => {
    expect(stack.vars.CLERK_API_URL).toBe(prism.url);
    expect(stack.clerk.standin.calls()).toEqual([]);
  });
});
