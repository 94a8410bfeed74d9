import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "./cursor";

const position = { firstSeenAt: 1_790_000_000_123, tokenHash: "ab".repeat(32) };

describe("the list cursor", () => {
  it("round-trips a position as base64url text", () => {
    const cursor = encodeCursor(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual(position);
  });

  it("refuses text that is not one of ours", () => {
    for (const bad of ["", "!!!", "a", btoa("12.xyz"), btoa(`-1.${"ab".repeat(32)}`), "A".repeat(200)]) {
      expect(decodeCursor(bad)).toBeUndefined();
    }
  });
});
