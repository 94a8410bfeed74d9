import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { buildEvent, type EventFacts } from "../domain/notify-event";
import { createDeliverer } from "./deliver";

const SECRET = "whsec_dW5pdC10ZXN0LW5vdGlmeS1zZWNyZXQtMDEyMzQ1";

const facts: EventFacts = {
  tokenHash: "a".repeat(64),
  tokenPrefix: "ak_3bee…",
  tokenType: "clerk_api_key",
  status: "revoked",
  keyId: "ak_3beecc9c60adb5f9b850e91a8ee1e992",
  keyName: "BILLING <prod>",
  keySubject: "user_2xhFjEI5X2qWRvtV13BzSj8H6Dk",
  instance: "default",
  revokedAt: Date.UTC(2026, 10, 26, 12, 0, 0),
  alreadyInactive: null,
  clerkRevocationReason: null,
  keyExpiration: null,
  lastError: null,
  sender: "github",
  url: "https://github.com/octo/repo/blob/main/.env",
  source: "content",
};
const event = buildEvent("api_key.revoked", facts, Date.UTC(2026, 10, 26, 12, 0, 1));

/** A fetch that records requests and answers with `status`. */
function recordingFetch(status = 204, fail?: Error) {
  const requests: Request[] = [];
  const fetcher = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    requests.push(request);
    if (fail) throw fail;
    return new Response(null, { status });
  };
  return { requests, fetch: fetcher as typeof fetch };
}

describe("signed delivery", () => {
  it("sends a Standard Webhooks event that the library verifies", async () => {
    const { requests, fetch } = recordingFetch();
    const deliver = createDeliverer({
      url: "https://hooks.example.com/x",
      secret: SECRET,
      fetch,
      now: Date.now,
    });
    expect((await deliver(event)).ok).toBe(true);
    const request = requests[0] as Request;
    const body = await request.text();
    const verified = new Webhook(SECRET).verify(body, Object.fromEntries(request.headers));
    expect(verified).toEqual(JSON.parse(JSON.stringify(event)));
  });

  it("uses the same webhook-id for every attempt at one event", async () => {
    const { requests, fetch } = recordingFetch(503);
    const deliver = createDeliverer({
      url: "https://hooks.example.com/x",
      secret: SECRET,
      fetch,
      now: Date.now,
    });
    await deliver(event);
    await deliver(event);
    expect(requests[0]?.headers.get("webhook-id")).toBe(requests[1]?.headers.get("webhook-id"));
  });

  it("refuses to send unsigned when NOTIFY_SECRET is unset", async () => {
    const { requests, fetch } = recordingFetch();
    const deliver = createDeliverer({
      url: "https://hooks.example.com/x",
      secret: undefined,
      fetch,
      now: Date.now,
    });
    expect(await deliver(event)).toEqual({
      ok: false,
      error: { kind: "final", reason: "notify_secret_unset" },
    });
    expect(requests).toHaveLength(0);
  });
});

describe("failures", () => {
  it.each([
    [500, "retryable"],
    [503, "retryable"],
    [429, "retryable"],
    [408, "retryable"],
    [400, "final"],
    [410, "final"],
  ])("classifies HTTP %i as %s", async (status, kind) => {
    const deliver = createDeliverer({
      url: "https://h.example/x",
      secret: SECRET,
      fetch: recordingFetch(status).fetch,
      now: Date.now,
    });
    expect(await deliver(event)).toEqual({ ok: false, error: { kind, reason: `notify_http_${status}` } });
  });

  it("treats a network error as retryable", async () => {
    const { fetch } = recordingFetch(204, new TypeError("connection refused"));
    const deliver = createDeliverer({ url: "https://h.example/x", secret: SECRET, fetch, now: Date.now });
    expect(await deliver(event)).toEqual({
      ok: false,
      error: { kind: "retryable", reason: "notify_network_error" },
    });
  });
});

describe("Slack incoming webhooks", () => {
  it("get a readable message, unsigned, with the key and no token", async () => {
    const { requests, fetch } = recordingFetch(200);
    const deliver = createDeliverer({
      url: "https://hooks.slack.com/services/T0/B0/x",
      secret: SECRET,
      fetch,
      now: Date.now,
    });
    expect((await deliver(event)).ok).toBe(true);
    const request = requests[0] as Request;
    expect(request.headers.get("webhook-signature")).toBeNull();
    const { text } = (await request.json()) as { text: string };
    expect(text).toContain("ak_3beecc9c60adb5f9b850e91a8ee1e992");
    expect(text).toContain("was revoked");
    expect(text).toContain("BILLING &lt;prod&gt;");
    expect(text).toContain("https://github.com/octo/repo/blob/main/.env");
  });

  it("say plainly when a revocation failed and what to do", async () => {
    const { requests, fetch } = recordingFetch(200);
    const deliver = createDeliverer({
      url: "https://hooks.slack.com/services/T0/B0/x",
      secret: undefined,
      fetch,
      now: Date.now,
    });
    const failed = buildEvent(
      "api_key.revocation_failed",
      { ...facts, status: "failed", lastError: "clerk_http_400" },
      0,
    );
    await deliver(failed);
    const { text } = (await (requests[0] as Request).json()) as { text: string };
    expect(text).toContain("could not revoke");
    expect(text).toContain("Reason: clerk_http_400");
  });

  it("say that an already inactive key was revoked elsewhere, with Clerk's reason, and that nothing was revoked", async () => {
    const { requests, fetch } = recordingFetch(200);
    const deliver = createDeliverer({
      url: "https://hooks.slack.com/services/T0/B0/x",
      secret: undefined,
      fetch,
      now: Date.now,
    });
    const inactive = buildEvent(
      "api_key.already_inactive",
      { ...facts, alreadyInactive: "revoked_elsewhere", clerkRevocationReason: "Rotated by <owner>" },
      0,
    );
    expect(inactive.data.already_inactive).toBe("revoked_elsewhere");
    await deliver(inactive);
    const { text } = (await (requests[0] as Request).json()) as { text: string };
    expect(text).toContain("was already revoked in Clerk; nothing was revoked");
    expect(text).toContain("Clerk's revocation reason: Rotated by &lt;owner&gt;");
    expect(text).not.toContain("by autorevoke");
  });

  it("say per credential kind what was done: rotated, grant revoked, or cannot be revoked until its expiry", async () => {
    const { requests, fetch } = recordingFetch(200);
    const deliver = createDeliverer({
      url: "https://hooks.slack.com/services/T0/B0/x",
      secret: undefined,
      fetch,
      now: Date.now,
    });
    const kinds: [Parameters<typeof buildEvent>[0], string, string, string][] = [
      ["api_key.revoked", "clerk_machine_secret_key", "rotated", "Clerk machine secret key"],
      ["api_key.revoked", "clerk_oauth_access_token", "grant_revoked", "revoked its grant"],
      ["api_key.cannot_be_revoked", "clerk_m2m_jwt", "cannot_be_revoked", "cannot be revoked"],
    ];
    let text = "";
    for (const [type, tokenType, action, words] of kinds) {
      const e = buildEvent(type, { ...facts, tokenType, keyExpiration: Date.UTC(2026, 11, 1) }, 0);
      expect(e.data.action).toBe(action);
      await deliver(e);
      ({ text } = (await (requests.at(-1) as Request).json()) as { text: string });
      expect(text).toContain(words);
    }
    expect(text).toContain("until 2026-12-01T00:00:00.000Z");
  });
});
