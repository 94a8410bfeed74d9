import { describe, expect, it } from "vitest";
import { labelFor } from "./outcome";

describe("labelFor", () => {
  describe("Clerk knew the secret", () => {
    it("labels a key revoked now a true positive", () => {
      expect(labelFor({ kind: "revoked", keyId: "ak_id", byThisCall: true })).toBe("true_positive");
    });

    it("labels a key revoked earlier a true positive", () => {
      expect(labelFor({ kind: "revoked", keyId: "ak_id", byThisCall: false })).toBe("true_positive");
    });
  });

  describe("not a Clerk secret", () => {
    it("labels not_found a false positive", () => {
      expect(labelFor({ kind: "not_found" })).toBe("false_positive");
    });

    it("labels ignored a false positive", () => {
      expect(labelFor({ kind: "ignored" })).toBe("false_positive");
    });
  });

  describe("no label yet", () => {
    it("gives no label to a failure", () => {
      expect(labelFor({ kind: "failed", reason: "clerk_http_400" })).toBeUndefined();
    });

    it("gives no label to a retry", () => {
      expect(labelFor({ kind: "retry", reason: "clerk_http_503", status: 503 })).toBeUndefined();
    });

    it("gives no label while busy", () => {
      expect(labelFor({ kind: "busy", retryAfterSeconds: 30 })).toBeUndefined();
    });
  });
});
