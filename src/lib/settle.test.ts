import { describe, expect, it } from "vitest";
import { settleWithin } from "./settle";

describe("settleWithin", () => {
  it("answers the value of a promise that settles in time", async () => {
    expect(await settleWithin(Promise.resolve(42), 1_000)).toEqual({ ok: true, value: 42 });
  });

  it("answers the error of a promise that rejects, without throwing", async () => {
    const error = new TypeError("boom");
    expect(await settleWithin(Promise.reject(error), 1_000)).toEqual({ ok: false, reason: "error", error });
  });

  it("answers timeout when the promise takes longer", async () => {
    const never = new Promise<number>(() => {});
    expect(await settleWithin(never, 10)).toEqual({ ok: false, reason: "timeout" });
  });
});
