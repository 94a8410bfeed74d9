/**
 * Contract: every answer of the Worker's own API is one `public/openapi.json` describes (issue 22, item 7). The real
 * Worker runs under `wrangler dev`; each request goes through `prism proxy public/openapi.json <worker>`, which checks
 * the answer's status, headers and body against the document and says what breaks it in `sl-violations`. Requests are
 * the ones an operator or a sender makes, and hostile ones: bad cursors, huge limits, wrong content types, unknown
 * hashes, a retry of an incident that is not failed, bad signatures on every alert route. None may earn a 5xx the
 * document does not list, nor an answer Prism finds outside the document.
 *
 * A second Worker runs with its optional features misconfigured (a short ADMIN_TOKEN, a malformed
 * INBOUND_WEBHOOK_SECRET), for the 503 a switched-off feature answers.
 *
 * Two kinds of request are not sent through Prism, and go to the Worker directly, their status checked against the
 * operation's documented ones: a body that is not JSON under `Content-Type: application/json` (Prism 5.16's proxy
 * never answers one: it fails to parse the body and leaves the connection open), and a body of several MiB (Prism
 * validates it item by item before forwarding, for minutes, and answers nothing else meanwhile).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_KEYS } from "../dev/clerk-standin.ts";
import {
  LOCAL_ADMIN_TOKEN,
  LOCAL_GITLAB_REVOCATION_TOKEN,
  type LocalStack,
  repoRoot,
  startLocalStack,
} from "../dev/local-stack.ts";
import { createAlertRequest } from "../dev/signer.ts";
import { sha256Hex } from "../dev/standin-util.ts";
import { type Prism, responseViolations, startPrismProxy } from "./prism.ts";

const DOCUMENT = "public/openapi.json";
const BEARER = { authorization: `Bearer ${LOCAL_ADMIN_TOKEN}` };
const JSON_TYPE = { "content-type": "application/json" };

let stack: LocalStack;
let offStack: LocalStack;
let prism: Prism;
let offPrism: Prism;
let document: { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };

beforeAll(async () => {
  const root = await repoRoot();
  document = JSON.parse(await readFile(join(root, DOCUMENT), "utf8"));
  const [on, off] = await Promise.all([
    startLocalStack({ quiet: true }),
    startLocalStack({
      quiet: true,
      seedDemo: false,
      // Both set, both unusable: the operators' API and the generic sender switch off, and answer 503.
      vars: {
        ADMIN_TOKEN: "too-short",
        INBOUND_WEBHOOK_SECRET: "not-a-whsec-secret",
        GITLAB_REVOCATION_TOKEN: "too-short",
      },
    }),
  ]);
  stack = on;
  offStack = off;
  [prism, offPrism] = await Promise.all([
    startPrismProxy(root, DOCUMENT, stack.url),
    startPrismProxy(root, DOCUMENT, offStack.url),
  ]);
}, 180_000);

afterAll(async () => {
  await Promise.allSettled([prism?.stop(), offPrism?.stop()]);
  await Promise.allSettled([stack?.stop(), offStack?.stop()]);
});

interface Answer {
  status: number;
  body: string;
}

/**
 * `path` through the proxy in front of `via`. Fails the test on any violation Prism finds in the answer, and on a 5xx
 * unless it is `allow5xx` (a 503 the document lists).
 */
async function call(
  path: string,
  init: RequestInit = {},
  via = () => prism,
  allow5xx?: number,
): Promise<Answer> {
  const res = await fetch(`${via().url}${path}`, { ...init, signal: AbortSignal.timeout(30_000) });
  const body = await res.text();
  const where = `${init.method ?? "GET"} ${path} → ${res.status} ${body.slice(0, 200)}`;
  expect(responseViolations(res), where).toEqual([]);
  if (res.status >= 500) expect(res.status, where).toBe(allow5xx);
  return { status: res.status, body };
}

const get = (path: string) => call(path, { headers: BEARER });
const post = (path: string, body: string, headers: Record<string, string> = JSON_TYPE) =>
  call(path, { method: "POST", headers: { ...BEARER, ...headers }, body });

const FeedbackSchema = v.array(v.object({ token_hash: v.string(), label: v.string() }));

async function signedGitHubAlert(tokens: string[]): Promise<Answer> {
  const alert = await createAlertRequest({
    url: `${prism.url}/v1/alerts/github`,
    body: JSON.stringify(
      tokens.map((token) => ({
        token,
        type: "clerk_api_key",
        url: "https://github.com/octo/app/blob/main/.env",
        source: "content",
      })),
    ),
    key: stack.signingKey,
    sender: "github",
  });
  const body = typeof alert.body === "string" ? alert.body : new Uint8Array(alert.body);
  return call("/v1/alerts/github", { method: alert.method, headers: alert.headers, body });
}

const live = DEMO_KEYS[0];
const junk = "ak_notALiveKeyJustSomeText0000";

describe("the Worker's answers, checked by Prism against public/openapi.json", () => {
  describe("service routes", () => {
    it("answers /health, /openapi.json and /docs as documented", async () => {
      expect((await call("/health")).status).toBe(200);
      expect((await call("/openapi.json")).status).toBe(200);
      expect((await call("/docs")).status).toBe(200);
    });
  });

  describe("alerts", () => {
    it("answers a signed alert with a live and a junk token as documented", async () => {
      if (!live) throw new Error("no demo key");
      const answer = await signedGitHubAlert([live.secret, junk]);
      expect(answer.status).toBe(200);
      const labels = v.parse(FeedbackSchema, JSON.parse(answer.body));
      expect(labels).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ token_hash: await sha256Hex(live.secret), label: "true_positive" }),
          expect.objectContaining({ token_hash: await sha256Hex(junk), label: "false_positive" }),
        ]),
      );
    });

    for (const sender of ["github", "gitlab", "depsdev", "generic"]) {
      it(`refuses a bad signature on /v1/alerts/${sender} as documented`, async () => {
        const answer = await call(`/v1/alerts/${sender}`, {
          method: "POST",
          headers: {
            ...JSON_TYPE,
            [`${sender === "generic" ? "x" : sender}-public-key-identifier`]: "abc",
            [`${sender === "generic" ? "x" : sender}-public-key-signature`]: "MEUCIQ==",
            "webhook-id": "msg_1",
            "webhook-timestamp": String(Math.floor(Date.now() / 1000)),
            "webhook-signature": "v1,AAAA",
          },
          body: JSON.stringify([{ token: junk, type: "clerk_api_key", url: "https://x.test" }]),
        });
        expect(answer.status).toBe(401);
      });
    }

    it("refuses an alert over the body limit with a status the operation documents (straight to the Worker)", async () => {
      const res = await fetch(`${stack.url}/v1/alerts/github`, {
        method: "POST",
        headers: {
          ...JSON_TYPE,
          "github-public-key-identifier": "abc",
          "github-public-key-signature": "MEUCIQ==",
        },
        body: `[${"0,".repeat(3 * 1024 * 1024)}0]`,
      });
      // The key id is checked on headers alone, before the body is read: a forged oversized alert costs no read.
      expect([401, 413]).toContain(res.status);
      expect(Object.keys(document.paths["/v1/alerts/github"]?.post?.responses ?? {})).toContain(
        String(res.status),
      );
    });

    it("answers an alert route of a misconfigured sender with a documented 503", async () => {
      const answer = await call(
        "/v1/alerts/generic",
        {
          method: "POST",
          headers: {
            ...JSON_TYPE,
            "webhook-id": "msg_1",
            "webhook-timestamp": "1",
            "webhook-signature": "v1,AAAA",
          },
          body: "[]",
        },
        () => offPrism,
        503,
      );
      expect(answer.status).toBe(503);
    });
  });

  describe("the incident log", () => {
    it("lists, filters and pages as documented", async () => {
      expect((await get("/v1/incidents")).status).toBe(200);
      expect((await get("/v1/incidents?status=revoked&label=true_positive&sender=github")).status).toBe(200);
      expect((await get("/v1/incidents?since=2026-01-01")).status).toBe(200);
      const page = JSON.parse((await get("/v1/incidents?limit=1")).body) as { next_cursor: string | null };
      expect(page.next_cursor).not.toBeNull();
      expect((await get(`/v1/incidents?limit=1&cursor=${page.next_cursor}`)).status).toBe(200);
    });

    it("refuses bad cursors, huge and zero limits, bad filters with a documented 400", async () => {
      for (const query of [
        "cursor=garbage",
        "cursor=%00%ff",
        "limit=100000",
        "limit=0",
        "limit=-1",
        "status=bogus",
        "since=yesterday",
      ]) {
        expect((await get(`/v1/incidents?${query}`)).status, query).toBe(400);
      }
    });

    it("answers one incident, an unknown hash and a malformed one as documented", async () => {
      if (!live) throw new Error("no demo key");
      expect((await get(`/v1/incidents/${await sha256Hex(live.secret)}`)).status).toBe(200);
      expect((await get(`/v1/incidents/${"0".repeat(64)}`)).status).toBe(404);
      expect((await get("/v1/incidents/not-a-hash")).status).toBe(400);
    });

    it("refuses a retry of an incident that is not failed, an unknown one and a malformed one as documented", async () => {
      if (!live) throw new Error("no demo key");
      expect((await post(`/v1/incidents/${await sha256Hex(live.secret)}/retry`, "")).status).toBe(409);
      expect((await post(`/v1/incidents/${"0".repeat(64)}/retry`, "")).status).toBe(404);
      expect((await post("/v1/incidents/zz/retry", "")).status).toBe(400);
    });
  });

  describe("manual revocation and re-checks", () => {
    it("revokes by key id, and answers an unknown secret, as documented", async () => {
      const key = DEMO_KEYS[1];
      if (!key) throw new Error("no demo key");
      expect((await post("/v1/revocations", JSON.stringify({ key_id: key.id }))).status).toBe(200);
      expect((await post("/v1/revocations", JSON.stringify({ secret: `ak_${"x".repeat(40)}` }))).status).toBe(
        404,
      );
    });

    it("refuses a wrong content type, an empty and an invalid body as documented", async () => {
      expect((await post("/v1/revocations", "key_id=1", { "content-type": "text/plain" })).status).toBe(415);
      expect((await post("/v1/revocations", "{}")).status).toBe(400);
      expect((await post("/v1/revocations", JSON.stringify({ key_id: "ak_1", secret: junk }))).status).toBe(
        400,
      );
      expect((await post("/v1/rechecks", "{}")).status).toBe(400);
      expect((await post("/v1/rechecks", "x", { "content-type": "text/plain" })).status).toBe(415);
    });

    it("re-checks every not_found since a time as documented", async () => {
      expect((await post("/v1/rechecks", JSON.stringify({ since: "2026-01-01" }))).status).toBe(202);
    });

    it("answers a body that is not JSON with a status the operation documents (straight to the Worker)", async () => {
      for (const path of ["/v1/revocations", "/v1/rechecks"]) {
        const res = await fetch(`${stack.url}${path}`, {
          method: "POST",
          headers: { ...BEARER, ...JSON_TYPE },
          body: "{not json",
        });
        expect(res.status, path).toBe(400);
        expect(Object.keys(document.paths[path]?.post?.responses ?? {}), path).toContain("400");
      }
    });
  });

  describe("GitLab's Token Revocation API", () => {
    const GITLAB = { authorization: LOCAL_GITLAB_REVOCATION_TOKEN };
    const revoke = (body: string, headers: Record<string, string> = { ...GITLAB, ...JSON_TYPE }) =>
      call("/v1/gitlab/revoke_tokens", { method: "POST", headers, body });
    const finding = (token: string, type = "gitleaks_rule_id_clerk_api_key") =>
      JSON.stringify([{ type, token, location: "https://gitlab.example.com/a/b/-/blob/main/.env" }]);

    it("lists its token types and takes a revocation as documented", async () => {
      expect((await call("/v1/gitlab/revocable_token_types", { headers: GITLAB })).status).toBe(200);
      expect((await revoke(finding(junk))).status).toBe(204);
    });

    it("refuses a wrong token, an unsupported type, a bad body and a wrong content type as documented", async () => {
      expect((await revoke(finding(junk), { authorization: "wrong", ...JSON_TYPE })).status).toBe(401);
      expect((await revoke(finding(junk, "gitleaks_rule_id_gitlab_personal_access_token"))).status).toBe(400);
      expect((await revoke("{}")).status).toBe(400);
      expect((await revoke("[]", { ...GITLAB, "content-type": "text/plain" })).status).toBe(415);
    });

    it("answers a misconfigured GITLAB_REVOCATION_TOKEN with a documented 503", async () => {
      const answer = await call(
        "/v1/gitlab/revocable_token_types",
        { headers: { authorization: "too-short" } },
        () => offPrism,
        503,
      );
      expect(answer.status).toBe(503);
    });
  });

  describe("Clerk's health", () => {
    it("answers as documented", async () => {
      expect((await get("/v1/health/clerk")).status).toBe(200);
    });
  });

  describe("refusals of the operators' API", () => {
    it("answers a switched-off operators' API with a documented 503", async () => {
      const answer = await call(
        "/v1/incidents",
        { headers: { authorization: "Bearer too-short" } },
        () => offPrism,
        503,
      );
      expect(answer.status).toBe(503);
    });

    it("refuses a cross-site change as documented", async () => {
      const answer = await call("/v1/rechecks", {
        method: "POST",
        headers: { ...BEARER, ...JSON_TYPE, "sec-fetch-site": "cross-site" },
        body: JSON.stringify({ since: "2026-01-01" }),
      });
      expect(answer.status).toBe(403);
    });

    // Last: the failures lock this IP (every request here comes from Prism's) out for a minute.
    it("refuses no token, a wrong one, and then too many failures, as documented", async () => {
      expect((await call("/v1/incidents")).status).toBe(401);
      let status = 0;
      for (let i = 0; i < 12 && status !== 429; i++) {
        status = (await call("/v1/incidents", { headers: { authorization: "Bearer wrong-token" } })).status;
      }
      expect(status).toBe(429);
    });
  });
});
