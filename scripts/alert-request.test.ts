import { Webhook } from "standardwebhooks";
import { beforeAll, describe, expect, it } from "vitest";
import { generateSigningKey, type SigningKey } from "../dev/signer.ts";
import { alertBody, type SignedAlert, signAlert } from "./alert-request.ts";
import { verifiesEcdsa } from "./verify-alert-signature.ts";

const URL_GITHUB = new URL("http://127.0.0.1:8787/v1/alerts/github");
const DETAILS = { type: "clerk_api_key", url: "https://github.com/o/r/blob/main/.env", source: "content" };
const WEBHOOK_SECRET = "whsec_dGVzdC1vbmx5LXdlYmhvb2stc2VjcmV0LWZvci1hbGVydHM=";

let key: SigningKey;
beforeAll(async () => {
  key = await generateSigningKey();
});

function header(alert: SignedAlert, name: string): string {
  const value = alert.headers[name];
  if (value === undefined) throw new Error(`no ${name} header in ${Object.keys(alert.headers).join(", ")}`);
  return value;
}

describe("the alert body", () => {
  it("holds one match per token, in order, each with the given type, url and source", () => {
    expect(JSON.parse(alertBody(["ak_one", "ghp_two"], DETAILS))).toEqual([
      { token: "ak_one", ...DETAILS },
      { token: "ghp_two", ...DETAILS },
    ]);
  });
});

describe("an ECDSA-signed alert", () => {
  it("carries a signature over the exact body that verifies against the signing key", async () => {
    const body = alertBody(["ak_one"], DETAILS);
    const alert = await signAlert({
      url: URL_GITHUB,
      body,
      signing: { sender: "github", key },
      now: new Date(),
    });
    expect(alert.body).toBe(body);
    expect(await verifiesEcdsa(key.publicKey, header(alert, "Github-Public-Key-Signature"), body)).toBe(true);
  });

  it("carries a signature that does not verify for any other body", async () => {
    const body = alertBody(["ak_one"], DETAILS);
    const alert = await signAlert({
      url: URL_GITHUB,
      body,
      signing: { sender: "github", key },
      now: new Date(),
    });
    const other = alertBody(["ak_two"], DETAILS);
    expect(await verifiesEcdsa(key.publicKey, header(alert, "Github-Public-Key-Signature"), other)).toBe(
      false,
    );
  });

  it("names the key by the identifier its key list publishes", async () => {
    const alert = await signAlert({
      url: URL_GITHUB,
      body: "[]",
      signing: { sender: "github", key },
      now: new Date(),
    });
    expect(header(alert, "Github-Public-Key-Identifier")).toBe(key.keyIdentifier);
  });

  it("uses the sender's own header names for gitlab", async () => {
    const body = alertBody(["ak_one"], DETAILS);
    const url = new URL("http://127.0.0.1:8787/v1/alerts/gitlab");
    const alert = await signAlert({ url, body, signing: { sender: "gitlab", key }, now: new Date() });
    expect(header(alert, "Gitlab-Public-Key-Identifier")).toBe(key.keyIdentifier);
    expect(await verifiesEcdsa(key.publicKey, header(alert, "Gitlab-Public-Key-Signature"), body)).toBe(true);
    expect(alert.headers["Github-Public-Key-Signature"]).toBeUndefined();
  });
});

describe("a Standard Webhooks alert (generic)", () => {
  const url = new URL("http://127.0.0.1:8787/v1/alerts/generic");

  it("verifies under the webhook secret", async () => {
    const body = alertBody(["ak_one"], DETAILS);
    const signing = { sender: "generic", webhookSecret: WEBHOOK_SECRET } as const;
    const alert = await signAlert({ url, body, signing, now: new Date() });
    expect(() => new Webhook(WEBHOOK_SECRET).verify(body, alert.headers)).not.toThrow();
  });

  it("does not verify under another secret", async () => {
    const body = alertBody(["ak_one"], DETAILS);
    const signing = { sender: "generic", webhookSecret: WEBHOOK_SECRET } as const;
    const alert = await signAlert({ url, body, signing, now: new Date() });
    const other = "whsec_b3RoZXItdGVzdC1vbmx5LXNlY3JldC1ub3QtdGhlLXNhbWU=";
    expect(() => new Webhook(other).verify(body, alert.headers)).toThrow();
  });

  it("stamps the given time in seconds and a fresh msg_ id for each alert", async () => {
    const signing = { sender: "generic", webhookSecret: WEBHOOK_SECRET } as const;
    const now = new Date("2026-11-29T12:00:00.900Z");
    const first = await signAlert({ url, body: "[]", signing, now });
    const second = await signAlert({ url, body: "[]", signing, now });
    expect(header(first, "webhook-timestamp")).toBe(String(Date.parse("2026-11-29T12:00:00Z") / 1000));
    expect(header(first, "webhook-id")).toMatch(/^msg_[0-9a-f]{24}$/);
    expect(header(second, "webhook-id")).not.toBe(header(first, "webhook-id"));
  });
});
