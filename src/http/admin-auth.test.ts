import { describe, expect, it } from "vitest";
import { bearerToken, tokensMatch } from "./admin-auth";

describe("bearerToken", () => {
  it("reads the token of a Bearer header, the scheme in any case", () => {
    expect(bearerToken("Bearer abc.DEF-123")).toBe("abc.DEF-123");
    expect(bearerToken("bearer abc")).toBe("abc");
    expect(bearerToken("BEARER  abc ")).toBe("abc");
  });

  it("finds none in a missing, empty, other-scheme or multi-part header", () => {
    for (const header of [
      undefined,
      "",
      "Bearer",
      "Bearer ",
      "Basic abc",
      "abc",
      "Bearer a b",
      "Bearer\tabc",
    ]) {
      expect(bearerToken(header)).toBeUndefined();
    }
  });
});

describe("tokensMatch", () => {
  const token = "test-admin-token-0123456789abcdef0123";

  it("accepts the same token only", async () => {
    expect(await tokensMatch(token, token)).toBe(true);
    expect(await tokensMatch(`${token}x`, token)).toBe(false);
    expect(await tokensMatch(token.slice(0, -1), token)).toBe(false);
    expect(await tokensMatch("", token)).toBe(false);
    expect(await tokensMatch(token.toUpperCase(), token)).toBe(false);
  });
});
