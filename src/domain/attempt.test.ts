import { describe, expect, it } from "vitest";
import { err, ok } from "../lib/result";
import { attemptOf } from "./attempt";

const hash = "ab".repeat(32);

describe("attemptOf", () => {
  it("records a success as ok/200", () => {
    expect(attemptOf(hash, "verify", ok({}), 5)).toEqual({
      tokenHash: hash,
      at: 5,
      operation: "verify",
      outcome: "ok",
      status: 200,
      error: null,
      traceId: null,
      instance: null,
    });
  });

  it("names the Clerk instance called", () => {
    expect(attemptOf(hash, "revoke", ok({}), 5, "staging").instance).toBe("staging");
  });

  it("keeps a failure's kind, status, reason and trace id", () => {
    expect(
      attemptOf(
        hash,
        "revoke",
        err({ kind: "retryable", reason: "clerk_http_503", status: 503, traceId: "t1" }),
        6,
      ),
    ).toMatchObject({ outcome: "retryable", status: 503, error: "clerk_http_503", traceId: "t1" });
    expect(attemptOf(hash, "revoke", err({ kind: "retryable", reason: "clerk_timeout" }), 6)).toMatchObject({
      outcome: "retryable",
      status: null,
      error: "clerk_timeout",
    });
    expect(attemptOf(hash, "verify", err({ kind: "not_found", status: 404 }), 7)).toMatchObject({
      outcome: "not_found",
      status: 404,
      error: null,
      traceId: null,
    });
  });
});
