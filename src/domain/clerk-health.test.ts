import { describe, expect, it } from "vitest";
import { classifyClerkHealth, notCheckedForPace, overallClerkHealth, type ProbeFacts } from "./clerk-health";

const answered = (status: number, clerkShaped: boolean, retryAfterSeconds?: number): ProbeFacts =>
  retryAfterSeconds === undefined
    ? { kind: "answered", status, clerkShaped }
    : { kind: "answered", status, clerkShaped, retryAfterSeconds };

describe("classifyClerkHealth", () => {
  describe("ok", () => {
    it("is ok when Clerk answers its own 404 for the made-up key id", () => {
      expect(classifyClerkHealth(answered(404, true))).toMatchObject({ status: "ok", httpStatus: 404 });
    });

    it("is ok when Clerk answers 200 with the key asked for", () => {
      expect(classifyClerkHealth(answered(200, true))).toMatchObject({ status: "ok", httpStatus: 200 });
    });
  });

  describe("unauthorised", () => {
    it("is unauthorised when Clerk refuses the secret key with 401", () => {
      const verdict = classifyClerkHealth(answered(401, true));
      expect(verdict).toMatchObject({ status: "unauthorised", httpStatus: 401 });
      expect(verdict.detail).toContain("CLERK_SECRET_KEY");
    });

    it("is unauthorised when Clerk answers 403", () => {
      expect(classifyClerkHealth(answered(403, true))).toMatchObject({
        status: "unauthorised",
        httpStatus: 403,
      });
    });

    it("is unauthorised for a 401 without Clerk's body too, and says to check the URL as well", () => {
      const verdict = classifyClerkHealth(answered(401, false));
      expect(verdict.status).toBe("unauthorised");
      expect(verdict.detail).toContain("CLERK_API_URL is Clerk's API");
    });
  });

  describe("misrouted", () => {
    it("is misrouted for a 404 without Clerk's error body, and says to check the path", () => {
      expect(classifyClerkHealth(answered(404, false))).toEqual({
        status: "misrouted",
        httpStatus: 404,
        detail: "CLERK_API_URL answers 404 without Clerk's error body: check its path.",
      });
    });

    it("is misrouted for a 200 that is not the key asked for", () => {
      expect(classifyClerkHealth(answered(200, false))).toMatchObject({
        status: "misrouted",
        httpStatus: 200,
      });
    });

    it("is misrouted for a 400, which Clerk's key route never answers a well-formed id", () => {
      expect(classifyClerkHealth(answered(400, true))).toMatchObject({
        status: "misrouted",
        httpStatus: 400,
      });
    });

    it("is misrouted for a 405", () => {
      expect(classifyClerkHealth(answered(405, false))).toMatchObject({
        status: "misrouted",
        httpStatus: 405,
      });
    });
  });

  describe("unreachable", () => {
    it("is unreachable when the call times out, and says after how long", () => {
      const verdict = classifyClerkHealth({ kind: "no_answer", reason: "timeout", timeoutMs: 5_000 });
      expect(verdict.status).toBe("unreachable");
      expect(verdict.httpStatus).toBeUndefined();
      expect(verdict.detail).toContain("5 s");
    });

    it("is unreachable when nothing answers", () => {
      expect(classifyClerkHealth({ kind: "no_answer", reason: "network" })).toMatchObject({
        status: "unreachable",
      });
    });

    it("is unreachable for a 5xx, Clerk's shape or not", () => {
      expect(classifyClerkHealth(answered(503, true))).toMatchObject({
        status: "unreachable",
        httpStatus: 503,
      });
      expect(classifyClerkHealth(answered(502, false))).toMatchObject({
        status: "unreachable",
        httpStatus: 502,
      });
    });

    it("is unreachable for a 408", () => {
      expect(classifyClerkHealth(answered(408, true))).toMatchObject({
        status: "unreachable",
        httpStatus: 408,
      });
    });
  });

  describe("a 429", () => {
    it("is paced, not ok: it checked neither the key nor the path", () => {
      const verdict = classifyClerkHealth(answered(429, true, 3));
      expect(verdict).toMatchObject({ status: "paced", httpStatus: 429 });
      expect(verdict.detail).toContain("3 s");
    });

    it("is paced without a Retry-After too", () => {
      expect(classifyClerkHealth(answered(429, false)).status).toBe("paced");
    });
  });
});

describe("notCheckedForPace", () => {
  it("is paced, with no HTTP status, and says when to look again in whole seconds", () => {
    const verdict = notCheckedForPace(2_400);
    expect(verdict).toMatchObject({ status: "paced" });
    expect(verdict.httpStatus).toBeUndefined();
    expect(verdict.detail).toContain("3 s");
  });
});

describe("overallClerkHealth", () => {
  it("is ok when every instance is ok", () => {
    expect(overallClerkHealth([{ status: "ok" }, { status: "ok" }])).toBe("ok");
  });

  it("is degraded when one instance is not ok", () => {
    expect(overallClerkHealth([{ status: "ok" }, { status: "misrouted" }])).toBe("degraded");
  });

  it("is degraded when an instance was not checked", () => {
    expect(overallClerkHealth([{ status: "ok" }, { status: "paced" }])).toBe("degraded");
  });
});

describe("no detail", () => {
  it("ever quotes more than the status it rests on", () => {
    const all: ProbeFacts[] = [
      answered(200, true),
      answered(200, false),
      answered(401, true),
      answered(404, false),
      answered(429, true, 1),
      answered(503, false),
      { kind: "no_answer", reason: "network" },
    ];
    for (const facts of all) expect(classifyClerkHealth(facts).detail).not.toMatch(/sk_|ak_/);
  });
});
