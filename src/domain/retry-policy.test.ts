import { describe, expect, it } from "vitest";
import { RETRY_BASE_DELAY_SECONDS, RETRY_MAX_DELAY_SECONDS, retryDelaySeconds } from "./retry-policy";

const QUEUES_MAX_DELAY_SECONDS = 43_200;
/** Randoms across [0, 1), including both ends' neighbourhoods. */
const RANDOMS = [0, 0.001, 0.25, 0.5, 0.75, 0.999, 1 - Number.EPSILON];
const backoffFor = (attempt: number, base = RETRY_BASE_DELAY_SECONDS) =>
  Math.min(RETRY_MAX_DELAY_SECONDS, base * 2 ** (attempt - 1));

describe("retryDelaySeconds", () => {
  describe("exponential backoff", () => {
    it("doubles with each attempt", () => {
      const delays = [1, 2, 3, 4, 5].map((attempt) => retryDelaySeconds({ attempt, random: 0 }));
      expect(delays).toEqual([5, 10, 20, 40, 80]);
    });

    it("uses the configured base delay", () => {
      expect(retryDelaySeconds({ attempt: 3, baseDelaySeconds: 4, random: 0 })).toBe(8);
    });

    it(`never exceeds RETRY_MAX_DELAY_SECONDS (${RETRY_MAX_DELAY_SECONDS}) without a Retry-After`, () => {
      for (const attempt of [10, 20, 31, 100, 1_000_000]) {
        for (const random of RANDOMS) {
          expect(retryDelaySeconds({ attempt, random })).toBeLessThanOrEqual(RETRY_MAX_DELAY_SECONDS);
        }
      }
    });

    it("reaches the maximum on late attempts", () => {
      expect(retryDelaySeconds({ attempt: 50, random: 1 - Number.EPSILON })).toBe(RETRY_MAX_DELAY_SECONDS);
    });

    it("keeps the jitter within [half, full] of the backoff", () => {
      for (const attempt of [1, 2, 5, 9, 12]) {
        const backoff = backoffFor(attempt);
        for (const random of RANDOMS) {
          const delay = retryDelaySeconds({ attempt, random });
          expect(delay).toBeGreaterThanOrEqual(backoff / 2);
          expect(delay).toBeLessThanOrEqual(backoff);
        }
      }
    });

    it("spreads retries out: different randoms give different delays", () => {
      const delays = new Set(RANDOMS.map((random) => retryDelaySeconds({ attempt: 6, random })));
      expect(delays.size).toBeGreaterThan(3);
    });
  });

  describe("Retry-After", () => {
    it("is a floor, even above the backoff maximum", () => {
      for (const retryAfterSeconds of [1, 30, 120, 7_200]) {
        for (const random of RANDOMS) {
          expect(retryDelaySeconds({ attempt: 1, retryAfterSeconds, random })).toBeGreaterThanOrEqual(
            retryAfterSeconds,
          );
        }
      }
    });

    it("is taken as is when only waiting (no failure yet) and the random is zero", () => {
      expect(retryDelaySeconds({ attempt: 0, retryAfterSeconds: 42, random: 0 })).toBe(42);
    });

    it("adds at most 10% (rounded up to a whole second)", () => {
      for (const retryAfterSeconds of [10, 30, 120, 7_200]) {
        for (const random of RANDOMS) {
          expect(retryDelaySeconds({ attempt: 1, retryAfterSeconds, random })).toBeLessThanOrEqual(
            Math.ceil(retryAfterSeconds * 1.1),
          );
        }
      }
    });

    it("never shortens the backoff: after many failures the backoff wins", () => {
      expect(retryDelaySeconds({ attempt: 12, retryAfterSeconds: 3, random: 0 })).toBe(
        RETRY_MAX_DELAY_SECONDS / 2,
      );
    });

    it("wins over a shorter backoff", () => {
      expect(retryDelaySeconds({ attempt: 1, baseDelaySeconds: 10, retryAfterSeconds: 60, random: 0 })).toBe(
        60,
      );
    });
  });

  describe("bounds", () => {
    it("answers whole seconds", () => {
      for (const random of RANDOMS) {
        expect(Number.isInteger(retryDelaySeconds({ attempt: 3, baseDelaySeconds: 3, random }))).toBe(true);
        expect(Number.isInteger(retryDelaySeconds({ attempt: 1, retryAfterSeconds: 7, random }))).toBe(true);
      }
    });

    it("never answers below one second", () => {
      expect(retryDelaySeconds({ attempt: 0, retryAfterSeconds: 0, random: 0 })).toBe(1);
      expect(retryDelaySeconds({ attempt: 1, baseDelaySeconds: 0, random: 0 })).toBe(1);
      expect(retryDelaySeconds({ attempt: 1, baseDelaySeconds: 1, random: 0 })).toBe(1);
    });

    it(`clamps to Queues' ceiling of ${QUEUES_MAX_DELAY_SECONDS} seconds`, () => {
      expect(retryDelaySeconds({ attempt: 1, retryAfterSeconds: 100_000, random: 0.5 })).toBe(
        QUEUES_MAX_DELAY_SECONDS,
      );
      expect(retryDelaySeconds({ attempt: 1, retryAfterSeconds: 43_000, random: 0.999 })).toBe(
        QUEUES_MAX_DELAY_SECONDS,
      );
    });

    it("has no backoff while nothing has failed (attempt 0 or below): one second", () => {
      for (const attempt of [0, -3]) expect(retryDelaySeconds({ attempt, random: 0.5 })).toBe(1);
    });
  });
});
