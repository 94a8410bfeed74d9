/**
 * @module
 * Numbers as the bench prints them, in the console, bench/RESULTS.md and the plot alike: thousands separators,
 * milliseconds that switch to seconds, ratios and shares.
 */

/** A number with thousands separators and at most `digits` decimals. */
export function fmt(value: number, digits = 0): string {
  return value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** Milliseconds, in ms below 10 s and in s above; two significant digits below 1 ms. */
export function fmtMs(ms: number): string {
  if (Number.isNaN(ms)) return "?";
  if (ms < 0) return `−${fmtMs(-ms)}`;
  if (ms > 0 && ms < 1) return `${Number(ms.toPrecision(2))} ms`;
  if (ms < 10) return `${fmt(ms, 2)} ms`;
  if (ms < 10_000) return `${fmt(ms)} ms`;
  return `${fmt(ms / 1000, 1)} s`;
}

/**
 * Milliseconds read from a clock that ticks in whole milliseconds (the Worker's `Date.now`): no decimals, which
 * would only be noise, and seconds from 10 s up as `fmtMs`.
 */
export function fmtWholeMs(ms: number): string {
  return ms < 10_000 ? `${fmt(ms)} ms` : fmtMs(ms);
}

/** `1 call`, `2 calls`: `count` and the noun, plural when it is not one. */
export function fmtPlural(count: number, singular: string, plural = `${singular}s`): string {
  return `${fmt(count)} ${count === 1 ? singular : plural}`;
}

/** A difference in milliseconds with its sign: `+36 ms`. */
export function fmtSignedMs(ms: number): string {
  return ms >= 0 ? `+${fmtMs(ms)}` : fmtMs(ms);
}

/** A ratio like `0.83×`. */
export function fmtRatio(ratio: number): string {
  return `${fmt(ratio, ratio < 10 ? 2 : 1)}×`;
}

/**
 * `value ÷ baseline` as a ratio, or a dash when the baseline is zero: workerd's clock advances in steps, so a
 * cheap enough baseline can measure as nothing.
 */
export function fmtRatioTo(value: number, baseline: number): string {
  return baseline > 0 ? fmtRatio(value / baseline) : "— (baseline under the clock's step)";
}

/** A share as a percentage, with two decimals below 1% so a handful of 429s does not read as none. */
export function fmtShare(share: number): string {
  return `${fmt(100 * share, share > 0 && share < 0.01 ? 2 : 1)}%`;
}
