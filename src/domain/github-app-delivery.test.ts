import { describe, expect, it } from "vitest";
import { readDelivery, resolutionComment } from "./github-app-delivery";

const alertPayload = (overrides: Record<string, unknown> = {}) => ({
  action: "created",
  alert: { number: 12, secret_type: "clerk_api_key" },
  repository: { id: 4242, name: "webapp", full_name: "acme/webapp", owner: { login: "acme" } },
  installation: { id: 99 },
  ...overrides,
});

describe("reading a GitHub App delivery", () => {
  it("points at the alert for a created secret_scanning_alert", () => {
    expect(readDelivery("secret_scanning_alert", alertPayload())).toEqual({
      ok: true,
      value: {
        kind: "alert",
        installationId: 99,
        repositoryId: 4242,
        owner: "acme",
        repo: "webapp",
        number: 12,
      },
    });
  });

  it.each(["reopened", "publicly_leaked", "validated"])("acts on %s too", (action) => {
    expect(readDelivery("secret_scanning_alert", alertPayload({ action })).ok).toBe(true);
    expect(readDelivery("secret_scanning_alert", alertPayload({ action }))).toMatchObject({
      value: { kind: "alert" },
    });
  });

  it("acts on a new location of an alert", () => {
    expect(readDelivery("secret_scanning_alert_location", alertPayload())).toMatchObject({
      value: { kind: "alert" },
    });
  });

  it.each([
    ["secret_scanning_alert", "resolved"],
    ["secret_scanning_alert", "assigned"],
    ["secret_scanning_alert_location", "deleted"],
  ])("ignores %s %s", (event, action) => {
    expect(readDelivery(event, alertPayload({ action }))).toEqual({
      ok: true,
      value: { kind: "ignored", reason: `action ${action}` },
    });
  });

  it("ignores other events, and answers a ping", () => {
    expect(readDelivery("push", {})).toEqual({ ok: true, value: { kind: "ignored", reason: "event push" } });
    expect(readDelivery(undefined, {})).toEqual({
      ok: true,
      value: { kind: "ignored", reason: "event (none)" },
    });
    expect(readDelivery("ping", {})).toEqual({ ok: true, value: { kind: "ping" } });
  });

  it.each([
    ["a number that is not one", alertPayload({ alert: { number: "12" } }), "alert.number"],
    ["no installation", alertPayload({ installation: undefined }), "installation"],
    [
      "a repository name that is a path",
      alertPayload({ repository: { id: 1, name: "../x", owner: { login: "acme" } } }),
      "repository.name",
    ],
    [
      "an owner that is a dot-dot",
      alertPayload({ repository: { id: 1, name: "w", owner: { login: ".." } } }),
      "repository.owner.login",
    ],
  ])("refuses %s, naming the field", (_name, payload, path) => {
    expect(readDelivery("secret_scanning_alert", payload)).toEqual({
      ok: false,
      error: { kind: "bad_delivery", path },
    });
  });

  it("says in the alert's comment where to find the incident, by the start of the token's hash", () => {
    const comment = resolutionComment("ab".repeat(32));
    expect(comment).toContain("abababababababab…");
    expect(comment).not.toContain("ab".repeat(32));
    expect(comment).toContain('"Key compromised"');
  });
});
