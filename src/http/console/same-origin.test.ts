import { describe, expect, it } from "vitest";
import { isSameOrigin } from "./same-origin";

describe("isSameOrigin", () => {
  const own = "https://autorevoke.example.com";

  it("accepts the console's own origin", () => {
    expect(isSameOrigin(own, own, undefined)).toBe(true);
    expect(isSameOrigin(own, own, "same-origin")).toBe(true);
  });

  it("refuses another origin, whatever Sec-Fetch-Site claims", () => {
    for (const origin of [
      "https://evil.example",
      "http://autorevoke.example.com",
      `${own}.evil.example`,
      "null",
    ])
      expect(isSameOrigin(own, origin, "same-origin")).toBe(false);
  });

  it("without Origin, trusts only Sec-Fetch-Site: same-origin, and refuses a request with neither", () => {
    expect(isSameOrigin(own, undefined, "same-origin")).toBe(true);
    for (const site of ["same-site", "cross-site", "none", undefined])
      expect(isSameOrigin(own, undefined, site)).toBe(false);
  });
});
