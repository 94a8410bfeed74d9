import { describe, expect, it } from "vitest";
import { CLERK_MISCONFIGURED, classifyClerkError } from "./clerk-failure";

const traceId = () => crypto.randomUUID().replaceAll("-", "");

describe("classifyClerkError", () => {
  describe("not found", () => {
    it("answers not_found for Clerk's own 404 (its error body has a code)", () => {
      expect(classifyClerkError({ status: 404, code: "resource_not_found" })).toEqual({
        kind: "not_found",
        status: 404,
      });
    });

    it("retries a 404 without Clerk's error code as a misconfigured route, never not_found", () => {
      expect(classifyClerkError({ status: 404 })).toEqual({
        kind: "retryable",
        reason: "clerk_misconfigured",
        status: 404,
      });
    });

    it("answers not_found for Clerk's 404 even with a Retry-After", () => {
      expect(classifyClerkError({ status: 404, code: "resource_not_found", retryAfterSeconds: 5 })).toEqual({
        kind: "not_found",
        status: 404,
      });
    });
  });

  describe("retryable", () => {
    it("retries a failure without a status (network error or timeout)", () => {
      expect(classifyClerkError({})).toEqual({ kind: "retryable", reason: "network_error" });
    });

    it("calls a status-less failure a network error, whatever code it carries", () => {
      expect(classifyClerkError({ code: "timeout" })).toEqual({ kind: "retryable", reason: "network_error" });
    });

    it("retries 429 and keeps Clerk's Retry-After", () => {
      expect(classifyClerkError({ status: 429, retryAfterSeconds: 30 })).toEqual({
        kind: "retryable",
        reason: "clerk_http_429",
        status: 429,
        retryAfterSeconds: 30,
      });
    });

    it("keeps a Retry-After of zero", () => {
      expect(classifyClerkError({ status: 429, retryAfterSeconds: 0 })).toMatchObject({
        retryAfterSeconds: 0,
      });
    });

    it("drops a negative or NaN Retry-After", () => {
      for (const retryAfterSeconds of [-1, Number.NaN]) {
        expect(classifyClerkError({ status: 429, retryAfterSeconds })).not.toHaveProperty(
          "retryAfterSeconds",
        );
      }
    });

    it.each([500, 502, 503, 504])("retries %i", (status) => {
      expect(classifyClerkError({ status })).toEqual({
        kind: "retryable",
        reason: `clerk_http_${status}`,
        status,
      });
    });

    it.each([401, 403])("retries %i, so alerts survive until an operator fixes our key", (status) => {
      expect(classifyClerkError({ status })).toMatchObject({ kind: "retryable", status });
    });

    it("retries 408", () => {
      expect(classifyClerkError({ status: 408 })).toMatchObject({ kind: "retryable", status: 408 });
    });
  });

  describe("final", () => {
    it.each([400, 409, 422])("ends the incident on Clerk's own %i", (status) => {
      expect(classifyClerkError({ status, code: "form_param_invalid" })).toEqual({
        kind: "final",
        reason: `clerk_http_${status}_form_param_invalid`,
        status,
      });
    });

    it.each([400, 405, 409, 410, 422])(
      "retries a %i without Clerk's error body as a misconfigured route",
      (status) => {
        expect(classifyClerkError({ status })).toEqual({
          kind: "retryable",
          reason: CLERK_MISCONFIGURED,
          status,
        });
      },
    );

    it("does not repeat a code that is not a short identifier", () => {
      for (const code of ["x".repeat(49), "Has Spaces", "<script>", "ak_live_looking_code\n"])
        expect(classifyClerkError({ status: 400, code })).toMatchObject({
          reason: "clerk_http_400_unrecognised_code",
        });
    });

    it("adds Clerk's error code to the reason", () => {
      expect(classifyClerkError({ status: 422, code: "form_param_invalid" })).toMatchObject({
        kind: "final",
        reason: "clerk_http_422_form_param_invalid",
      });
    });

    it("never carries a Retry-After", () => {
      expect(classifyClerkError({ status: 400, retryAfterSeconds: 10 })).not.toHaveProperty(
        "retryAfterSeconds",
      );
    });
  });

  describe("trace id", () => {
    it.each([{ status: 404 }, {}, { status: 429 }, { status: 503 }, { status: 422 }])(
      "is carried for %o",
      (facts) => {
        const id = traceId();
        expect(classifyClerkError({ ...facts, traceId: id }).traceId).toBe(id);
      },
    );

    it("is left out when Clerk gave none, or an empty one", () => {
      expect(classifyClerkError({ status: 503 })).not.toHaveProperty("traceId");
      expect(classifyClerkError({ status: 503, traceId: "" })).not.toHaveProperty("traceId");
    });
  });
});
