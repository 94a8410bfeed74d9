import { describe, expect, it } from "vitest";
import { bucketLabel, niceMax } from "./charts";
import { formatDuration, formatTime, safeLink } from "./format";

describe("formatDuration", () => {
  it("writes each order of magnitude at the precision an operator reads", () => {
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(4_200)).toBe("4.2 s");
    expect(formatDuration(1_000)).toBe("1 s");
    expect(formatDuration(42_000)).toBe("42 s");
    expect(formatDuration(180_000)).toBe("3 min");
    expect(formatDuration(9_000_000)).toBe("2.5 h");
    expect(formatDuration(3 * 86_400_000)).toBe("3 d");
  });
});

describe("formatTime", () => {
  it("writes UTC to the second", () => {
    expect(formatTime(Date.parse("2026-11-29T06:54:34.567Z"))).toBe("2026-11-29 06:54:34 UTC");
  });
});

describe("safeLink", () => {
  it("links http and https only", () => {
    expect(safeLink("https://github.com/o/r/blob/main/.env")).toBe("https://github.com/o/r/blob/main/.env");
    for (const bad of ["javascript:alert(1)", "data:text/html,x", "vbscript:x", "not a url"])
      expect(safeLink(bad)).toBeUndefined();
  });
});

describe("charts", () => {
  it("rounds an axis up to 1, 2 or 5 times a power of ten", () => {
    expect([0, 1, 3, 7, 11, 20, 49, 51, 999].map(niceMax)).toEqual([1, 1, 5, 10, 20, 20, 50, 100, 1000]);
  });

  it("labels histogram buckets by their upper bound, the open last one by its lower", () => {
    expect(bucketLabel(null, 1_000)).toBe("< 1 s");
    expect(bucketLabel(1_000, 10_000)).toBe("< 10 s");
    expect(bucketLabel(86_400_000, null)).toBe("≥ 1 d");
  });
});
